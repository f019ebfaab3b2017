"""Single-use e-mail tokens (verification, password reset) and the applied subscription version.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
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
        "email_tokens",
        sa.Column("id", postgresql.UUID(), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("user_id", postgresql.UUID(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("purpose IN ('verify', 'reset')",
                           name=op.f("ck_email_tokens_purpose")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_email_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_tokens_token_hash")),
    )
    op.create_index("ix_email_tokens_user_id", "email_tokens", ["user_id"])
    op.add_column("users", sa.Column("subscription_version", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "subscription_version")
    op.drop_table("email_tokens")
