"""A unit of work never commits once its caller's deadline leaves no time to: real PostgreSQL,
the deadline as the gRPC server interceptor sets it (`career_kit.context.deadline`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from career_kit import context
from career_kit.db import COMMIT_MARGIN_SECONDS, Database, commit_after_deadline
from career_kit.errors import DeadlineExceeded


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=2)
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE work (id int PRIMARY KEY)"))
    yield database
    await database.dispose()


async def _rows(db: Database) -> list[int]:
    async with db.transaction() as session:
        return [row[0] for row in await session.execute(text("SELECT id FROM work"))]


async def _within_deadline(seconds: float, work) -> None:
    token = context.deadline.set(time.monotonic() + seconds)
    try:
        await work()
    finally:
        context.deadline.reset(token)


async def test_work_that_runs_into_the_deadline_is_rolled_back(db: Database) -> None:
    async def work() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO work VALUES (1)"))
            # The caller is about to give up: what was done must not be committed.
            await asyncio.sleep(0.5 - COMMIT_MARGIN_SECONDS / 2)

    with pytest.raises(DeadlineExceeded):
        await _within_deadline(0.5, work)
    assert await _rows(db) == []


async def test_a_call_whose_deadline_has_passed_starts_no_work(db: Database) -> None:
    started = False

    async def work() -> None:
        nonlocal started
        async with db.transaction():
            started = True

    with pytest.raises(DeadlineExceeded):
        await _within_deadline(COMMIT_MARGIN_SECONDS / 2, work)
    assert not started


async def test_work_with_time_to_spare_commits(db: Database) -> None:
    async def work() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO work VALUES (2)"))

    await _within_deadline(10.0, work)
    assert await _rows(db) == [2]


async def test_a_record_marked_to_stand_commits_after_the_deadline(db: Database) -> None:
    async def work() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO work VALUES (3)"))
            commit_after_deadline(session)  # e.g. a failed login, counted towards lockout
            await asyncio.sleep(0.5 - COMMIT_MARGIN_SECONDS / 2)

    await _within_deadline(0.5, work)
    assert await _rows(db) == [3]


async def test_work_without_a_deadline_is_unaffected(db: Database) -> None:
    async with db.transaction() as session:  # consumers, webhooks, migrations
        await session.execute(text("INSERT INTO work VALUES (4)"))
    assert await _rows(db) == [4]
