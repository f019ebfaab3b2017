"""Platform table: idempotency keys of client-retried calls (career_kit.idempotency).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from career_kit.migrations import create_idempotency_table, drop_idempotency_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
