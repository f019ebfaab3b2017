"""Real infrastructure for notify's tests: a migrated fresh database, NATS, the fake e-mail
providers and SMTP catcher from devstack, and the kit's consumer running compose()'s
subscriptions."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from google.protobuf.message import Message
from nats.js import JetStreamContext
from pydantic import SecretStr
from sqlalchemy import text

from career_kit.db import Database
from career_kit.events import Event, EventConsumer, Outbox
from career_kit.events.connection import connect_nats
from career_kit.events.envelope import H_NATS_MSG_ID
from career_kit.events.streams import (
    ensure_dead_letter_stream,
    ensure_stream,
    stream_for,
    subject_for,
)
from career_kit.migrations import upgrade
from career_kit.service import Resources
from career_kit.settings import PlatformSettings
from devstack.fakes.email import FakeEmailProviders, SmtpCatcher
from devstack.servers import free_port
from notify.config import Settings
from notify.main import compose

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
APP_URL = "https://app.example.com"


@pytest.fixture
def providers() -> Iterator[FakeEmailProviders]:
    with FakeEmailProviders() as running:
        yield running


@pytest.fixture
def catcher() -> Iterator[SmtpCatcher]:
    with SmtpCatcher() as running:
        yield running


@pytest.fixture
async def db(database_url) -> AsyncIterator[Database]:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    database = Database(database_url, pool_size=4)
    yield database
    await database.dispose()


@pytest.fixture
def app_url() -> str:
    return APP_URL


@pytest.fixture
def make_settings(database_url, infra, events_namespace) -> Callable[..., Settings]:
    """Settings for this test's database and namespace, plus `overrides`."""
    return lambda **overrides: _settings(database_url, infra, events_namespace, **overrides)


def _settings(database_url: str, infra: Any, events_namespace: str,
              **overrides: Any) -> Settings:
    platform = PlatformSettings(nats_url=infra.nats_url, redis_url=infra.redis_url,
                                events_namespace=events_namespace,
                                internal_secret=SecretStr("notify-tests"))
    values = {"email_retry_backoff_seconds": [0.2], "app_base_url": APP_URL,
              "email_from": "Career Tools <no-reply@example.com>", **overrides}
    return Settings(database_url=database_url, grpc_port=free_port(), http_port=free_port(),
                    host="127.0.0.1", platform=platform, **values)


@pytest.fixture
def eventually() -> Callable[..., Any]:
    """`await eventually(check)`: poll until `check()` (sync or async) is truthy."""
    return _eventually


async def _eventually(check: Callable[[], Any], within: float = 15.0) -> Any:
    """Poll `check` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@dataclass
class NotifyHarness:
    db: Database
    js: JetStreamContext
    namespace: str

    async def publish(self, event_type: str, data: Message, *, source: str = "auth",
                      **kwargs: Any) -> Event:
        """Publish like `source`'s outbox relay does: envelope headers, Nats-Msg-Id = event id."""
        event = Event(event_type, data, **kwargs)
        await self.republish(event, source=source)
        return event

    async def republish(self, event: Event, *, dedupe: bool = True,
                        source: str = "auth") -> int:
        """Publish `event` (again); returns its stream sequence."""
        headers = event.headers(source)
        if dedupe:
            headers[H_NATS_MSG_ID] = str(event.id)
        ack = await self.js.publish(subject_for(event.type, self.namespace),
                                    event.data.SerializeToString(), headers=headers)
        return ack.seq

    async def acked_up_to(self, event_type: str, seq: int) -> bool:
        """Whether notify's consumer of `event_type` has acked everything up to `seq`."""
        durable = "notify-" + event_type.replace(".", "-").replace("_", "-")
        info = await self.js.consumer_info(stream_for(event_type.split(".", 1)[0], self.namespace),
                                           durable)
        return info.ack_floor.stream_seq >= seq

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.db.transaction() as session:
            result = await session.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []


@pytest.fixture
def notify_settings(make_settings, providers) -> Settings:
    """Resend (the fake) unless a test overrides it."""
    return make_settings(email_provider="resend",
                         resend_api_key=providers.resend_key, resend_base_url=providers.url)


@pytest.fixture
async def notify(db, infra, notify_settings) -> AsyncIterator[NotifyHarness]:
    """compose()'s subscriptions consumed by the kit's EventConsumer, as `serve` runs them."""
    nc = await connect_nats(infra.nats_url, "notify-tests")
    js = nc.jetstream()
    redis = aioredis.from_url(infra.redis_url)
    namespace = notify_settings.platform.events_namespace
    components = compose(Resources(notify_settings, db, nc, js, redis, Outbox("notify")))
    await ensure_dead_letter_stream(js, namespace)
    # As the runtime does at start-up: the stream of every domain notify subscribes to.
    for domain in {s.event_type.split(".", 1)[0] for s in components.subscriptions}:
        await ensure_stream(js, domain, namespace)
    consumer = EventConsumer("notify", db, js, components.subscriptions, namespace=namespace)
    task = asyncio.create_task(consumer.run())
    try:
        yield NotifyHarness(db, js, namespace)
    finally:
        consumer.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        await redis.aclose()
        with contextlib.suppress(Exception):
            await nc.close()
