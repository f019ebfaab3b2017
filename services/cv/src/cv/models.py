"""Tables of the cv service. Alembic compares migrations against `metadata`.

`cvs` is the seed's CV document: its content (JSON Resume widened, cv.content.schema) is JSONB,
`options` how it is rendered (cv.render.options), `version` the concurrency token every write
names. `cv_versions` keeps what each save stored: autosaves by one author within a minute
replace the newest row rather than add one. A CV in the trash has `deleted_at` and is purged
30 days later; everything below hangs off `cvs` with ON DELETE CASCADE, so the purge and a
user's erasure take it along.

`cv_links` are public links (the seed's isPublic) with their counters and `cv_link_days` their
statistics by day; `cv_grants` share a CV with another user as viewer, commenter or editor;
`cv_comments` are comments on a section; `cv_people` is what the cv service knows of users
(from user.registered) to find a collaborator by e-mail.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Float, ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
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
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    version: Mapped[int] = mapped_column(BigInteger)
    download_count: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first save that made it complete (cv.completed is published once).
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CvVersion(Base):
    __tablename__ = "cv_versions"

    cv_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cvs.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    title: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # When this version was first saved; an autosave into it moves `saved_at` only.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CvLink(Base):
    __tablename__ = "cv_links"
    __table_args__ = (Index("ix_cv_links_cv_id", "cv_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cv_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cvs.id", ondelete="CASCADE"))
    # 128 random bits, URL-safe: the link is the only secret a public reader holds.
    slug: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    views: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    downloads: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class CvLinkDay(Base):
    __tablename__ = "cv_link_days"

    link_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cv_links.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    downloads: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class CvGrant(Base):
    __tablename__ = "cv_grants"
    __table_args__ = (Index("ix_cv_grants_user_id", "user_id"),)

    cv_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cvs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    role: Mapped[str] = mapped_column(Text)  # viewer, commenter or editor
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CvComment(Base):
    __tablename__ = "cv_comments"
    __table_args__ = (Index("ix_cv_comments_cv_id_created_at", "cv_id", "created_at"),
                      Index("ix_cv_comments_author_id", "author_id"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cv_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cvs.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(Text)  # "work", "custom:<id>", "basics", ...
    author_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class Person(Base):
    __tablename__ = "cv_people"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # Lower-cased: how a collaborator is looked up.
    email: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)


class AiCall(Base):
    """One model call: who, for what, which provider and model, tokens, latency, outcome."""

    __tablename__ = "ai_calls"
    __table_args__ = (Index("ix_ai_calls_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    feature: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(Text)
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    latency_ms: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(Text)  # "ok" or "failed:<kind>"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoverLetter(Base):
    """A cover letter written for a CV and a job, kept with the CV."""

    __tablename__ = "cv_cover_letters"
    __table_args__ = (Index("ix_cv_cover_letters_cv_id_created_at", "cv_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cv_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cvs.id", ondelete="CASCADE"))
    job_title: Mapped[str] = mapped_column(Text)
    # {"greeting": str, "paragraphs": [str], "closing": str}
    letter: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CvEmbedding(Base):
    """A CV's text as an embedding vector, for CV<->job similarity: one per CV and model, of
    the version it was made from (a newer version makes a new one). A plain float array, so
    it needs no pgvector (absent from Debian's PostgreSQL 15); cosine is computed in Python."""

    __tablename__ = "cv_embeddings"

    cv_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cvs.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    vector: Mapped[list[float]] = mapped_column(ARRAY(Float))


class ExportFile(Base):
    """A rendered export kept in the files service (bucket cv-exports), by its cache key: the
    cache that replicas share and restarts keep. Older versions' go as a new one is kept."""

    __tablename__ = "cv_export_files"

    cv_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cvs.id", ondelete="CASCADE"), primary_key=True)
    # SHA-256 of (version, template, options, format): what the render depended on.
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    file_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
