"""A burst of sign-ins beyond what the cores can hash: the ones that cannot get a hashing slot
soon are refused at once with UNAVAILABLE and a retry-after (the gateway's 503 +
Retry-After), nothing is recorded for them, and every other sign-in is a real one."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest

from career.auth.v1 import auth_pb2
from career_kit.errors import PROBLEM_TYPE_KEY, RETRY_AFTER_KEY


@pytest.fixture
def auth_overrides() -> dict[str, Any]:
    # Production's argon2id cost, one hash at a time, one sign-in waiting behind it.
    return {"password_hash_time_cost": 3, "password_hash_memory_kib": 65536,
            "password_hash_slots": 1, "password_hash_queue": 1,
            "password_hash_queue_seconds": 2.0}


async def _login(auth, email: str) -> Any:
    try:
        return await auth.login(email)
    except grpc.aio.AioRpcError as error:
        return error


async def test_a_burst_beyond_the_hashing_slots_is_refused_to_retry_not_timed_out(auth) -> None:
    # Eight users: one user's sign-ins queue on its row lock before they ever hash.
    emails = [f"user{i}@example.com" for i in range(8)]
    for email in emails:
        await auth.register(email)
    outcomes = await asyncio.gather(*(_login(auth, email) for email in emails))
    signed_in = [o for o in outcomes if isinstance(o, auth_pb2.LoginResponse)]
    refused = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert signed_in and refused
    assert len(signed_in) + len(refused) == 8
    for error in refused:
        assert error.code() == grpc.StatusCode.UNAVAILABLE, error
        trailing = dict(error.trailing_metadata())
        assert (trailing[PROBLEM_TYPE_KEY], trailing[RETRY_AFTER_KEY]) == ("busy", "1")
    for reply in signed_in:  # real sign-ins: tokens of a session each
        assert reply.tokens.access_token and reply.tokens.refresh_token
    sessions = await auth.rows("SELECT count(DISTINCT family_id) FROM refresh_tokens")
    assert sessions[0][0] == len(signed_in)
    # A refusal is not a failed attempt: it counts towards no lockout and records nothing.
    attempts = await auth.rows("SELECT sum(login_attempts) FROM users")
    assert attempts[0][0] == 0
    assert await auth.rows("SELECT 1 FROM security_events WHERE kind = 'login_failed'") == []
    # Once the burst is over, signing in works.
    refused_emails = [email for email, o in zip(emails, outcomes, strict=True)
                      if isinstance(o, grpc.aio.AioRpcError)]
    assert (await auth.login(refused_emails[0])).tokens.access_token


async def test_a_burst_on_one_account_hashes_outside_its_row_lock(auth) -> None:
    # The password is checked before the account's row is locked, so sign-ins to one account
    # queue for a hashing slot (and are refused to retry when it is full) instead of queueing
    # on the lock with their deadlines running.
    await auth.register("one@example.com")
    outcomes = await asyncio.gather(*(_login(auth, "one@example.com") for _ in range(8)))
    signed_in = [o for o in outcomes if isinstance(o, auth_pb2.LoginResponse)]
    refused = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert signed_in and refused
    assert {error.code() for error in refused} == {grpc.StatusCode.UNAVAILABLE}
    sessions = await auth.rows("SELECT count(DISTINCT family_id) FROM refresh_tokens")
    assert sessions[0][0] == len(signed_in)
