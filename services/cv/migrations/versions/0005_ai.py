"""Model calls (usage and cost per user) and cover letters kept with their CV.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_calls",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("user_id", postgresql.UUID(), nullable=False),
        sa.Column("feature", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_calls")),
    )
    op.create_index("ix_ai_calls_user_id_created_at", "ai_calls", ["user_id", "created_at"])
    op.create_table(
        "cv_cover_letters",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("cv_id", postgresql.UUID(), nullable=False),
        sa.Column("job_title", sa.Text(), nullable=False),
        sa.Column("letter", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cv_id"], ["cvs.id"], ondelete="CASCADE",
                                name=op.f("fk_cv_cover_letters_cv_id_cvs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cv_cover_letters")),
    )
    op.create_index("ix_cv_cover_letters_cv_id_created_at", "cv_cover_letters",
                    ["cv_id", "created_at"])


def downgrade() -> None:
    op.drop_table("cv_cover_letters")
    op.drop_table("ai_calls")
