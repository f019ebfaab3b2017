"""Tables of the cv service. Alembic compares migrations against `metadata`.

`cvs` is the seed's CV document: its content (JSON Resume widened, cv.content.schema) is JSONB,
`version` the concurrency token every write names. `cv_versions` keeps what each save stored:
autosaves by one author within a minute replace the newest row rather than add one. A CV in
the trash has `deleted_at` and is purged 30 days later.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from career_kit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Cv(Base):
    __tablename__ = "cvs"
    __table_args__ = (
        # The owner's list (most recently updated first) and trash (most recently deleted).
        Index("ix_cvs_owner_id_updated_at", "owner_id", "updated_at", "id"),
        Index("ix_cvs_deleted_at", "deleted_at", postgresql_where=text("deleted_at IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    title: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(BigInteger)
    download_count: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CvVersion(Base):
    __tablename__ = "cv_versions"

    cv_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cvs.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    title: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # When this version was first saved; an autosave into it moves `saved_at` only.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
