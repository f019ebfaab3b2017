"""pytest fixtures for tests against real infrastructure (loaded with `-p devstack.pytest_plugin`).

PostgreSQL, NATS and Redis come from TEST_POSTGRES_URL / TEST_NATS_URL / TEST_REDIS_URL when set,
otherwise real servers are started from pip packages on free ports for the session. Nothing is
ever skipped for a missing server: one that cannot be started fails the tests, in CI and out.
Each test gets its own databases, events namespace and Redis key prefix, so runs can share servers.

A service's schema is migrated once per session into a template database; each test gets a
copy (`CREATE DATABASE ... TEMPLATE`, a file copy that costs a fraction of running the
migrations), so a test still starts from exactly what `migrate` produces.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from career_kit.db import sync_url
from career_kit.migrations import upgrade
from career_kit.service import Compose, migrations_dir
from career_kit.settings import ServiceSettings
from devstack.servers import NatsServer, PostgresServer, RedisServer
from devstack.service_harness import ServiceHarness, running_service, service_settings


@dataclass
class Infra:
    """URLs of the session's servers, and the servers themselves when we started them."""

    postgres_url: str  # admin URL (database `postgres`), asyncpg dialect
    nats_url: str
    redis_url: str
    servers: list = field(default_factory=list)
    nats: NatsServer | None = None
    # Migrations directory -> template database migrated this session.
    _templates: dict[Path, str] = field(default_factory=dict)
    _templates_lock: threading.Lock = field(default_factory=threading.Lock)

    def database_url(self, name: str) -> str:
        base, _, _ = self.postgres_url.rpartition("/")
        return f"{base}/{name}"

    def create_database(self, prefix: str = "t") -> str:
        """Create an empty database with a unique name; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(self.postgres_url, f'CREATE DATABASE "{name}"'))
        return self.database_url(name)

    def migrated_database(self, migrations: Path, prefix: str = "t") -> str:
        """A new database holding `migrations` applied to head (a copy of the session's
        template for them); returns its URL."""
        template = self._template(migrations.resolve())
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(self.postgres_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self.database_url(name)

    def _template(self, migrations: Path) -> str:
        with self._templates_lock:
            if migrations not in self._templates:
                # Named after the migrations' content, and unique to the session, so that
                # sessions sharing one server (TEST_POSTGRES_URL) never copy a stale schema.
                digest = hashlib.sha256()
                for path in sorted(migrations.rglob("*.py")):
                    digest.update(path.read_bytes())
                name = f"tpl_{migrations.parent.name}_{digest.hexdigest()[:8]}_" \
                       f"{uuid.uuid4().hex[:6]}"
                asyncio.run(_admin(self.postgres_url, f'CREATE DATABASE "{name}"'))
                upgrade(migrations, self.database_url(name))
                self._templates[migrations] = name
            return self._templates[migrations]

    def drop_templates(self) -> None:
        for name in self._templates.values():
            with contextlib.suppress(Exception):
                self.drop_database(self.database_url(name))
        self._templates.clear()

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
        infra = Infra(postgres_url, nats_url, redis_url, started, nats)
        try:
            yield infra
        finally:
            infra.drop_templates()
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


@pytest.fixture
def migrated_database(infra: Infra) -> Iterator[Callable[[Path], str]]:
    """`migrated_database(migrations_dir)`: a new database at the migrations' head for this
    test (dropped afterwards); its URL."""
    created: list[str] = []

    def create(migrations: Path) -> str:
        created.append(infra.migrated_database(migrations))
        return created[-1]

    yield create
    for url in created:
        infra.drop_database(url)


@pytest.fixture
async def start_service(infra: Infra, migrated_database: Callable[[Path], str],
                        events_namespace: str, redis_key_prefix: str
                        ) -> AsyncIterator[Callable[..., Any]]:
    """`await start_service(compose, Settings, StubType, harness=..., **settings)`: the
    service built by the kit's runtime from `compose` and started on a migrated database of
    its own, the session's servers, this test's namespace and Redis prefix; a harness to it
    (devstack.service_harness). Stopped when the test ends. Call it again for a second
    replica (`database_url=` the first one's) or a second service."""
    async with contextlib.AsyncExitStack() as running:

        async def start(compose: Compose, settings_type: type[ServiceSettings],
                        stub_type: Callable[[Any], Any], *,
                        harness: type[ServiceHarness] = ServiceHarness,
                        **overrides: Any) -> ServiceHarness:
            database_url = overrides.pop("database_url", None) or await asyncio.to_thread(
                migrated_database, migrations_dir(settings_type))
            settings = service_settings(
                settings_type, database_url=database_url, nats_url=infra.nats_url,
                redis_url=infra.redis_url, events_namespace=events_namespace,
                redis_key_prefix=redis_key_prefix, **overrides)
            return await running.enter_async_context(
                running_service(settings, compose, stub_type, harness=harness))

        yield start



# The end-to-end tests run on one worker, so that the session's platform (tests/e2e's `stack`
# fixture: eight processes) starts once per run rather than once per worker.
E2E = "tests/e2e/"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The end-to-end tests first: they are the longest share of the run, and a long share
    started last would leave the other workers idle at the end."""
    items.sort(key=lambda item: not item.nodeid.startswith(E2E))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` (as `make test` runs) with tests/e2e counted as one file: each file's
    tests on one worker (its module fixtures start once), every end-to-end test on one."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileOrPlatformScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return E2E if path.startswith(E2E) else path

    return FileOrPlatformScheduling(config, log)
