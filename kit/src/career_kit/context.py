"""Per-request context that travels with a call: correlation id, caller identity, deadline.

The gateway sets it from the HTTP request, gRPC metadata carries it to services, the event
envelope carries it to consumers; log records read it from here.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from career_kit.errors import InvalidArgument, Unauthenticated

# gRPC metadata keys (lower case, as gRPC requires).
CORRELATION_ID_KEY = "x-correlation-id"
CALLER_USER_ID_KEY = "x-caller-user-id"
CALLER_TIER_KEY = "x-caller-tier"
CALLER_ROLES_KEY = "x-caller-roles"
INTERNAL_TOKEN_KEY = "x-internal-token"


@dataclass(frozen=True)
class Caller:
    """Who is calling, as established by the gateway from a verified access token."""

    user_id: str
    tier: str = "free"
    roles: tuple[str, ...] = field(default_factory=tuple)


correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
caller: ContextVar[Caller | None] = ContextVar("caller", default=None)
# Absolute deadline (time.monotonic()) of the call being served, if the caller set one.
deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


# What a correlation id may look like when it comes from outside (a header, metadata): it ends
# up in every log line, so arbitrary text is replaced rather than trusted.
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


def valid_correlation_id(value: str | None) -> bool:
    """True if `value` is acceptable as a correlation id from a caller."""
    return value is not None and _CORRELATION_ID.fullmatch(value) is not None


def new_correlation_id() -> str:
    """A fresh correlation id (hex uuid4)."""
    return uuid.uuid4().hex


def current_correlation_id() -> str:
    """The current correlation id, creating and storing one if none is set."""
    value = correlation_id.get()
    if value is None:
        value = new_correlation_id()
        correlation_id.set(value)
    return value


def time_remaining() -> float | None:
    """Seconds left before the current call's deadline, or None without a deadline."""
    value = deadline.get()
    return None if value is None else max(0.0, value - time.monotonic())


@contextmanager
def acting_for(user_id: str | None) -> Iterator[None]:
    """Calls to other services made inside carry `user_id` as the caller (None: the service
    itself). For a service that acts on a user's own resource for someone else — the cv
    service reading a CV owner's photo for a collaborator — since services check ownership
    against the caller."""
    token = caller.set(Caller(user_id) if user_id else None)
    try:
        yield
    finally:
        caller.reset(token)


def caller_id() -> str | None:
    """The id of the signed-in user this call is made for, or None (anonymous, or a service
    calling for itself)."""
    who = caller.get()
    return who.user_id if who else None


def signed_in_user(user_id: str | None) -> uuid.UUID:
    """The caller's user id as a UUID; UNAUTHENTICATED when there is none and also when it is
    malformed. The one rule for every service: the gateway sets the id from a verified token,
    so an id that is not a UUID means the caller is not one of our users, never that the
    client sent a bad argument."""
    if not user_id:
        raise Unauthenticated("sign in first")
    try:
        return uuid.UUID(user_id)
    except ValueError:
        raise Unauthenticated("the caller's identity is not a user id") from None


def id_argument(value: str, what: str) -> uuid.UUID:
    """An id the caller names in a request (a session, a user, a CV) as a UUID;
    INVALID_ARGUMENT when it is not one. The caller's own id is `signed_in_user`'s."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise InvalidArgument(f"{what} is not a valid id") from None
