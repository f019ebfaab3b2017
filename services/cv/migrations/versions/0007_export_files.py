"""Rendered exports kept in the files service, by cache key.

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
    op.create_table(
        "cv_export_files",
        sa.Column("cv_id", postgresql.UUID(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("file_id", postgresql.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cv_id"], ["cvs.id"], ondelete="CASCADE",
                                name=op.f("fk_cv_export_files_cv_id_cvs")),
        sa.PrimaryKeyConstraint("cv_id", "key", name=op.f("pk_cv_export_files")),
    )


def downgrade() -> None:
    op.drop_table("cv_export_files")
