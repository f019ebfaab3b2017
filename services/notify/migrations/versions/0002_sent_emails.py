"""Sent e-mails: one row per (event, template), so an event never mails twice.

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


def upgrade() -> None:
    op.create_table(
        "sent_emails",
        sa.Column("id", postgresql.UUID(), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("event_id", postgresql.UUID(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("provider_message_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')",
                           name=op.f("ck_sent_emails_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_emails")),
        sa.UniqueConstraint("event_id", "template", name="uq_sent_emails_event_id_template"),
    )
    op.create_index(op.f("ix_sent_emails_user_id"), "sent_emails", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sent_emails_user_id"), table_name="sent_emails")
    op.drop_table("sent_emails")
