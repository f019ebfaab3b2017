"""A consumer process for the event-delivery tests: records every event it handles.

Uses the kit's EventConsumer exactly as a service does. Its table has no unique constraint on
event_id on purpose: only the inbox stands between a redelivery and a second row.
Events whose payload has `poison: true` make the handler fail, to exercise dead-lettering.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from google.protobuf.struct_pb2 import Struct
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.db import Database
from career_kit.events import EventConsumer, ReceivedEvent, Subscription
from career_kit.events.connection import connect_nats
from career_kit.events.streams import ensure_dead_letter_stream, ensure_stream
from career_kit.logs import configure_logging
from career_kit.tables import metadata as platform_metadata

RECEIVED_DDL = """
CREATE TABLE IF NOT EXISTS received_events (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    n integer NOT NULL,
    correlation_id text
)
"""


async def record(session: AsyncSession, event: ReceivedEvent) -> None:
    data = event.parse(Struct)
    if data["poison"]:
        raise ValueError("this event can never be handled")
    await session.execute(
        text("INSERT INTO received_events (event_id, n, correlation_id) VALUES (:id, :n, :c)"),
        {"id": event.id, "n": int(data["n"]), "c": event.correlation_id},
    )


async def main(args: argparse.Namespace) -> None:
    configure_logging("recording-consumer", "WARNING")
    db = Database(args.db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
        await conn.execute(text(RECEIVED_DDL))
    nc = await connect_nats(args.nats_url, "recording-consumer")
    js = nc.jetstream()
    await ensure_stream(js, "test", args.namespace)
    await ensure_dead_letter_stream(js, args.namespace)
    consumer = EventConsumer(
        "recorder", db, js,
        [Subscription("test.happened", record, max_deliver=args.max_deliver,
                      backoff=(args.backoff,), ack_wait_seconds=5)],
        namespace=args.namespace, batch_size=50,
    )
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, consumer.stop)
    print("ready", flush=True)
    await consumer.run()
    await nc.drain()
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--max-deliver", type=int, default=3)
    parser.add_argument("--backoff", type=float, default=0.2)
    asyncio.run(main(parser.parse_args()))
