"""The event envelope, defined once.

An event travels as a NATS message whose data is the protobuf payload and whose headers are the
envelope, following the CloudEvents NATS binding (binary mode): `ce-id`, `ce-type`, `ce-source`,
`ce-time`, `ce-subject`, plus the extensions `ce-schemaversion` and `ce-correlationid`.
`Nats-Msg-Id` repeats the id so JetStream drops a re-published duplicate.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf.message import Message

from career_kit import context

SPEC_VERSION = "1.0"
# `<domain>.<event>`, as in user.registered, subscription.updated, post.scheduled.
EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

H_ID = "ce-id"
H_TYPE = "ce-type"
H_SOURCE = "ce-source"
H_TIME = "ce-time"
H_SUBJECT = "ce-subject"
H_SPECVERSION = "ce-specversion"
H_SCHEMA_VERSION = "ce-schemaversion"
H_CORRELATION_ID = "ce-correlationid"
H_CONTENT_TYPE = "content-type"
H_NATS_MSG_ID = "Nats-Msg-Id"

M = TypeVar("M", bound=Message)


class MalformedEvent(ValueError):
    """A message that is not a valid envelope; redelivery cannot fix it."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    """An event a service emits. `type` is also its subject, e.g. 'user.registered'."""

    type: str
    data: Message
    subject: str | None = None  # the entity the event is about, e.g. a user id
    schema_version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=_now)
    correlation_id: str | None = None

    def __post_init__(self) -> None:
        if not EVENT_TYPE_PATTERN.match(self.type):
            raise ValueError(f"event type {self.type!r} is not '<domain>.<event>'")

    @property
    def domain(self) -> str:
        return self.type.split(".", 1)[0]

    def headers(self, source: str) -> dict[str, str]:
        """The envelope as message headers (without Nats-Msg-Id, which the relay adds)."""
        headers = {
            H_SPECVERSION: SPEC_VERSION,
            H_ID: str(self.id),
            H_TYPE: self.type,
            H_SOURCE: source,
            H_TIME: self.occurred_at.astimezone(UTC).isoformat(),
            H_SCHEMA_VERSION: str(self.schema_version),
            H_CORRELATION_ID: self.correlation_id or context.current_correlation_id(),
            H_CONTENT_TYPE: f"application/protobuf; proto={self.data.DESCRIPTOR.full_name}",
        }
        if self.subject is not None:
            headers[H_SUBJECT] = self.subject
        return headers


@dataclass(frozen=True)
class ReceivedEvent:
    """An event as a consumer sees it: the envelope plus the still-encoded payload."""

    id: uuid.UUID
    type: str
    source: str
    occurred_at: datetime
    schema_version: int
    correlation_id: str | None
    subject: str | None
    content_type: str
    data: bytes
    delivery_attempt: int = 1

    @classmethod
    def from_message(cls, headers: dict[str, str] | None, data: bytes,
                     delivery_attempt: int = 1) -> ReceivedEvent:
        """Parse the envelope from NATS headers; raise MalformedEvent if it is not one."""
        headers = headers or {}
        try:
            return cls(
                id=uuid.UUID(headers[H_ID]),
                type=headers[H_TYPE],
                source=headers[H_SOURCE],
                occurred_at=datetime.fromisoformat(headers[H_TIME]),
                schema_version=int(headers.get(H_SCHEMA_VERSION, "1")),
                correlation_id=headers.get(H_CORRELATION_ID),
                subject=headers.get(H_SUBJECT),
                content_type=headers.get(H_CONTENT_TYPE, ""),
                data=data,
                delivery_attempt=delivery_attempt,
            )
        except (KeyError, ValueError) as exc:
            raise MalformedEvent(f"not an event envelope: {exc!r}") from exc

    def parse(self, message_type: type[M]) -> M:
        """Decode the payload as `message_type`, checking the declared proto name."""
        declared = self.content_type.partition("proto=")[2]
        if declared and declared != message_type.DESCRIPTOR.full_name:
            raise MalformedEvent(
                f"payload is {declared}, not {message_type.DESCRIPTOR.full_name}"
            )
        message = message_type()
        message.ParseFromString(self.data)
        return message
