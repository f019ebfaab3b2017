"""The kit's idempotency keys against real PostgreSQL: a retry is answered from the store, a
reuse with another request refused, owners and scopes never meet, concurrent duplicates run
the work once, and expired keys are swept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from google.protobuf.struct_pb2 import Struct, Value
from sqlalchemy import text

from career_kit.db import Database
from career_kit.idempotency import (
    IdempotencyKey,
    IdempotencyKeyReused,
    delete_expired,
    run_once,
)
from career_kit.tables import idempotency_keys


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=6)
    async with database.engine.begin() as conn:
        await conn.run_sync(idempotency_keys.create)
    yield database
    await database.dispose()


def _request(purchase: str) -> Struct:
    request = Struct()
    request.update({"purchase": purchase})
    return request


class Work:
    """Counts its runs; answers with the run number."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> Value:
        self.runs += 1
        await asyncio.sleep(0.05)  # long enough for concurrent duplicates to overlap
        return Value(number_value=self.runs)


async def _once(db: Database, key: IdempotencyKey | None, work: Work) -> float:
    async with db.transaction() as session:
        return (await run_once(session, key, Value, work)).number_value


def _key(owner: str, key: str, purchase: str = "pro", scope: str = "test.buy") -> IdempotencyKey:
    made = IdempotencyKey.of(scope, owner=owner, key=key, request=_request(purchase))
    assert made is not None
    return made


async def test_a_retry_gets_the_stored_answer_without_running_again(db: Database) -> None:
    work = Work()
    assert await _once(db, _key("u1", "k"), work) == 1
    assert await _once(db, _key("u1", "k"), work) == 1
    assert work.runs == 1


async def test_owners_and_scopes_never_share_a_key(db: Database) -> None:
    work = Work()
    answers = [await _once(db, _key(owner, "k", scope=scope), work)
               for owner, scope in (("u1", "a"), ("u2", "a"), ("u1", "b"))]
    assert answers == [1, 2, 3]
    assert _key("u1", "k").for_provider() != _key("u2", "k").for_provider()


async def test_the_same_key_with_another_request_is_refused(db: Database) -> None:
    await _once(db, _key("u1", "k", "pro"), Work())
    with pytest.raises(IdempotencyKeyReused):
        await _once(db, _key("u1", "k", "premium"), Work())


async def test_concurrent_duplicates_run_the_work_once(db: Database) -> None:
    work = Work()
    answers = await asyncio.gather(*(_once(db, _key("u1", "double"), work) for _ in range(6)))
    assert answers == [1] * 6 and work.runs == 1


async def test_work_that_fails_leaves_the_key_free(db: Database) -> None:
    async def failing() -> Value:
        raise RuntimeError("provider down")

    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await run_once(session, _key("u1", "k"), Value, failing)
    assert await _once(db, _key("u1", "k"), Work()) == 1


async def test_without_a_key_the_work_just_runs(db: Database) -> None:
    work = Work()
    assert IdempotencyKey.of("test.buy", owner="u1", key="  ", request=_request("pro")) is None
    assert [await _once(db, None, work) for _ in range(2)] == [1, 2]


async def test_expired_keys_start_anew_and_are_swept(db: Database) -> None:
    work = Work()
    await _once(db, _key("u1", "old"), work)
    await _once(db, _key("u1", "new"), work)
    async with db.transaction() as session:
        await session.execute(text("UPDATE idempotency_keys SET created_at = now() - "
                                   "interval '25 hours' WHERE key = 'old'"))
    assert await _once(db, _key("u1", "old", "premium"), work) == 3
    async with db.transaction() as session:
        await session.execute(text("UPDATE idempotency_keys SET created_at = now() - "
                                   "interval '25 hours' WHERE key = 'old'"))
        assert await delete_expired(session) == 1
        rows = await session.execute(text("SELECT key FROM idempotency_keys"))
        assert [row[0] for row in rows] == ["new"]


def test_a_key_needs_an_owner_and_a_sane_shape() -> None:
    from career_kit.errors import InvalidArgument, Unauthenticated

    with pytest.raises(Unauthenticated):
        IdempotencyKey.of("test.buy", owner="", key="k", request=_request("pro"))
    for bad in ("x" * 256, "caf\u00e9", "new\nline"):
        with pytest.raises(InvalidArgument):
            IdempotencyKey.of("test.buy", owner="u1", key=bad, request=_request("pro"))
