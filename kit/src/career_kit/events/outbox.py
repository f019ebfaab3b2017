"""Writing events: an outbox row inserted in the caller's transaction.

`await outbox.add(session, Event(...))` next to the state change; both commit or neither does.
The relay (relay.py) publishes the row later, so a NATS outage never loses an event.
"""

from __future__ import annotations

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.events.envelope import Event
from career_kit.tables import outbox

# The relay LISTENs on this channel so that it publishes right after a commit, not at its next poll.
NOTIFY_CHANNEL = "event_outbox"


class Outbox:
    """A service's event writer; `source` names the service in every envelope."""

    def __init__(self, source: str) -> None:
        self.source = source

    async def add(self, session: AsyncSession, *events: Event) -> None:
        """Stage events in the session's transaction (NOTIFY fires only at commit)."""
        if not events:
            return
        await session.execute(
            insert(outbox),
            [
                {
                    "event_id": event.id,
                    "event_type": event.type,
                    "headers": event.headers(self.source),
                    "payload": event.data.SerializeToString(deterministic=True),
                }
                for event in events
            ],
        )
        await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
