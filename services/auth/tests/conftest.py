"""A real auth service for each test: a freshly migrated database, real Redis and NATS, and the
servicer from `auth.main.compose` behind the kit's gRPC server and interceptors."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from nats.aio.client import Client
from pydantic import SecretStr

from auth.config import Settings
from auth.keys import generate_private_key_pem
from auth.main import compose
from career.auth.v1 import auth_pb2, auth_pb2_grpc
from career_kit.db import Database
from career_kit.events import Subscription
from career_kit.events.connection import connect_nats
from career_kit.events.outbox import Outbox
from career_kit.grpc.client import create_channel
from career_kit.grpc.health import Readiness
from career_kit.grpc.server import start_grpc_server
from career_kit.migrations import upgrade
from career_kit.service import Resources
from career_kit.settings import PlatformSettings
from devstack.servers import free_port
from devstack.service_harness import ServiceHarness

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
SECRET = "auth-test-internal-secret"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    """One RSA key for the session: generating one per test would cost more than the test."""
    return generate_private_key_pem()


@dataclass
class AuthHarness(ServiceHarness):
    redis: aioredis.Redis
    nats: Client
    settings: Settings
    subscriptions: list[Subscription]

    async def register(self, email: str = "ada@example.com", name: str = "Ada",
                       password: str = PASSWORD) -> auth_pb2.User:
        reply = await self.call("Register", auth_pb2.RegisterRequest(
            email=email, password=password, name=name))
        return reply.user

    async def login(self, email: str = "ada@example.com", password: str = PASSWORD,
                    user_agent: str = "pytest", ip: str = "203.0.113.7") -> auth_pb2.LoginResponse:
        return await self.call("Login", auth_pb2.LoginRequest(
            email=email, password=password, user_agent=user_agent, ip=ip))


def make_settings(database_url: str, infra: Any, *, redis_key_prefix: str = "",
                  events_namespace: str = "", **overrides: Any) -> Settings:
    platform = PlatformSettings(
        redis_url=infra.redis_url, nats_url=infra.nats_url, redis_key_prefix=redis_key_prefix,
        events_namespace=events_namespace, internal_secret=SecretStr(SECRET))
    return Settings(database_url=database_url, grpc_port=free_port(), http_port=free_port(),
                    host="127.0.0.1", platform=platform, **overrides)


@pytest.fixture
def keys_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "auth-keys"


@pytest.fixture
def auth_overrides() -> dict[str, Any]:
    """Extra settings of the `auth` fixture; a test module overrides this fixture."""
    return {}


@pytest.fixture
async def auth(infra, database_url, redis_key_prefix, events_namespace, signing_key_pem,
               auth_overrides) -> AsyncIterator[AuthHarness]:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    settings = make_settings(database_url, infra, redis_key_prefix=redis_key_prefix,
                             events_namespace=events_namespace,
                             jwt_private_keys=SecretStr(signing_key_pem), **auth_overrides)
    db = Database(database_url, pool_size=4)
    redis = aioredis.from_url(infra.redis_url)
    nc = await connect_nats(infra.nats_url, "auth-tests")
    resources = Resources(settings, db, nc, nc.jetstream(), redis, Outbox("auth"))
    components = compose(resources)
    server, _ = await start_grpc_server(
        host="127.0.0.1", port=settings.grpc_port, services=components.grpc_services,
        readiness=Readiness({"database": db.ping}), internal_secret=SECRET)
    channel = create_channel(f"127.0.0.1:{settings.grpc_port}", SECRET, default_timeout=10.0)
    try:
        yield AuthHarness(auth_pb2_grpc.AuthServiceStub(channel), db, redis, nc, settings,
                          list(components.subscriptions))
    finally:
        await channel.close()
        await server.stop(None)
        with contextlib.suppress(Exception):
            await nc.close()
        await redis.aclose()
        await db.dispose()


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.com"
