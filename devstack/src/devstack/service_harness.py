"""A service under test, started the way production starts it.

`running_service` builds the service with the kit's runtime (`ServiceRuntime.build`: settings
→ resources → `compose`), starts every server and loop it has (gRPC, ops HTTP, outbox relay,
consumers, background jobs) and hands the test a `ServiceHarness`: call its RPCs as the
gateway would for a user, read its tables, read what it published, publish what other
services would. The pytest fixture `start_service` (devstack.pytest_plugin) gives each test
its own migrated database, events namespace and Redis prefix; a service's conftest only says
which service and which settings:

    @pytest.fixture
    async def cv(start_service):
        return await start_service(compose, Settings, CvServiceStub, harness=CvHarness)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
import pytest
import redis.asyncio as aioredis
from google.protobuf.message import Message
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import SecretStr
from sqlalchemy import text

from career_kit import context
from career_kit.db import Database
from career_kit.events import Event, Subscription
from career_kit.events.envelope import H_NATS_MSG_ID
from career_kit.events.streams import stream_for, subject_for
from career_kit.grpc.client import create_channel
from career_kit.service import BuiltService, Compose, ServiceRuntime
from career_kit.settings import PlatformSettings, ServiceSettings
from devstack.servers import free_port

M = TypeVar("M")
H = TypeVar("H", bound="ServiceHarness")
S = TypeVar("S", bound=ServiceSettings)

INTERNAL_SECRET = "service-tests-internal-secret"


def service_settings(settings_type: type[S], *, database_url: str, nats_url: str,
                     redis_url: str, events_namespace: str = "", redis_key_prefix: str = "",
                     **overrides: Any) -> S:
    """Settings of a service under test: its database, the session's servers, this test's
    namespace and prefix, free ports on the loopback, and `overrides`."""
    platform = PlatformSettings(
        nats_url=nats_url, redis_url=redis_url, events_namespace=events_namespace,
        redis_key_prefix=redis_key_prefix, internal_secret=SecretStr(INTERNAL_SECRET))
    values: dict[str, Any] = {"grpc_port": free_port(), "http_port": free_port(),
                              "host": "127.0.0.1", "shutdown_grace_seconds": 5.0,
                              "db_pool_size": 4, **overrides}
    return settings_type(database_url=database_url, platform=platform, **values)


@dataclass
class ServiceHarness:
    """One running service and a gRPC stub to it (module docstring)."""

    stub: Any
    service: BuiltService

    @property
    def settings(self) -> Any:
        return self.service.settings

    @property
    def db(self) -> Database:
        return self.service.db

    @property
    def redis(self) -> aioredis.Redis:
        return self.service.resources.redis

    @property
    def nats(self) -> Client:
        return self.service.resources.nats

    @property
    def js(self) -> JetStreamContext:
        return self.service.resources.js

    @property
    def namespace(self) -> str:
        return self.settings.platform.events_namespace

    @property
    def domain(self) -> Any:
        """The domain object compose() built (`Components.domain`)."""
        return self.service.components.domain

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self.service.components.subscriptions)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"

    async def call(self, method: str, request: Any, *, as_user: str | None = None,
                   roles: tuple[str, ...] = ()) -> Any:
        """Call an RPC, as the gateway would for `as_user` (or anonymously / as a service)."""
        caller = context.Caller(as_user, roles=roles) if as_user else None
        token = context.caller.set(caller)
        try:
            return await getattr(self.stub, method)(request)
        finally:
            context.caller.reset(token)

    async def error(self, method: str, request: Any, *, as_user: str | None = None,
                    roles: tuple[str, ...] = ()) -> grpc.aio.AioRpcError:
        """The status an RPC fails with (fails the test if it succeeds)."""
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await self.call(method, request, as_user=as_user, roles=roles)
        return caught.value

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.db.transaction() as session:
            result = await session.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []

    async def published(self, event_type: str, message_type: type[M]) -> list[M]:
        """Payloads of the outbox's `event_type` events, oldest first."""
        rows = await self.rows("SELECT payload FROM event_outbox WHERE event_type = :type "
                               "ORDER BY seq", type=event_type)
        return [message_type.FromString(payload) for (payload,) in rows]

    async def publish(self, event_type: str, data: Message, *, source: str,
                      **kwargs: Any) -> Event:
        """Publish an event as `source`'s outbox relay does (envelope headers, Nats-Msg-Id =
        event id), for this service's consumers."""
        event = Event(event_type, data, **kwargs)
        await self.republish(event, source=source)
        return event

    async def republish(self, event: Event, *, source: str, dedupe: bool = True) -> int:
        """Publish `event` (again); without `dedupe` JetStream keeps the copy, as after its
        duplicate window. Returns the stream sequence."""
        headers = event.headers(source)
        if dedupe:
            headers[H_NATS_MSG_ID] = str(event.id)
        ack = await self.js.publish(subject_for(event.type, self.namespace),
                                    event.data.SerializeToString(), headers=headers)
        return ack.seq

    async def acked_up_to(self, event_type: str, seq: int) -> bool:
        """Whether this service's consumer of `event_type` has acked everything up to `seq`
        (False while the consumer does not exist yet)."""
        [subscription] = [s for s in self.subscriptions if s.event_type == event_type]
        try:
            info = await self.js.consumer_info(
                stream_for(event_type.split(".", 1)[0], self.namespace),
                subscription.durable_name(self.service.name))
        except NotFoundError:  # not created yet: the consumer loop subscribes after start()
            return False
        return info.ack_floor.stream_seq >= seq


@asynccontextmanager
async def running_service(settings: S, compose: Compose[S], stub_type: Callable[[Any], Any],
                          *, harness: type[H] = ServiceHarness  # type: ignore[assignment]
                          ) -> AsyncIterator[H]:
    """The service built and started from `settings` and `compose`, stopped (drained) after."""
    built = await ServiceRuntime(settings, compose).build()
    async with built:
        channel = create_channel(f"127.0.0.1:{settings.grpc_port}",
                                 settings.platform.internal_secret.get_secret_value(),
                                 default_timeout=15.0)
        try:
            yield harness(stub_type(channel), built)
        finally:
            await channel.close()


async def eventually(check: Callable[[], Any], within: float = 15.0) -> Any:
    """Poll `check` (sync or async) until it returns something truthy; fail after `within`
    seconds. For state that another process or loop changes with no event to await."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.05)
