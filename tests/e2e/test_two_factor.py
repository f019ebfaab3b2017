"""Two-factor authentication through the gateway only: set up with an authenticator (pyotp
plays the app), enable, the two-step login, a recovery code that works once, and disabling with
the password and a code."""

from __future__ import annotations

import time
import uuid

import pyotp

from .conftest import PASSWORD, Browser


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def test_two_factor_setup_login_recovery_and_disable(gateway) -> None:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    browser = Browser(gateway)
    assert browser.call("POST", "/auth/register", json={
        "email": email, "password": PASSWORD, "name": "Ada"}).status_code == 202
    token = browser.login(email).json()["access_token"]

    setup = browser.call("POST", "/auth/2fa/setup", bearer=token)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/Career%20Tools:")
    enabled = browser.call("POST", "/auth/2fa/enable", bearer=token,
                           json={"code": _code(secret)})
    assert enabled.status_code == 200, enabled.text
    recovery = enabled.json()["recovery_codes"]
    assert len(recovery) == 10
    assert browser.call("GET", "/auth/me", bearer=token).json()["two_factor_enabled"]

    # The password alone is no longer enough: no tokens, no cookies.
    second = Browser(gateway)
    first_step = second.login(email)
    assert first_step.status_code == 200, first_step.text
    assert first_step.json()["two_factor_required"] is True
    assert "access_token" not in first_step.json() and not second.cookies
    wrong = second.call("POST", "/auth/2fa/login", json={
        "two_factor_token": first_step.json()["two_factor_token"], "code": "12345x"})
    assert wrong.status_code == 401
    done = second.call("POST", "/auth/2fa/login", json={
        "two_factor_token": first_step.json()["two_factor_token"], "code": _code(secret, 1)})
    assert done.status_code == 200, done.text
    assert {"refresh_token", "csrf_token"} <= set(second.cookies)
    me = second.call("GET", "/auth/me", bearer=done.json()["access_token"])
    assert me.status_code == 200 and me.json()["email"] == email

    # A recovery code works once.
    third = Browser(gateway)
    step = third.login(email).json()["two_factor_token"]
    by_recovery = third.call("POST", "/auth/2fa/login",
                             json={"two_factor_token": step, "recovery_code": recovery[0]})
    assert by_recovery.status_code == 200, by_recovery.text
    step = third.login(email).json()["two_factor_token"]
    again = third.call("POST", "/auth/2fa/login",
                       json={"two_factor_token": step, "recovery_code": recovery[0]})
    assert again.status_code == 401

    # Disabling needs the password and a code (the next TOTP step is spent: a recovery code).
    no_password = browser.call("POST", "/auth/2fa/disable", bearer=token,
                               json={"password": "wrong password", "code": recovery[1]})
    assert no_password.status_code == 403
    disabled = browser.call("POST", "/auth/2fa/disable", bearer=token,
                            json={"password": PASSWORD, "code": recovery[1]})
    assert disabled.status_code == 204, disabled.text
    plain = Browser(gateway).login(email)
    assert plain.status_code == 200 and plain.json()["access_token"]
