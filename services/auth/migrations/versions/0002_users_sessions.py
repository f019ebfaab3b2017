"""Users, refresh tokens (sessions) and security events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFAULT_PREFERENCES = (
    """'{"emailNotifications": true, "jobAlerts": true, "newsletter": false, """
    """"theme": "system", "language": "en"}'::jsonb"""
)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", postgresql.UUID(), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("tier", sa.Text(), server_default=sa.text("'free'"), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"),
                  nullable=False),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("preferences", postgresql.JSONB(), server_default=sa.text(DEFAULT_PREFERENCES),
                  nullable=False),
        sa.Column("social_links", postgresql.JSONB(), server_default=sa.text("'{}'"),
                  nullable=False),
        sa.Column("profile_image_url", sa.Text(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("login_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("lock_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("two_factor_enabled", sa.Boolean(), server_default=sa.text("false"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
        sa.CheckConstraint("tier IN ('free', 'pro', 'premium', 'admin')",
                           name=op.f("ck_users_tier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_lower_email", "users", [sa.text("lower(email)")], unique=True)

    op.create_table(
        "refresh_tokens",
        sa.Column("id", postgresql.UUID(), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("user_id", postgresql.UUID(), nullable=False),
        sa.Column("family_id", postgresql.UUID(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_refresh_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"])

    op.create_table(
        "security_events",
        sa.Column("id", postgresql.UUID(), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("user_id", postgresql.UUID(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("detail", postgresql.JSONB(), server_default=sa.text("'{}'"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
        # The audit trail outlives the account it is about.
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_security_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    op.create_index("ix_security_events_user_id_created_at", "security_events",
                    ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_table("security_events")
    op.drop_table("refresh_tokens")
    op.drop_table("users")
