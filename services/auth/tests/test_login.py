"""Login: identical answers for unknown e-mail and wrong password, lockout, security events."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from career.auth.v1 import auth_pb2, events_pb2
from career_kit.errors import Unauthenticated
from career_kit.unit_of_work import UnitOfWork

PASSWORD = "correct horse battery staple"  # the harness default (conftest.py)


async def test_unknown_email_and_wrong_password_answer_identically(auth) -> None:
    await auth.register("ada@example.com")
    unknown = await auth.error("Login", auth_pb2.LoginRequest(
        email="nobody@example.com", password="whatever it is"))
    wrong = await auth.error("Login", auth_pb2.LoginRequest(
        email="ada@example.com", password="not the password"))
    assert unknown.code() == wrong.code() == grpc.StatusCode.UNAUTHENTICATED
    assert unknown.details() == wrong.details() == "invalid e-mail or password"
    events = await auth.rows(
        "SELECT kind, user_id IS NULL, detail->>'reason' FROM security_events ORDER BY created_at")
    assert events == [("login_failed", True, "unknown_email"),
                      ("login_failed", False, "wrong_password")]


async def test_login_with_any_letter_case_returns_tokens_and_records_the_login(auth) -> None:
    user = await auth.register("ada@example.com")
    reply = await auth.login(email=" ADA@example.com ", user_agent="Firefox", ip="198.51.100.4")
    assert reply.user.id == user.id and reply.user.HasField("last_login_at")
    assert reply.tokens.access_token and reply.tokens.refresh_token
    [(last_login, attempts)] = await auth.rows("SELECT last_login_at, login_attempts FROM users")
    assert last_login is not None and attempts == 0
    [(user_agent, ip)] = await auth.rows("SELECT user_agent, host(ip) FROM refresh_tokens")
    assert (user_agent, ip) == ("Firefox", "198.51.100.4")


async def test_fifth_failed_login_locks_for_15_minutes(auth) -> None:
    await auth.register("ada@example.com")
    for attempt in range(1, 5):
        await auth.error("Login", auth_pb2.LoginRequest(email="ada@example.com",
                                                         password="wrong guess"))
        [(attempts, lock_until)] = await auth.rows("SELECT login_attempts, lock_until FROM users")
        assert (attempts, lock_until) == (attempt, None)

    before = datetime.now(UTC)
    fifth = await auth.error("Login", auth_pb2.LoginRequest(email="ada@example.com",
                                                             password="wrong guess"))
    assert fifth.code() == grpc.StatusCode.UNAUTHENTICATED
    [(lock_until,)] = await auth.rows("SELECT lock_until FROM users")
    assert before + timedelta(minutes=15) <= lock_until <= datetime.now(UTC) + timedelta(
        minutes=15)
    assert [kind for (kind,) in await auth.rows(
        "SELECT kind FROM security_events WHERE kind = 'lockout'")] == ["lockout"]
    # Stored and published together: the lockout and each failure are events too.
    [lockout] = await auth.published("security.lockout", events_pb2.SecurityEventRecorded)
    assert lockout.kind == "lockout" and lockout.user_id
    assert len(await auth.published("security.login_failed",
                                    events_pb2.SecurityEventRecorded)) == 5

    # Locked: even the right password gets the wrong-credentials answer.
    locked = await auth.error("Login", auth_pb2.LoginRequest(
        email="ada@example.com", password="correct horse battery staple"))
    assert locked.code() == grpc.StatusCode.UNAUTHENTICATED
    assert locked.details() == "invalid e-mail or password"

    # Fifteen minutes later the right password works again and the slate is clean.
    await auth.rows("UPDATE users SET lock_until = now() - interval '1 second'")
    reply = await auth.login()
    assert reply.tokens.access_token
    [(attempts, lock_until)] = await auth.rows("SELECT login_attempts, lock_until FROM users")
    assert (attempts, lock_until) == (0, None)


async def test_a_successful_login_resets_the_failed_attempts(auth) -> None:
    await auth.register("ada@example.com")
    for _ in range(4):
        await auth.error("Login", auth_pb2.LoginRequest(email="ada@example.com",
                                                         password="wrong guess"))
    await auth.login()
    await auth.error("Login", auth_pb2.LoginRequest(email="ada@example.com",
                                                     password="wrong guess"))
    [(attempts, lock_until)] = await auth.rows("SELECT login_attempts, lock_until FROM users")
    assert (attempts, lock_until) == (1, None)


async def test_bad_login_input_is_invalid_argument(auth) -> None:
    await auth.register("ada@example.com")
    missing = await auth.error("Login", auth_pb2.LoginRequest(email="ada@example.com"))
    assert missing.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad_ip = await auth.error("Login", auth_pb2.LoginRequest(
        email="ada@example.com", password="correct horse battery staple", ip="999.1.1.1"))
    assert bad_ip.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not an IP address" in bad_ip.details()


async def test_an_unknown_email_still_spends_a_password_verification(auth) -> None:
    """Timing must not tell which e-mails have accounts: an unknown one costs a hash check too.
    (Without it the unknown e-mail answers in a few milliseconds, argon2 takes tens.)"""
    await auth.register("ada@example.com")
    unknown = auth_pb2.LoginRequest(email="nobody@example.com", password="wrong guess")
    wrong = auth_pb2.LoginRequest(email="ada@example.com", password="wrong guess")
    await auth.error("Login", wrong)  # warm-up (connections, code paths)

    async def duration(request: auth_pb2.LoginRequest) -> float:
        started = time.perf_counter()
        await auth.error("Login", request)
        return time.perf_counter() - started

    unknown_times = [await duration(unknown) for _ in range(3)]
    wrong_times = [await duration(wrong) for _ in range(3)]
    assert min(unknown_times) > 0.5 * min(wrong_times), (unknown_times, wrong_times)


async def test_a_login_whose_caller_gave_up_creates_no_session(auth) -> None:
    """The gateway answered 504 at its deadline: the login must not stand (defect: 504 yet a
    session was created). The deadline here leaves less than the commit margin, so the work
    must not even start (kit/tests/test_db_deadline.py covers work that runs into it)."""
    user = await auth.register("ada@example.com")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await auth.stub.Login(auth_pb2.LoginRequest(email="ada@example.com", password=PASSWORD),
                              timeout=0.15)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The next login locks the same user row, so it waits until the first call's transaction
    # has ended one way or the other; then exactly its own session exists.
    second = await auth.login()
    assert second.user.id == user.id
    sessions = await auth.rows("SELECT DISTINCT family_id FROM refresh_tokens")
    assert len(sessions) == 1
    succeeded = await auth.rows(
        "SELECT detail->>'session_id' FROM security_events WHERE kind = 'login_succeeded'")
    assert [str(session) for (session,) in sessions] == [sid for (sid,) in succeeded]



async def test_a_password_changed_between_the_check_and_the_lock_is_checked_again(auth) -> None:
    # A login checks the password before it locks the account (sessions.check_password); a
    # change that lands in between must not let the old password in.
    user = await auth.register("ada@example.com")
    sessions = auth.service.components.domain.sessions
    passwords = auth.service.components.domain.deps.passwords
    checked = await sessions.check_password(auth.db.reads, email="ada@example.com",
                                            password=PASSWORD)
    assert checked.matches
    new_hash = await passwords.hash("a brand new passphrase")
    await auth.rows("UPDATE users SET password_hash = :hash WHERE id = :id", hash=new_hash,
                    id=uuid.UUID(user.id))
    unit = UnitOfWork(auth.db)
    with pytest.raises(Unauthenticated):
        await unit(lambda s: sessions.login(s, email="ada@example.com", password=PASSWORD,
                                            checked=checked))
    attempts = await auth.rows("SELECT login_attempts FROM users")
    assert attempts == [(1,)]  # counted as the wrong password it now is
