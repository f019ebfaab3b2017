"""The e-mails accounts need, read from the local SMTP catcher as a person reads their inbox:
the verification link confirms the address; forgot/reset password works once."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlparse

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another long passphrase 2"


def _link_token(message: dict, path: str) -> str:
    link = re.search(r"https?://\S+" + re.escape(path) + r"\?token=[\w\-.~%]+", message["text"])
    assert link, message["text"]
    return parse_qs(urlparse(link.group(0)).query)["token"][0]


def _email() -> str:
    return f"mail-{uuid.uuid4().hex[:10]}@example.com"


def test_welcome_and_verification_emails_confirm_the_address(new_browser, inbox) -> None:
    browser = new_browser()
    email = _email()
    browser.sign_up_and_in(email)
    assert browser.call("GET", "/auth/me", bearer=browser.access_token).json()[
        "email_verified"] is False

    messages = inbox(email, count=2)
    verify = next(m for m in messages if "/verify-email" in (m["text"] or ""))
    assert any(m is not verify for m in messages)  # the welcome e-mail too
    token = _link_token(verify, "/verify-email")
    assert verify["html"] and "verify-email" in verify["html"]

    confirmed = browser.call("POST", "/auth/verify-email", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert browser.call("GET", "/auth/me", bearer=browser.access_token).json()[
        "email_verified"] is True
    again = browser.call("POST", "/auth/verify-email", json={"token": token})
    assert again.status_code in (400, 412)
    assert again.headers["content-type"].startswith("application/problem+json")


def test_forgot_and_reset_password_by_email_works_once(new_browser, inbox) -> None:
    browser = new_browser()
    email = _email()
    browser.sign_up_and_in(email)
    unknown = new_browser().call("POST", "/auth/forgot-password",
                                 json={"email": _email()})
    known = new_browser().call("POST", "/auth/forgot-password", json={"email": email})
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())

    reset_mail = next(m for m in inbox(email, count=3)
                      if "/reset-password" in (m["text"] or ""))
    token = _link_token(reset_mail, "/reset-password")
    reset = new_browser().call("POST", "/auth/reset-password",
                               json={"token": token, "password": NEW_PASSWORD})
    assert reset.status_code == 204, reset.text
    replay = new_browser().call("POST", "/auth/reset-password",
                                json={"token": token, "password": "yet another passphrase"})
    assert replay.status_code in (400, 412)

    # The old session ended with the reset, its access token too; the new password signs in,
    # the old one does not.
    assert browser.call("POST", "/auth/refresh", csrf=True).status_code == 401
    assert browser.call("GET", "/auth/me", bearer=browser.access_token).status_code == 401
    fresh = new_browser()
    assert fresh.call("POST", "/auth/login",
                      json={"email": email, "password": PASSWORD}).status_code == 401
    assert fresh.call("POST", "/auth/login",
                      json={"email": email, "password": NEW_PASSWORD}).status_code == 200


def test_reset_mail_is_limited_to_three_an_hour_per_address(new_browser, inbox) -> None:
    """Per address, whether it has an account or not (a 429 must not tell), and from any
    client address: each request comes from another browser here."""
    browser = new_browser()
    known = _email()
    browser.sign_up_and_in(known)
    unknown = _email()
    for email in (known, unknown):
        answers = [new_browser().call("POST", "/auth/forgot-password", json={"email": email})
                   for _ in range(4)]
        assert [a.status_code for a in answers] == [202, 202, 202, 429]
        assert answers[2].headers["ratelimit-remaining"] == "0"
        refused = answers[3]
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"] == "rate-limit-exceeded"
        assert 0 < int(refused.headers["retry-after"]) <= 3600
    # Exactly three reset mails reached the account's owner (besides welcome and verify).
    resets = [m for m in inbox(known, count=5) if "/reset-password" in (m["text"] or "")]
    assert len(resets) == 3
