"""Connecting to NATS the same way everywhere: reconnect forever, log state changes."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client

log = logging.getLogger(__name__)


async def connect_nats(url: str, name: str, *, attempts: int = 60) -> Client:
    """Connect, retrying the first connection for about a minute; later drops reconnect forever."""

    async def on_disconnect() -> None:
        log.warning("nats disconnected")

    async def on_reconnect() -> None:
        log.info("nats reconnected")

    async def on_error(exc: Exception) -> None:
        log.debug("nats client error: %r", exc)

    for attempt in range(1, attempts + 1):
        try:
            return await nats.connect(
                url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                connect_timeout=2, disconnected_cb=on_disconnect, reconnected_cb=on_reconnect,
                error_cb=on_error,
                # Publishes made while disconnected wait here and go out on reconnect.
                pending_size=8 * 1024 * 1024,
            )
        except Exception:
            if attempt == attempts:
                raise
            log.warning("nats not reachable yet", extra={"attempt": attempt, "url": url})
            await asyncio.sleep(1.0)
    raise AssertionError("unreachable")
