"""Two-factor authentication: setup and enable, the second login step with a TOTP code (one
step of tolerance, never twice) or a single-use recovery code, lockout, disable; the secret
encrypted at rest."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pyotp
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from auth.two_factor import SecretBox, matching_step
from career.auth.v1 import auth_pb2

PASSWORD = "correct horse battery staple"  # the conftest's default
KEY = Fernet.generate_key().decode()


@pytest.fixture
def auth_overrides() -> dict[str, Any]:
    return {"totp_encryption_key": SecretStr(KEY)}


def code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


async def enabled_user(auth, email: str = "ada@example.com") -> tuple[auth_pb2.User, str, list]:
    user = await auth.register(email)
    setup = await auth.call("SetupTwoFactor", auth_pb2.SetupTwoFactorRequest(), as_user=user.id)
    enabled = await auth.call("EnableTwoFactor", auth_pb2.EnableTwoFactorRequest(
        code=code(setup.secret)), as_user=user.id)
    return user, setup.secret, list(enabled.recovery_codes)


async def test_setup_gives_an_otpauth_uri_and_stores_the_secret_encrypted(auth) -> None:
    user = await auth.register("ada@example.com")
    setup = await auth.call("SetupTwoFactor", auth_pb2.SetupTwoFactorRequest(), as_user=user.id)
    assert setup.otpauth_uri.startswith("otpauth://totp/Career%20Tools:ada%40example.com?")
    assert "issuer=Career%20Tools" in setup.otpauth_uri
    [(stored, enabled)] = await auth.rows("SELECT totp_secret, two_factor_enabled FROM users")
    assert not enabled and setup.secret not in stored
    assert SecretBox(KEY).open(stored) == setup.secret
    wrong = await auth.error("EnableTwoFactor", auth_pb2.EnableTwoFactorRequest(code="12"),
                             as_user=user.id)
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_enable_returns_ten_recovery_codes_kept_as_hashes(auth) -> None:
    user, _, codes = await enabled_user(auth)
    assert len(codes) == 10 == len(set(codes))
    rows = await auth.rows("SELECT code_hash FROM two_factor_recovery_codes")
    assert len(rows) == 10 and all(c.encode() not in bytes(h) for (h,) in rows for c in codes)
    me = await auth.call("GetMe", auth_pb2.GetMeRequest(), as_user=user.id)
    assert me.two_factor_enabled


async def test_login_needs_the_second_step(auth) -> None:
    _, secret, _ = await enabled_user(auth)
    first = await auth.login()
    assert first.two_factor_token and not first.HasField("tokens")
    done = await auth.call("CompleteTwoFactorLogin", auth_pb2.CompleteTwoFactorLoginRequest(
        two_factor_token=first.two_factor_token, code=code(secret, 1)))
    assert done.tokens.access_token and done.tokens.refresh_token
    # The token is spent with the login.
    again = await auth.error("CompleteTwoFactorLogin", auth_pb2.CompleteTwoFactorLoginRequest(
        two_factor_token=first.two_factor_token, code=code(secret, 1)))
    assert again.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_code_works_once(auth) -> None:
    _, secret, _ = await enabled_user(auth)
    used_at_enable = code(secret)
    first = await auth.login()
    replay = await auth.error("CompleteTwoFactorLogin", auth_pb2.CompleteTwoFactorLoginRequest(
        two_factor_token=first.two_factor_token, code=used_at_enable))
    assert replay.code() == grpc.StatusCode.UNAUTHENTICATED
    [(attempts,)] = await auth.rows("SELECT login_attempts FROM users")
    assert attempts == 1  # a wrong code counts as a failed login


def test_codes_within_one_step_are_accepted_and_older_steps_refused() -> None:
    secret = pyotp.random_base32()
    now = time.time()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    assert matching_step(secret, totp.at(now - 30), None, now) == step - 1
    assert matching_step(secret, totp.at(now + 30), None, now) == step + 1
    assert matching_step(secret, totp.at(now - 60), None, now) is None
    assert matching_step(secret, totp.at(now), step, now) is None


async def test_recovery_code_works_once(auth) -> None:
    _, _, codes = await enabled_user(auth)
    first = await auth.login()
    done = await auth.call("CompleteTwoFactorLogin", auth_pb2.CompleteTwoFactorLoginRequest(
        two_factor_token=first.two_factor_token, recovery_code=codes[0].upper()))
    assert done.tokens.access_token
    second = await auth.login()
    reused = await auth.error("CompleteTwoFactorLogin", auth_pb2.CompleteTwoFactorLoginRequest(
        two_factor_token=second.two_factor_token, recovery_code=codes[0]))
    assert reused.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_five_wrong_codes_lock_the_account(auth) -> None:
    _, secret, _ = await enabled_user(auth)
    first = await auth.login()
    for _ in range(5):
        await auth.error("CompleteTwoFactorLogin", auth_pb2.CompleteTwoFactorLoginRequest(
            two_factor_token=first.two_factor_token, code="000000"
            if code(secret, 1) != "000000" else "111111"))
    [(lock_until,)] = await auth.rows("SELECT lock_until FROM users")
    assert lock_until is not None
    locked = await auth.error("CompleteTwoFactorLogin", auth_pb2.CompleteTwoFactorLoginRequest(
        two_factor_token=first.two_factor_token, code=code(secret, 1)))
    assert locked.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_disable_needs_password_and_code(auth) -> None:
    user, _, codes = await enabled_user(auth)
    wrong_password = await auth.error("DisableTwoFactor", auth_pb2.DisableTwoFactorRequest(
        password="not the password", code=codes[1]), as_user=user.id)
    assert wrong_password.code() == grpc.StatusCode.PERMISSION_DENIED
    wrong_code = await auth.error("DisableTwoFactor", auth_pb2.DisableTwoFactorRequest(
        password=PASSWORD, code="nope-nope-nope"), as_user=user.id)
    assert wrong_code.code() == grpc.StatusCode.PERMISSION_DENIED
    await auth.call("DisableTwoFactor", auth_pb2.DisableTwoFactorRequest(
        password=PASSWORD, code=codes[1]), as_user=user.id)
    assert (await auth.login()).tokens.access_token
    assert await auth.rows("SELECT 1 FROM two_factor_recovery_codes") == []
