"""pytest fixtures for tests against real infrastructure (loaded with `-p devstack.pytest_plugin`).

PostgreSQL, NATS and Redis come from TEST_POSTGRES_URL / TEST_NATS_URL / TEST_REDIS_URL when set,
otherwise real servers are started from pip packages on free ports for the session. Nothing is
ever skipped for a missing server: one that cannot be started fails the tests, in CI and out.
Each test gets its own databases, events namespace and Redis key prefix, so runs can share servers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from career_kit.db import sync_url
from devstack.servers import NatsServer, PostgresServer, RedisServer


@dataclass
class Infra:
    """URLs of the session's servers, and the servers themselves when we started them."""

    postgres_url: str  # admin URL (database `postgres`), asyncpg dialect
    nats_url: str
    redis_url: str
    servers: list = field(default_factory=list)
    nats: NatsServer | None = None

    def database_url(self, name: str) -> str:
        base, _, _ = self.postgres_url.rpartition("/")
        return f"{base}/{name}"

    def create_database(self, prefix: str = "t") -> str:
        """Create an empty database with a unique name; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(self.postgres_url, f'CREATE DATABASE "{name}"'))
        return self.database_url(name)

    def drop_database(self, url: str) -> None:
        name = url.rpartition("/")[2]
        asyncio.run(_admin(self.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(sync_url(url))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    """The session's PostgreSQL, NATS and Redis."""
    # Not under pytest's basetemp: pytest makes that private to root at every start, and as
    # root PostgreSQL runs as another user that must traverse the path.
    root = Path(tempfile.mkdtemp(prefix="career-infra-"))
    started: list = []
    try:
        if url := os.environ.get("TEST_POSTGRES_URL"):
            postgres_url = url
        else:
            # A throwaway cluster: speed over crash safety (make run's is durable).
            pg = PostgresServer(root / "postgres", durable=False)
            pg.start()
            started.append(pg)
            postgres_url = pg.url
        nats = None
        if url := os.environ.get("TEST_NATS_URL"):
            nats_url = url
        else:
            nats = NatsServer(root / "nats")
            nats.start()
            started.append(nats)
            nats_url = nats.url
        if url := os.environ.get("TEST_REDIS_URL"):
            redis_url = url
        else:
            redis = RedisServer(root / "redis")
            redis.start()
            started.append(redis)
            redis_url = redis.url
        yield Infra(postgres_url, nats_url, redis_url, started, nats)
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(infra: Infra) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    url = infra.create_database()
    yield url
    infra.drop_database(url)


@pytest.fixture
def events_namespace() -> str:
    """A namespace for stream and subject names that no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def redis_key_prefix() -> str:
    """A Redis key prefix that no other test uses."""
    return f"test:{uuid.uuid4().hex[:10]}:"
