"""CV embeddings for CV<->job similarity (float arrays: no pgvector needed).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cv_embeddings",
        sa.Column("cv_id", postgresql.UUID(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("vector", postgresql.ARRAY(sa.Float()), nullable=False),
        sa.ForeignKeyConstraint(["cv_id"], ["cvs.id"], ondelete="CASCADE",
                                name=op.f("fk_cv_embeddings_cv_id_cvs")),
        sa.PrimaryKeyConstraint("cv_id", "model", name=op.f("pk_cv_embeddings")),
    )


def downgrade() -> None:
    op.drop_table("cv_embeddings")
