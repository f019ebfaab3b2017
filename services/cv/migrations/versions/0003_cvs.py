"""CVs and their versions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cvs",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("owner_id", postgresql.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("content", postgresql.JSONB(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("download_count", sa.BigInteger(), server_default=sa.text("0"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cvs")),
    )
    op.create_index("ix_cvs_owner_id_updated_at", "cvs", ["owner_id", "updated_at", "id"])
    op.create_index("ix_cvs_deleted_at", "cvs", ["deleted_at"],
                    postgresql_where=sa.text("deleted_at IS NOT NULL"))
    op.create_table(
        "cv_versions",
        sa.Column("cv_id", postgresql.UUID(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("author_id", postgresql.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("content", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cv_id"], ["cvs.id"], ondelete="CASCADE",
                                name=op.f("fk_cv_versions_cv_id_cvs")),
        sa.PrimaryKeyConstraint("cv_id", "version", name=op.f("pk_cv_versions")),
    )


def downgrade() -> None:
    op.drop_table("cv_versions")
    op.drop_table("cvs")
