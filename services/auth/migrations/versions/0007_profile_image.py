"""Uploaded profile pictures: the files service's file id and its variants' URLs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("profile_image", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "profile_image")
