"""The inbox makes redelivery harmless; malformed messages go straight to the dead letters."""

from __future__ import annotations

import asyncio
import uuid

from google.protobuf.struct_pb2 import Struct
from sqlalchemy import func, select, text

from career_kit.db import Database
from career_kit.events import Event, EventConsumer, ReceivedEvent, Subscription
from career_kit.events.connection import connect_nats
from career_kit.events.consumer import H_DL_REASON
from career_kit.events.envelope import H_NATS_MSG_ID
from career_kit.events.streams import ensure_dead_letter_stream, ensure_stream, subject_for
from career_kit.tables import inbox
from career_kit.tables import metadata as platform_metadata


async def test_a_redelivered_event_is_handled_once(infra, database_url, events_namespace):
    db = Database(database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
    nc = await connect_nats(infra.nats_url, "test-inbox")
    js = nc.jetstream()
    await ensure_stream(js, "test", events_namespace)
    await ensure_dead_letter_stream(js, events_namespace)
    handled: list[uuid.UUID] = []

    async def handler(session, event: ReceivedEvent) -> None:
        handled.append(event.id)

    consumer = EventConsumer("svc", db, js, [Subscription("test.happened", handler)],
                             namespace=events_namespace)
    task = asyncio.create_task(consumer.run())
    try:
        event = Event("test.happened", Struct())
        headers = event.headers("producer")
        subject = subject_for("test.happened", events_namespace)
        # The same event twice, as after a relay crash past JetStream's duplicate window.
        await js.publish(subject, b"", headers={**headers, H_NATS_MSG_ID: "first"})
        await js.publish(subject, b"", headers={**headers, H_NATS_MSG_ID: "second"})
        # And a message that is no envelope at all.
        dead = await js.subscribe(subject_for("deadletter.>", events_namespace))
        await js.publish(subject, b"garbage", headers={H_NATS_MSG_ID: "garbage"})
        parked = await dead.next_msg(timeout=10)
        assert parked.data == b"garbage"
        assert "malformed" in parked.headers[H_DL_REASON]
        for _ in range(100):
            async with db.sessions() as session:
                rows = await session.scalar(select(func.count()).select_from(inbox))
            if rows == 1 and len(handled) == 1:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # time for the duplicate to be (not) handled
        assert handled == [event.id]
        async with db.sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM event_inbox")) == 1
    finally:
        consumer.stop()
        await asyncio.wait_for(task, 10)
        await nc.close()
        await db.dispose()
