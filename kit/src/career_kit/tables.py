"""The platform tables every service database has, beside its own: the event outbox and inbox
(career_kit.events) and the idempotency keys of client-retried calls (career_kit.idempotency).
Each service's migrations create them with `career_kit.migrations`."""

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


# One row per (operation, owner, key) a client sent: the request's hash, and its answer once the
# call committed, so a retry is answered from here and a reuse with another request refused.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("response", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("scope", "owner", "key", name="pk_idempotency_keys"),
    # Expired keys are swept by age.
    Index("ix_idempotency_keys_created_at", "created_at"),
)


def event_tables() -> list[Table]:
    """The event tables in creation order (every service's first revision creates them)."""
    return [outbox, inbox]
