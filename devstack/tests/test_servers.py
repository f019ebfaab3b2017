"""The servers `make run` starts keep their data safe across a crash or power cut; only the
test session's throwaway PostgreSQL trades durability for speed."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import asyncpg
import pytest

from career_kit.db import sync_url
from devstack.servers import PostgresServer, RedisServer

DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")


async def _settings(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(sync_url(url))
    try:
        return {name: await conn.fetchval(f"SHOW {name}") for name in DURABILITY}
    finally:
        await conn.close()


@pytest.mark.parametrize(("durable", "expected"), [(True, "on"), (False, "off")])
def test_postgres_is_durable_unless_told_it_is_throwaway(durable: bool, expected: str) -> None:
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="career-pg-")) / "pg", durable=durable)
    server.start()
    try:
        assert asyncio.run(_settings(server.url)) == dict.fromkeys(DURABILITY, expected)
    finally:
        server.stop()


def test_make_runs_redis_appends_every_write_to_its_log() -> None:
    import redis

    server = RedisServer(Path(tempfile.mkdtemp(prefix="career-redis-")), persist=True)
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        client.close()
    finally:
        server.stop()
