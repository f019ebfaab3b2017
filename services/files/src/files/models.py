"""Tables of the files service. Alembic compares migrations against `metadata`.

`stored_files` is the seed's File Uploads collection (user, name, MIME type, size, bucket,
path, public, uploaded at) plus what the platform needs: the kind detected from the bytes, the
SHA-256 that deduplicates a user's identical uploads, the scan result and what processing
found. `file_variants` are its stored objects (the original is one of them), and
`file_references` who uses it. `object_sweeps` lists storage objects to delete at `due_at`:
those of deleted files (due at once) and those of uploads in flight (due in an hour, removed
when the upload commits), so an object whose file row never committed is deleted too.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from career_kit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class StoredFile(Base):
    __tablename__ = "stored_files"
    __table_args__ = (
        # One row per identical upload of a user to a bucket: a re-upload answers the first.
        UniqueConstraint("owner_id", "bucket", "sha256", name="uq_stored_files_owner_bucket_sha"),
        Index("ix_stored_files_owner_id_created_at", "owner_id", "created_at", "id"),
        # The orphan sweep's scan: unreferenced files oldest first.
        Index("ix_stored_files_unreferenced_since", "unreferenced_since",
              postgresql_where=text("unreferenced_since IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    bucket: Mapped[str] = mapped_column(Text)
    original_name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean)
    scan_result: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # Since when nothing references it (creation, or its last detach); null while referenced.
    unreferenced_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=text("now()"))

    variants: Mapped[list[FileVariant]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="FileVariant.position")
    references: Mapped[list[FileReference]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="FileReference.reference")


class FileVariant(Base):
    __tablename__ = "file_variants"

    file_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)


class FileReference(Base):
    __tablename__ = "file_references"

    file_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True)
    reference: Mapped[str] = mapped_column(Text, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=text("now()"))


class ObjectSweep(Base):
    __tablename__ = "object_sweeps"
    __table_args__ = (Index("ix_object_sweeps_due_at", "due_at"),)

    bucket: Mapped[str] = mapped_column(Text, primary_key=True)
    storage_key: Mapped[str] = mapped_column(Text, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
