"""Tables of the notify service. Alembic compares migrations against `metadata`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from career_kit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class SentEmail(Base):
    """One e-mail caused by one event: never sent twice for the same (event, template)."""

    __tablename__ = "sent_emails"
    __table_args__ = (
        UniqueConstraint("event_id", "template", name="uq_sent_emails_event_id_template"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    template: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(Text, index=True)
    recipient: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=text("now()"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
