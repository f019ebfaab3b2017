"""OAuth identities, the TOTP secret and last used step, and two-factor recovery codes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_identities",
        sa.Column("id", postgresql.UUID(), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("user_id", postgresql.UUID(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_oauth_identities_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_identities")),
        sa.UniqueConstraint("provider", "subject", name="uq_oauth_identities_provider_subject"),
    )
    op.create_index("ix_oauth_identities_user_id", "oauth_identities", ["user_id"])
    op.create_table(
        "two_factor_recovery_codes",
        sa.Column("id", postgresql.UUID(), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("user_id", postgresql.UUID(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_two_factor_recovery_codes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_factor_recovery_codes")),
    )
    op.create_index("ix_two_factor_recovery_codes_user_id", "two_factor_recovery_codes",
                    ["user_id"])
    op.add_column("users", sa.Column("totp_secret", sa.Text(), nullable=True))
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "totp_last_step")
    op.drop_column("users", "totp_secret")
    op.drop_table("two_factor_recovery_codes")
    op.drop_table("oauth_identities")
