"""Stored files, their variants and references, and the sweep list of storage objects.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
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
        "stored_files",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("owner_id", postgresql.UUID(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("scan_result", sa.Text(), nullable=False),
        sa.Column("details", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.Column("unreferenced_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("owner_id", "bucket", "sha256",
                            name="uq_stored_files_owner_bucket_sha"),
    )
    op.create_index("ix_stored_files_owner_id_created_at", "stored_files",
                    ["owner_id", "created_at", "id"])
    op.create_index("ix_stored_files_unreferenced_since", "stored_files",
                    ["unreferenced_since"],
                    postgresql_where=sa.text("unreferenced_since IS NOT NULL"))
    op.create_table(
        "file_variants",
        sa.Column("file_id", postgresql.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["stored_files.id"], ondelete="CASCADE",
                                name=op.f("fk_file_variants_file_id_stored_files")),
        sa.PrimaryKeyConstraint("file_id", "name", name=op.f("pk_file_variants")),
    )
    op.create_table(
        "file_references",
        sa.Column("file_id", postgresql.UUID(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["stored_files.id"], ondelete="CASCADE",
                                name=op.f("fk_file_references_file_id_stored_files")),
        sa.PrimaryKeyConstraint("file_id", "reference", name=op.f("pk_file_references")),
    )
    op.create_table(
        "object_sweeps",
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "storage_key", name=op.f("pk_object_sweeps")),
    )
    op.create_index("ix_object_sweeps_due_at", "object_sweeps", ["due_at"])


def downgrade() -> None:
    op.drop_table("object_sweeps")
    op.drop_table("file_references")
    op.drop_table("file_variants")
    op.drop_table("stored_files")
