"""The outbox relay: publishes committed outbox rows to JetStream, in order, at least once.

Every replica may run one. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so replicas share the
work without publishing a row twice at the same time; a crash between publish and marking
re-publishes the row with the same `Nats-Msg-Id`, which JetStream drops inside its duplicate
window and consumers' inboxes drop after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
from nats.js import JetStreamContext
from sqlalchemy import delete, func, select, text, update

from career_kit.db import Database, sync_url
from career_kit.events.envelope import H_NATS_MSG_ID
from career_kit.events.outbox import NOTIFY_CHANNEL
from career_kit.events.streams import subject_for
from career_kit.metrics import EVENT_PUBLISH_FAILURES, EVENTS_PUBLISHED, OUTBOX_BACKLOG
from career_kit.tables import inbox, outbox

log = logging.getLogger(__name__)

_MAX_BACKOFF_SECONDS = 5.0
_PRUNE_EVERY_SECONDS = 3600.0
# Published outbox rows are kept a while for debugging; inbox rows must outlive the streams'
# max age (14 days) so a redelivery is always recognised.
_KEEP_PUBLISHED = text("interval '7 days'")
_KEEP_INBOX = text("interval '30 days'")


class OutboxRelay:
    """Moves events from a service's outbox table to NATS JetStream."""

    def __init__(
        self,
        db: Database,
        js: JetStreamContext,
        *,
        namespace: str = "",
        batch_size: int = 500,
        poll_interval: float = 1.0,
        publish_timeout: float = 5.0,
    ) -> None:
        self.db = db
        self.js = js
        self.namespace = namespace
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.publish_timeout = publish_timeout
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Publish until `stop()`; survives database and NATS outages by backing off."""
        listener = asyncio.create_task(self._listen())
        backoff = 0.0
        last_prune = 0.0
        loop = asyncio.get_running_loop()
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    published, failed = await self.publish_batch()
                    await self._update_backlog()
                    if loop.time() - last_prune > _PRUNE_EVERY_SECONDS:
                        await self.prune()
                        last_prune = loop.time()
                except Exception:  # the database is down: keep the relay alive, retry later
                    log.exception("outbox relay cycle failed")
                    published, failed = 0, True
                if failed:
                    backoff = min(_MAX_BACKOFF_SECONDS, backoff * 2 or 0.1)
                    await self._sleep(backoff)
                    continue
                backoff = 0.0
                if published < self.batch_size:
                    await self._sleep(self.poll_interval, wake_on_notify=True)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    def stop(self) -> None:
        """Ask `run()` to return after the batch in flight."""
        self._stopping.set()
        self._wake.set()

    async def publish_batch(self) -> tuple[int, bool]:
        """Publish the oldest unpublished rows; returns (how many published, whether one failed)."""
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(outbox.c.seq, outbox.c.event_id, outbox.c.event_type,
                           outbox.c.headers, outbox.c.payload)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0, False
            # Sent back to back on one connection, so the stream stores them in seq order;
            # the acks are awaited together.
            results = await asyncio.gather(
                *(
                    self.js.publish(
                        subject_for(row.event_type, self.namespace),
                        row.payload,
                        headers={**row.headers, H_NATS_MSG_ID: str(row.event_id)},
                        timeout=self.publish_timeout,
                    )
                    for row in rows
                ),
                return_exceptions=True,
            )
            done = [row.seq for row, result in zip(rows, results, strict=True)
                    if not isinstance(result, BaseException)]
            errors = [(row.seq, result) for row, result in zip(rows, results, strict=True)
                      if isinstance(result, BaseException)]
            if done:
                await session.execute(
                    update(outbox).where(outbox.c.seq.in_(done)).values(published_at=func.now())
                )
            for row in rows:
                if row.seq in done:
                    EVENTS_PUBLISHED.labels(row.event_type).inc()
            if errors:
                EVENT_PUBLISH_FAILURES.inc(len(errors))
                log.warning("outbox publish failed", extra={
                    "failed": len(errors), "published": len(done), "error": repr(errors[0][1])})
                await session.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_([seq for seq, _ in errors]))
                    .values(attempts=outbox.c.attempts + 1, last_error=repr(errors[0][1])[:1000])
                )
            return len(done), bool(errors)

    async def prune(self) -> None:
        """Delete published outbox rows and inbox rows past their retention."""
        async with self.db.transaction() as session:
            await session.execute(
                delete(outbox).where(
                    outbox.c.published_at < func.now() - _KEEP_PUBLISHED
                )
            )
            await session.execute(
                delete(inbox).where(
                    inbox.c.processed_at < func.now() - _KEEP_INBOX
                )
            )

    async def _update_backlog(self) -> None:
        async with self.db.sessions() as session:
            backlog = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
        OUTBOX_BACKLOG.set(backlog or 0)

    async def _sleep(self, seconds: float, wake_on_notify: bool = False) -> None:
        waiters = [asyncio.ensure_future(self._stopping.wait())]
        if wake_on_notify:
            waiters.append(asyncio.ensure_future(self._wake.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _listen(self) -> None:
        """Wake the relay on NOTIFY; reconnect when the connection drops (polling covers gaps)."""
        while not self._stopping.is_set():
            conn = None
            try:
                conn = await asyncpg.connect(sync_url(self.db.url))
                await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
                while not self._stopping.is_set() and not conn.is_closed():  # noqa: ASYNC110
                    # asyncpg has no "connection lost" awaitable; check it at the poll pace.
                    await asyncio.sleep(self.poll_interval)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.debug("outbox listener lost its connection", exc_info=True)
                await asyncio.sleep(self.poll_interval)
            finally:
                if conn is not None and not conn.is_closed():
                    await conn.close(timeout=2)

