"""What the auth service publishes (domain `user`, stream USER)."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from auth.models import User
from career.auth.v1 import events_pb2
from career_kit.events import Event

USER_REGISTERED = "user.registered"

PUBLISHED_DOMAINS = ("user",)


def user_registered(user: User) -> Event:
    """user.registered: who signed up. Never a secret: a verification token is fetched from auth,
    not read from the stream."""
    registered_at = Timestamp()
    registered_at.FromDatetime(user.created_at)
    payload = events_pb2.UserRegistered(
        user_id=str(user.id), email=user.email, name=user.name,
        language=(user.preferences or {}).get("language", "en"), registered_at=registered_at)
    return Event(USER_REGISTERED, payload, subject=str(user.id))
