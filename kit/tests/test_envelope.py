"""The envelope round-trips through headers and rejects what is not an envelope."""

from __future__ import annotations

import pytest
from google.protobuf.struct_pb2 import Struct, Value

from career_kit import context
from career_kit.events.envelope import Event, MalformedEvent, ReceivedEvent


def test_envelope_round_trips() -> None:
    data = Struct()
    data.update({"user_id": "u-1"})
    token = context.correlation_id.set("corr-9")
    try:
        event = Event("user.registered", data, subject="u-1", schema_version=2)
        headers = event.headers(source="auth")
    finally:
        context.correlation_id.reset(token)
    received = ReceivedEvent.from_message(headers, data.SerializeToString(), delivery_attempt=3)
    assert received.id == event.id
    assert received.type == "user.registered"
    assert received.source == "auth"
    assert received.subject == "u-1"
    assert received.schema_version == 2
    assert received.correlation_id == "corr-9"
    assert received.occurred_at == event.occurred_at
    assert received.delivery_attempt == 3
    assert received.parse(Struct)["user_id"] == "u-1"


def test_payload_of_another_type_is_refused() -> None:
    data = Struct()
    headers = Event("user.registered", data).headers("auth")
    received = ReceivedEvent.from_message(headers, data.SerializeToString())
    with pytest.raises(MalformedEvent):
        received.parse(Value)


@pytest.mark.parametrize("event_type", ["registered", "User.Registered", "user.registered.v1", ""])
def test_event_types_are_domain_dot_event(event_type: str) -> None:
    with pytest.raises(ValueError):
        Event(event_type, Struct())


def test_headers_without_an_id_are_malformed() -> None:
    with pytest.raises(MalformedEvent):
        ReceivedEvent.from_message({"ce-type": "user.registered"}, b"")
