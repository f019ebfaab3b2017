"""Stream and subject names, and the streams' declarations.

One stream per publishing domain (`USER` holds `user.>`), one `DEADLETTER` stream for parked
messages. An optional namespace prefixes both, so test runs can share a NATS server.
"""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

log = logging.getLogger(__name__)

DEAD_LETTER = "deadletter"
# Events stay long enough for a consumer that was down for days to catch up.
_MAX_AGE_SECONDS = 14 * 24 * 3600
# The window in which JetStream drops a message whose Nats-Msg-Id it has already stored.
DUPLICATE_WINDOW_SECONDS = 300


def subject_for(event_type: str, namespace: str = "") -> str:
    """NATS subject of an event type: 'user.registered' (or 'ns.user.registered')."""
    return f"{namespace}.{event_type}" if namespace else event_type


def stream_for(domain: str, namespace: str = "") -> str:
    """Stream holding a domain's events: 'USER' (or 'NS_USER')."""
    name = domain.upper()
    return f"{namespace.upper()}_{name}" if namespace else name


def dead_letter_subject(consumer: str, event_type: str, namespace: str = "") -> str:
    """Where a consumer parks a message it gave up on: 'deadletter.<consumer>.<type>'."""
    return subject_for(f"{DEAD_LETTER}.{consumer}.{event_type}", namespace)


def _config(domain: str, namespace: str) -> StreamConfig:
    return StreamConfig(
        name=stream_for(domain, namespace),
        subjects=[subject_for(f"{domain}.>", namespace)],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=_MAX_AGE_SECONDS,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


async def ensure_stream(js: JetStreamContext, domain: str, namespace: str = "") -> None:
    """Declare a domain's stream: create it, or bring an existing one to this configuration."""
    config = _config(domain, namespace)
    try:
        await js.add_stream(config)
    except BadRequestError:
        # Exists with another configuration (e.g. an older max_age): converge to ours.
        await js.update_stream(config)


async def ensure_dead_letter_stream(js: JetStreamContext, namespace: str = "") -> None:
    """Declare the stream that keeps parked messages for inspection and replay."""
    await ensure_stream(js, DEAD_LETTER, namespace)
