"""Render options, public links with daily statistics, collaborators, comments, and the users
the service knows by e-mail.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _cv_id(table: str) -> list:
    return [sa.Column("cv_id", postgresql.UUID(), nullable=False),
            sa.ForeignKeyConstraint(["cv_id"], ["cvs.id"], ondelete="CASCADE",
                                    name=op.f(f"fk_{table}_cv_id_cvs"))]


def upgrade() -> None:
    for table in ("cvs", "cv_versions"):
        op.add_column(table, sa.Column("options", postgresql.JSONB(),
                                       server_default=sa.text("'{}'::jsonb"), nullable=False))
    op.add_column("cvs", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "cv_links",
        sa.Column("id", postgresql.UUID(), nullable=False),
        *_cv_id("cv_links"),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("views", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("downloads", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cv_links")),
        sa.UniqueConstraint("slug", name=op.f("uq_cv_links_slug")),
    )
    op.create_index("ix_cv_links_cv_id", "cv_links", ["cv_id"])
    op.create_table(
        "cv_link_days",
        sa.Column("link_id", postgresql.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("downloads", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["cv_links.id"], ondelete="CASCADE",
                                name=op.f("fk_cv_link_days_link_id_cv_links")),
        sa.PrimaryKeyConstraint("link_id", "day", name=op.f("pk_cv_link_days")),
    )
    op.create_table(
        "cv_grants",
        *_cv_id("cv_grants"),
        sa.Column("user_id", postgresql.UUID(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cv_id", "user_id", name=op.f("pk_cv_grants")),
    )
    op.create_index("ix_cv_grants_user_id", "cv_grants", ["user_id"])
    op.create_table(
        "cv_comments",
        sa.Column("id", postgresql.UUID(), nullable=False),
        *_cv_id("cv_comments"),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("author_id", postgresql.UUID(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", postgresql.UUID(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cv_comments")),
    )
    op.create_index("ix_cv_comments_cv_id_created_at", "cv_comments", ["cv_id", "created_at"])
    op.create_index("ix_cv_comments_author_id", "cv_comments", ["author_id"])
    op.create_table(
        "cv_people",
        sa.Column("user_id", postgresql.UUID(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_cv_people")),
        sa.UniqueConstraint("email", name=op.f("uq_cv_people_email")),
    )


def downgrade() -> None:
    for table in ("cv_people", "cv_comments", "cv_grants", "cv_link_days", "cv_links"):
        op.drop_table(table)
    op.drop_column("cvs", "completed_at")
    for table in ("cv_versions", "cvs"):
        op.drop_column(table, "options")
