"""The two platform tables every service database has: the event outbox and the event inbox."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from career_kit.db import new_metadata

metadata: MetaData = new_metadata()

# Written in the same transaction as the state change; the relay publishes rows in `seq` order.
outbox = Table(
    "event_outbox",
    metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("event_type", Text, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    # Keeps the relay's "what is still to publish" query an index scan however large it grows.
    Index("ix_event_outbox_unpublished", "seq", postgresql_where=text("published_at IS NULL")),
)

# One row per (consumer, event) processed: a redelivered event finds its row and is skipped.
inbox = Table(
    "event_inbox",
    metadata,
    Column("consumer", Text, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "event_id", name="pk_event_inbox"),
)


def event_tables() -> list[Table]:
    """The tables in creation order."""
    return [outbox, inbox]
