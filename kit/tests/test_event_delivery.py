"""The event machinery end to end, with real PostgreSQL, NATS and a consumer in another process.

Producer side (this process): a state change and its event commit in one transaction through
the outbox; the real OutboxRelay publishes. Consumer side: programs/recording_consumer.py, a
separate process using EventConsumer, writing one row per handled event.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from google.protobuf.struct_pb2 import Struct
from sqlalchemy import func, select, text

from career_kit import context
from career_kit.db import Database
from career_kit.events import Event, Outbox, OutboxRelay
from career_kit.events.connection import connect_nats
from career_kit.events.consumer import H_DL_CONSUMER, H_DL_DELIVERIES
from career_kit.events.envelope import H_ID
from career_kit.events.streams import ensure_stream, subject_for
from career_kit.tables import metadata as platform_metadata
from career_kit.tables import outbox as outbox_table
from devstack.servers import NatsServer

CONSUMER = Path(__file__).parent / "programs" / "recording_consumer.py"


class ConsumerProcess:
    """The recording consumer as a child process."""

    def __init__(self, db_url: str, nats_url: str, namespace: str) -> None:
        self.args = [sys.executable, str(CONSUMER), "--db-url", db_url, "--nats-url", nats_url,
                     "--namespace", namespace]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
async def producer_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
        await conn.execute(text("CREATE TABLE things (id bigserial PRIMARY KEY, n integer)"))
    yield db
    await db.dispose()


@pytest.fixture
def consumer_db_url(infra) -> Iterator[str]:
    url = infra.create_database()
    yield url
    infra.drop_database(url)


@pytest.fixture
async def consumer_db(consumer_db_url: str) -> AsyncIterator[Database]:
    db = Database(consumer_db_url)
    yield db
    await db.dispose()


async def commit_things(db: Database, outbox: Outbox, numbers: range, *,
                        poison: bool = False) -> None:
    """The state change and its events, in one transaction."""
    async with db.transaction() as session:
        for n in numbers:
            await session.execute(text("INSERT INTO things (n) VALUES (:n)"), {"n": n})
            data = Struct()
            data.update({"n": n, "poison": poison})
            await outbox.add(session, Event("test.happened", data, subject=str(n)))


async def received(db: Database) -> tuple[int, int]:
    """(rows, distinct event ids) in the consumer's table; (0, 0) before it exists."""
    async with db.sessions() as session:
        exists = await session.scalar(text("SELECT to_regclass('received_events') IS NOT NULL"))
        if not exists:
            return 0, 0
        row = (await session.execute(
            text("SELECT count(*), count(DISTINCT event_id) FROM received_events"))).one()
        return row[0], row[1]


async def wait_for(predicate, within: float = 60.0, interval: float = 0.1) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s")


async def unpublished(db: Database) -> int:
    async with db.sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(outbox_table)
            .where(outbox_table.c.published_at.is_(None)))


async def start_relay(db: Database, nats_url: str, namespace: str):
    nc = await connect_nats(nats_url, "test-relay")
    js = nc.jetstream()
    await ensure_stream(js, "test", namespace)
    relay = OutboxRelay(db, js, namespace=namespace, poll_interval=0.2, publish_timeout=1.0)
    task = asyncio.create_task(relay.run())
    return nc, relay, task


async def stop_relay(nc, relay, task) -> None:
    relay.stop()
    await asyncio.wait_for(task, 10)
    await nc.close()


async def test_committed_event_reaches_a_consumer_in_another_process(
        infra, producer_db, consumer_db, consumer_db_url, events_namespace):
    consumer = ConsumerProcess(consumer_db_url, infra.nats_url, events_namespace)
    consumer.start()
    relay = await start_relay(producer_db, infra.nats_url, events_namespace)
    try:
        token = context.correlation_id.set("corr-committed-1")
        try:
            await commit_things(producer_db, Outbox("producer"), range(1))
        finally:
            context.correlation_id.reset(token)

        async def arrived() -> bool:
            return (await received(consumer_db))[0] == 1
        await wait_for(arrived, within=20)
        async with consumer_db.sessions() as session:
            row = (await session.execute(
                text("SELECT n, correlation_id FROM received_events"))).one()
        assert row.n == 0
        assert row.correlation_id == "corr-committed-1"  # travelled in the envelope
        assert await unpublished(producer_db) == 0
    finally:
        await stop_relay(*relay)
        consumer.stop()


