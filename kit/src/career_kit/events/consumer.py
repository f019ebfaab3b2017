"""Consuming events: durable pull consumers, explicit acks, backoff, dead letters, an inbox.

Each `Subscription` gets a durable JetStream consumer named `<service>-<domain>-<event>` (e.g.
`notify-user-registered`). A delivery is handled in one database transaction that first inserts
(consumer, event id) into the inbox: a redelivered event finds its row and is acked without
running the handler again, so handlers see each event once even though NATS delivers at least
once. A handler that keeps failing is retried with backoff; after `max_deliver` attempts the
message is parked on `deadletter.<consumer>.<type>` and terminated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from career_kit import context
from career_kit.db import Database
from career_kit.events.envelope import H_NATS_MSG_ID, MalformedEvent, ReceivedEvent
from career_kit.events.streams import dead_letter_subject, stream_for, subject_for
from career_kit.metrics import EVENT_CONSUME_LAG, EVENTS_CONSUMED
from career_kit.tables import inbox

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, ReceivedEvent], Awaitable[None]]

# Headers added to a parked message, so whoever inspects the dead-letter stream knows why.
H_DL_CONSUMER = "x-dead-letter-consumer"
H_DL_REASON = "x-dead-letter-reason"
H_DL_DELIVERIES = "x-dead-letter-deliveries"


@dataclass(frozen=True)
class Subscription:
    """One event type a service reacts to, and how.

    The handler runs inside the inbox transaction: what it writes through `session` commits
    together with the inbox row. It must not commit.
    """

    event_type: str
    handler: Handler
    max_deliver: int = 5
    # Delay before redelivery after the n-th failed attempt (the last value repeats).
    backoff: Sequence[float] = (1.0, 5.0, 30.0, 120.0)
    ack_wait_seconds: float = 60.0

    def durable_name(self, service: str) -> str:
        return f"{service}-{self.event_type.replace('.', '-').replace('_', '-')}"

    def delay_after(self, attempt: int) -> float:
        return self.backoff[min(attempt, len(self.backoff)) - 1]


class EventConsumer:
    """Runs a service's subscriptions until `stop()`."""

    def __init__(
        self,
        service: str,
        db: Database,
        js: JetStreamContext,
        subscriptions: Sequence[Subscription],
        *,
        namespace: str = "",
        batch_size: int = 100,
    ) -> None:
        self.service = service
        self.db = db
        self.js = js
        self.subscriptions = list(subscriptions)
        self.namespace = namespace
        self.batch_size = batch_size
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Consume every subscription concurrently until stopped."""
        if not self.subscriptions:
            return
        await asyncio.gather(*(self._run_one(sub) for sub in self.subscriptions))

    def stop(self) -> None:
        """Finish the message in hand, then return from `run()`. Unacked messages redeliver."""
        self._stopping.set()

    async def _run_one(self, sub: Subscription) -> None:
        durable = sub.durable_name(self.service)
        domain = sub.event_type.split(".", 1)[0]
        pull = await self.js.pull_subscribe(
            subject_for(sub.event_type, self.namespace),
            durable=durable,
            stream=stream_for(domain, self.namespace),
            config=ConsumerConfig(
                durable_name=durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=sub.ack_wait_seconds,
                # The limit is enforced here (see _handle) so that a message is parked on the
                # dead-letter subject before the server would give up on it silently.
                max_deliver=-1,
                max_ack_pending=self.batch_size * 10,
            ),
        )
        log.info("consumer started", extra={"consumer": durable})
        try:
            while not self._stopping.is_set():
                try:
                    messages = await self._fetch(pull)
                except (FetchTimeoutError, TimeoutError):
                    continue
                except Exception:
                    # NATS is unreachable: the client reconnects by itself; wait and fetch again.
                    log.warning("fetch failed", extra={"consumer": durable}, exc_info=True)
                    await asyncio.sleep(1.0)
                    continue
                for msg in messages:
                    if self._stopping.is_set():
                        break  # not acked: redelivered after ack_wait to this or another replica
                    await self._handle(sub, durable, msg)
        finally:
            with contextlib.suppress(Exception):
                await pull.unsubscribe()

    async def _fetch(self, pull: JetStreamContext.PullSubscription) -> list[Msg]:
        """The next batch; [] as soon as `stop()` is called, so that a drain does not wait out
        the fetch timeout (messages a cancelled fetch had received are not acked: they are
        redelivered, as after any stop)."""
        fetch = asyncio.ensure_future(pull.fetch(self.batch_size, timeout=1.0))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(BaseException):
                await fetch
            return []
        return fetch.result()

    async def _handle(self, sub: Subscription, durable: str, msg: Msg) -> None:
        attempt = msg.metadata.num_delivered or 1
        try:
            event = ReceivedEvent.from_message(msg.headers, msg.data, attempt)
        except MalformedEvent as exc:
            await self._dead_letter(durable, msg, None, f"malformed envelope: {exc}")
            return
        token = context.correlation_id.set(event.correlation_id)
        try:
            if attempt > sub.max_deliver:
                # Delivered again after we last failed it (e.g. the process died mid-handler).
                await self._dead_letter(durable, msg, event, "max deliveries exceeded")
                return
            try:
                processed = await self._process(sub, durable, event)
            except Exception as exc:
                if attempt >= sub.max_deliver:
                    log.error("event handler failed for the last time; dead-lettering",
                              extra={"consumer": durable, "event_id": str(event.id),
                                     "attempt": attempt}, exc_info=True)
                    await self._dead_letter(durable, msg, event, repr(exc)[:1000])
                else:
                    delay = sub.delay_after(attempt)
                    log.warning("event handler failed; will retry",
                                extra={"consumer": durable, "event_id": str(event.id),
                                       "attempt": attempt, "retry_in": delay}, exc_info=True)
                    EVENTS_CONSUMED.labels(durable, event.type, "retried").inc()
                    await msg.nak(delay=delay)
                return
            await msg.ack()
            outcome = "processed" if processed else "duplicate"
            EVENTS_CONSUMED.labels(durable, event.type, outcome).inc()
            if processed:
                lag = (datetime.now(UTC) - event.occurred_at).total_seconds()
                EVENT_CONSUME_LAG.labels(durable).observe(max(lag, 0.0))
        finally:
            context.correlation_id.reset(token)

    async def _process(self, sub: Subscription, durable: str, event: ReceivedEvent) -> bool:
        """Run the handler once per (consumer, event); False when the inbox already had it."""
        async with self.db.transaction() as session:
            first_time = await session.scalar(
                insert(inbox)
                .values(consumer=durable, event_id=event.id, event_type=event.type)
                .on_conflict_do_nothing()
                .returning(inbox.c.event_id)
            )
            if first_time is None:
                return False
            await sub.handler(session, event)
            return True

    async def _dead_letter(self, durable: str, msg: Msg, event: ReceivedEvent | None,
                           reason: str) -> None:
        """Park the message for people to inspect; only then stop its redelivery."""
        event_type = event.type if event else "malformed"
        headers = dict(msg.headers or {})
        headers.update({
            H_DL_CONSUMER: durable,
            H_DL_REASON: reason,
            H_DL_DELIVERIES: str(msg.metadata.num_delivered or 1),
            # One parked copy per (message, consumer), however often this runs.
            H_NATS_MSG_ID: f"{msg.metadata.stream}:{msg.metadata.sequence.stream}:{durable}",
        })
        try:
            await self.js.publish(
                dead_letter_subject(durable, event_type, self.namespace), msg.data,
                headers=headers, timeout=5.0,
            )
        except Exception:
            log.exception("could not park message; it will be redelivered",
                          extra={"consumer": durable})
            await msg.nak(delay=5.0)
            return
        await msg.term()
        EVENTS_CONSUMED.labels(durable, event_type, "dead_lettered").inc()
