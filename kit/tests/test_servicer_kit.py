"""What every servicer uses the same way: the caller's identity, ids named in requests, one
unit of work per call (with "record this, then refuse"), enum names from the proto, pages."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from career.billing.v1 import events_pb2
from career.common.v1 import pagination_pb2
from career_kit import context
from career_kit.conversions import EnumNames
from career_kit.db import COMMIT_MARGIN_SECONDS, Database
from career_kit.errors import DeadlineExceeded, InvalidArgument, NotFound, Unauthenticated
from career_kit.pagination import MAX_PAGE_SIZE, Cursor, Page
from career_kit.unit_of_work import RejectedAfterRecording, UnitOfWork


def test_the_caller_is_a_user_id_or_unauthenticated() -> None:
    user = uuid.uuid4()
    token = context.caller.set(context.Caller(str(user)))
    try:
        assert context.caller_id() == str(user)
        assert context.signed_in_user(context.caller_id()) == user
    finally:
        context.caller.reset(token)
    assert context.caller_id() is None
    # Missing and malformed are both "not one of our users", never a bad argument.
    for caller in (None, "", "not-a-uuid"):
        with pytest.raises(Unauthenticated):
            context.signed_in_user(caller)


def test_an_id_named_in_a_request_must_be_a_uuid() -> None:
    value = uuid.uuid4()
    assert context.id_argument(str(value), "session_id") == value
    with pytest.raises(InvalidArgument, match="session_id is not a valid id"):
        context.id_argument("42", "session_id")


def test_enum_names_come_from_the_proto() -> None:
    plans = EnumNames(events_pb2.Plan, "PLAN_")
    statuses = EnumNames(events_pb2.SubscriptionStatus, "SUBSCRIPTION_STATUS_")
    assert plans.names == ("free", "pro", "premium")
    assert plans.name_of(events_pb2.PLAN_PREMIUM) == "premium"
    assert statuses.value_of("past_due") == events_pb2.SUBSCRIPTION_STATUS_PAST_DUE
    # The zero value has no name; an unknown name is the zero value.
    assert plans.name_of(events_pb2.PLAN_UNSPECIFIED) is None
    assert plans.value_of("enterprise") == 0 and plans.value_of(None) == 0
    assert "pro" in plans and "unspecified" not in plans
    with pytest.raises(ValueError):
        EnumNames(events_pb2.Plan, "STATUS_")


def test_a_page_request_is_defaulted_capped_and_its_token_checked() -> None:
    assert Page.of(pagination_pb2.PageRequest()).size == 20
    assert Page.of(pagination_pb2.PageRequest(page_size=10_000)).size == MAX_PAGE_SIZE
    with pytest.raises(InvalidArgument):
        Page.of(pagination_pb2.PageRequest(page_size=-1))
    with pytest.raises(InvalidArgument):
        Page.of(pagination_pb2.PageRequest(page_token="%%%"))
    cursor = Cursor(datetime(2026, 12, 1, 9, 30, tzinfo=UTC), "row-7")
    assert Cursor.of(cursor.token()) == cursor
    assert Page.of(pagination_pb2.PageRequest(page_token=cursor.token())).before == cursor


def test_a_page_is_cut_from_one_row_more_than_it_shows() -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [(start - timedelta(minutes=i), f"id-{i}") for i in range(3)]
    page = Page.of(pagination_pb2.PageRequest(page_size=2))
    assert page.rows_to_read == 3
    shown, info = page.cut(rows, lambda row: Cursor(*row))
    assert shown == rows[:2]
    assert Cursor.of(info.next_page_token) == Cursor(*rows[1])
    last, info = page.cut(rows[2:], lambda row: Cursor(*row))
    assert last == rows[2:] and info.next_page_token == ""


@pytest.fixture
async def db(database_url):
    database = Database(database_url, pool_size=2)
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE attempts (id serial PRIMARY KEY)"))
    yield database
    await database.dispose()


async def _attempts(db: Database) -> int:
    async with db.transaction() as session:
        return (await session.execute(text("SELECT count(*) FROM attempts"))).scalar_one()


async def _record(session) -> None:
    await session.execute(text("INSERT INTO attempts DEFAULT VALUES"))


async def test_a_unit_of_work_commits_its_result_and_nothing_of_a_failure(db) -> None:
    unit = UnitOfWork(db)

    async def succeed(session) -> str:
        await _record(session)
        return "done"

    async def fail(session) -> None:
        await _record(session)
        raise NotFound("no such thing")

    assert await unit(succeed) == "done"
    with pytest.raises(NotFound):
        await unit(fail)
    assert await _attempts(db) == 1


async def test_a_refusal_after_recording_commits_the_record_then_refuses(db) -> None:
    async def refuse(session) -> None:
        await _record(session)
        raise RejectedAfterRecording(Unauthenticated("wrong password"))

    with pytest.raises(Unauthenticated, match="wrong password"):
        await UnitOfWork(db)(refuse)
    assert await _attempts(db) == 1
    # Even when the caller's deadline passes while the work runs: the record stands whether
    # or not anybody hears the answer, where ordinary work is rolled back.
    async def slow(work):
        async def run(session) -> None:
            await asyncio.sleep(COMMIT_MARGIN_SECONDS)
            await work(session)
        return run

    for work, expected, attempts in ((refuse, Unauthenticated, 2), (_record, DeadlineExceeded, 2)):
        token = context.deadline.set(time.monotonic() + COMMIT_MARGIN_SECONDS * 1.5)
        try:
            with pytest.raises(expected):
                await UnitOfWork(db)(await slow(work))
        finally:
            context.deadline.reset(token)
        assert await _attempts(db) == attempts