async def test_rolled_back_change_publishes_nothing(producer_db, events_namespace):
    outbox = Outbox("producer")
    with pytest.raises(RuntimeError):
        async with producer_db.transaction() as session:
            data = Struct()
            data.update({"n": 1})
            await outbox.add(session, Event("test.happened", data))
            raise RuntimeError("the state change failed")
    async with producer_db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(outbox_table)) == 0


async def test_sigkill_during_a_burst_loses_nothing_and_repeats_nothing(
        infra, producer_db, consumer_db, consumer_db_url, events_namespace):
    total = 1000
    consumer = ConsumerProcess(consumer_db_url, infra.nats_url, events_namespace)
    consumer.start()
    relay = await start_relay(producer_db, infra.nats_url, events_namespace)
    try:
        outbox = Outbox("producer")
        for start in range(0, total, 100):
            await commit_things(producer_db, outbox, range(start, start + 100))

        async def some_processed() -> bool:
            return (await received(consumer_db))[0] >= 150
        await wait_for(some_processed, within=30, interval=0.01)
        consumer.kill()  # SIGKILL: no drain, no acks for what is in hand
        killed_at = (await received(consumer_db))[0]
        assert killed_at < total, "the burst finished before the kill; the test proves nothing"

        consumer.start()

        async def all_processed() -> bool:
            return (await received(consumer_db))[0] >= total
        await wait_for(all_processed, within=90)
        await asyncio.sleep(1.0)  # let any straggling redelivery land before counting
        rows, distinct = await received(consumer_db)
        assert (rows, distinct) == (total, total)
    finally:
        await stop_relay(*relay)
        consumer.stop()


async def test_nats_outage_delays_events_but_delivers_every_one(
        tmp_path, producer_db, consumer_db, consumer_db_url, events_namespace):
    nats = NatsServer(tmp_path / "nats")
    nats.start()
    consumer = ConsumerProcess(consumer_db_url, nats.url, events_namespace)
    consumer.start()
    relay = await start_relay(producer_db, nats.url, events_namespace)
    try:
        outbox = Outbox("producer")
        await commit_things(producer_db, outbox, range(0, 10))

        async def first_batch() -> bool:
            return (await received(consumer_db))[0] == 10
        await wait_for(first_batch, within=20)

        nats.stop()
        await commit_things(producer_db, outbox, range(10, 60))
        await asyncio.sleep(2.0)
        assert await unpublished(producer_db) == 50  # committed, safe in the outbox
        assert (await received(consumer_db))[0] == 10

        nats.start()  # same port, same JetStream store

        async def everything() -> bool:
            return (await received(consumer_db))[0] >= 60 and await unpublished(producer_db) == 0
        await wait_for(everything, within=60)
        await asyncio.sleep(1.0)
        assert await received(consumer_db) == (60, 60)
    finally:
        await stop_relay(*relay)
        consumer.stop()
        nats.stop()


async def test_poison_message_is_parked_on_the_dead_letter_subject(
        infra, producer_db, consumer_db, consumer_db_url, events_namespace):
    nc = await connect_nats(infra.nats_url, "test-dead-letter-reader")
    js = nc.jetstream()
    consumer = ConsumerProcess(consumer_db_url, infra.nats_url, events_namespace)
    consumer.start()
    relay = await start_relay(producer_db, infra.nats_url, events_namespace)
    try:
        outbox = Outbox("producer")
        await commit_things(producer_db, outbox, range(0, 1), poison=True)
        await commit_things(producer_db, outbox, range(1, 3))
        sub = await js.subscribe(subject_for("deadletter.>", events_namespace))
        parked = await sub.next_msg(timeout=30)
        assert parked.subject == subject_for("deadletter.recorder-test-happened.test.happened",
                                             events_namespace)
        assert parked.headers[H_DL_CONSUMER] == "recorder-test-happened"
        assert parked.headers[H_DL_DELIVERIES] == "3"  # the consumer's max_deliver
        async with producer_db.sessions() as session:
            poison_id = await session.scalar(
                select(outbox_table.c.event_id).order_by(outbox_table.c.seq).limit(1))
        assert parked.headers[H_ID] == str(poison_id)

        async def healthy_ones() -> bool:
            return (await received(consumer_db))[0] == 2
        await wait_for(healthy_ones, within=20)  # the poison does not block the others
        await sub.unsubscribe()
    finally:
        await stop_relay(*relay)
        consumer.stop()
        await nc.close()

