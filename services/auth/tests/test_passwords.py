"""Password reset (forgotten password) and change (signed in): single-use expiring tokens, the
password rules of registration, and which sessions survive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from pydantic import SecretStr, ValidationError

from auth.config import Settings
from auth.keys import generate_private_key_pem
from auth.main import password_hashing
from career.auth.v1 import auth_pb2, events_pb2
from career_kit.settings import PlatformSettings

PASSWORD = "correct horse battery staple"  # what the harness registers with
NEW_PASSWORD = "a brand new passphrase"
RESET_REQUESTED = "user.password_reset_requested"


async def _reset_tokens(auth) -> list[events_pb2.PasswordResetRequested]:
    return await auth.published(RESET_REQUESTED, events_pb2.PasswordResetRequested)


async def _refresh_fails(auth, refresh_token: str) -> bool:
    error = await auth.error("Refresh", auth_pb2.RefreshRequest(refresh_token=refresh_token))
    return error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_forgot_password_answers_alike_and_publishes_only_for_an_account(auth) -> None:
    user = await auth.register("ada@example.com", "Ada")
    known = await auth.call("ForgotPassword",
                            auth_pb2.ForgotPasswordRequest(email="ADA@example.com"))
    unknown = await auth.call("ForgotPassword",
                              auth_pb2.ForgotPasswordRequest(email="nobody@example.com"))
    assert known.SerializeToString() == unknown.SerializeToString() == b""
    [request] = await _reset_tokens(auth)
    assert (request.user_id, request.email, request.name) == (user.id, "ada@example.com", "Ada")
    expires_at = request.expires_at.ToDatetime(tzinfo=UTC)
    assert abs(expires_at - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(minutes=1)
    assert len(await auth.rows("SELECT 1 FROM email_tokens WHERE purpose = 'reset'")) == 1


async def test_reset_sets_the_password_ends_every_session_and_lifts_the_lockout(auth) -> None:
    user = await auth.register()
    laptop = (await auth.login(user_agent="laptop")).tokens
    phone = (await auth.login(user_agent="phone")).tokens
    for _ in range(5):
        await auth.error("Login", auth_pb2.LoginRequest(email="ada@example.com",
                                                        password="wrong password!"))
    [(lock_until,)] = await auth.rows("SELECT lock_until FROM users")
    assert lock_until is not None

    await auth.call("ForgotPassword", auth_pb2.ForgotPasswordRequest(email="ada@example.com"))
    [request] = await _reset_tokens(auth)
    await auth.call("ResetPassword", auth_pb2.ResetPasswordRequest(
        token=request.token, new_password=NEW_PASSWORD))

    assert await _refresh_fails(auth, laptop.refresh_token)
    assert await _refresh_fails(auth, phone.refresh_token)
    old = await auth.error("Login", auth_pb2.LoginRequest(email="ada@example.com",
                                                          password=PASSWORD))
    assert old.code() == grpc.StatusCode.UNAUTHENTICATED
    signed_in = await auth.login(password=NEW_PASSWORD)  # the lock is gone with the old password
    assert signed_in.user.id == user.id
    [(password_hash,)] = await auth.rows("SELECT password_hash FROM users")
    assert password_hash.startswith("$argon2id$")
    [(detail,)] = await auth.rows(
        "SELECT detail FROM security_events WHERE kind = 'password_reset'")
    assert detail == {"revoked_sessions": 2}


async def test_a_reset_token_works_once_and_not_after_it_expires(auth) -> None:
    await auth.register()
    await auth.call("ForgotPassword", auth_pb2.ForgotPasswordRequest(email="ada@example.com"))
    [request] = await _reset_tokens(auth)

    # A refused password does not spend the token.
    weak = await auth.error("ResetPassword", auth_pb2.ResetPasswordRequest(
        token=request.token, new_password="password"))
    assert weak.code() == grpc.StatusCode.INVALID_ARGUMENT and "too common" in weak.details()
    await auth.call("ResetPassword", auth_pb2.ResetPasswordRequest(
        token=request.token, new_password=NEW_PASSWORD))
    again = await auth.error("ResetPassword", auth_pb2.ResetPasswordRequest(
        token=request.token, new_password="yet another passphrase"))
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "already been used" in again.details()

    await auth.call("ForgotPassword", auth_pb2.ForgotPasswordRequest(email="ada@example.com"))
    [_, second] = await _reset_tokens(auth)
    await auth.rows("UPDATE email_tokens SET expires_at = now() - interval '1 second' "
                    "WHERE used_at IS NULL")
    expired = await auth.error("ResetPassword", auth_pb2.ResetPasswordRequest(
        token=second.token, new_password="yet another passphrase"))
    assert expired.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "expired" in expired.details()
    unknown = await auth.error("ResetPassword", auth_pb2.ResetPasswordRequest(
        token="no-such-token", new_password="yet another passphrase"))
    assert unknown.code() == grpc.StatusCode.INVALID_ARGUMENT
    await auth.login(password=NEW_PASSWORD)


async def test_change_password_keeps_only_the_current_session(auth) -> None:
    user = await auth.register()
    current = (await auth.login(user_agent="laptop")).tokens
    other = (await auth.login(user_agent="phone")).tokens

    reply = await auth.call("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=PASSWORD, new_password=NEW_PASSWORD, session_id=current.session_id),
        as_user=user.id)
    assert reply.revoked_sessions == 1
    assert await _refresh_fails(auth, other.refresh_token)
    await auth.call("Refresh", auth_pb2.RefreshRequest(refresh_token=current.refresh_token))
    await auth.login(password=NEW_PASSWORD)


async def test_change_password_finds_the_current_session_by_its_refresh_token(auth) -> None:
    user = await auth.register()
    current = (await auth.login(user_agent="laptop")).tokens
    other = (await auth.login(user_agent="phone")).tokens
    grace = await auth.register("grace@example.com")
    grace_tokens = (await auth.login("grace@example.com")).tokens

    await auth.call("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=PASSWORD, new_password=NEW_PASSWORD,
        refresh_token=current.refresh_token), as_user=user.id)
    assert await _refresh_fails(auth, other.refresh_token)
    listed = await auth.call("ListSessions", auth_pb2.ListSessionsRequest(), as_user=user.id)
    assert [s.id for s in listed.sessions] == [current.session_id]

    # Naming someone else's session keeps nothing: every session of the caller ends.
    await auth.call("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=NEW_PASSWORD, new_password="third passphrase here",
        session_id=grace_tokens.session_id), as_user=user.id)
    listed = await auth.call("ListSessions", auth_pb2.ListSessionsRequest(), as_user=user.id)
    assert list(listed.sessions) == []
    grace_listed = await auth.call("ListSessions", auth_pb2.ListSessionsRequest(),
                                   as_user=grace.id)
    assert len(grace_listed.sessions) == 1


async def test_change_password_refuses_a_wrong_current_password_like_a_failed_login(auth) -> None:
    user = await auth.register()
    tokens = (await auth.login()).tokens
    wrong = await auth.error("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password="not my password", new_password=NEW_PASSWORD,
        session_id=tokens.session_id), as_user=user.id)
    assert wrong.code() == grpc.StatusCode.PERMISSION_DENIED
    [(attempts,)] = await auth.rows("SELECT login_attempts FROM users")
    assert attempts == 1  # recorded although the call failed
    weak = await auth.error("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=PASSWORD, new_password="12345678"), as_user=user.id)
    assert weak.code() == grpc.StatusCode.INVALID_ARGUMENT
    same = await auth.error("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=PASSWORD, new_password=PASSWORD), as_user=user.id)
    assert same.code() == grpc.StatusCode.INVALID_ARGUMENT
    anonymous = await auth.error("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=PASSWORD, new_password=NEW_PASSWORD))
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    await auth.call("Refresh", auth_pb2.RefreshRequest(refresh_token=tokens.refresh_token))
    await auth.login()  # the password did not change


def test_passwords_are_hashed_at_argon2id_defaults_and_production_refuses_less() -> None:
    defaults = Settings()
    hashing = password_hashing(defaults)
    params = extract_parameters(hashing.hasher.hash(PASSWORD))
    assert (params.type, params.time_cost, params.memory_cost, params.parallelism) == (
        Type.ID, 3, 65536, 4)
    production = PlatformSettings(environment="production",
                                  internal_secret=SecretStr("a-real-secret"))
    keys = SecretStr(generate_private_key_pem())
    for cheaper in ({"password_hash_time_cost": 2}, {"password_hash_memory_kib": 32768}):
        with pytest.raises(ValidationError, match="AUTH_PASSWORD_HASH"):
            Settings(platform=production, jwt_private_keys=keys, **cheaper)
    assert Settings(platform=production, jwt_private_keys=keys).password_hash_time_cost == 3


async def test_a_hash_of_another_cost_still_verifies_and_is_renewed_at_sign_in(auth) -> None:
    """Lowering or raising the cost never locks anyone out: the old hash verifies, and the
    next sign-in stores a hash at the current cost."""
    await auth.register("cost@example.com", "Cost")
    stronger = PasswordHasher(time_cost=2, memory_cost=128).hash(PASSWORD)
    await auth.rows("UPDATE users SET password_hash = :h WHERE email = :e",
                    h=stronger, e="cost@example.com")
    await auth.login("cost@example.com")
    [(stored,)] = await auth.rows("SELECT password_hash FROM users WHERE email = :e",
                                  e="cost@example.com")
    assert stored != stronger
    assert extract_parameters(stored).time_cost == auth.settings.password_hash_time_cost
