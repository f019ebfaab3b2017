"""When each session was signed into: refresh_tokens.authenticated_at.

Every token rotated from one sign-in carries the time of that sign-in, so that access tokens
issued on refresh keep their `auth_time` and a recent sign-in can be asked for (deleting an
account, setting a first password) without trusting the oldest surviving row of a family.
Existing sessions get the first token of their family as their sign-in time.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("refresh_tokens",
                  sa.Column("authenticated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("""
        UPDATE refresh_tokens AS t SET authenticated_at = (
            SELECT min(f.created_at) FROM refresh_tokens AS f WHERE f.family_id = t.family_id)
    """)
    op.alter_column("refresh_tokens", "authenticated_at", nullable=False)


def downgrade() -> None:
    op.drop_column("refresh_tokens", "authenticated_at")
