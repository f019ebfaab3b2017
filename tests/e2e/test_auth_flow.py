"""Identity through the gateway only, as the SPA does it: register, sign in, call a protected
route, refresh (rotation), reuse of a spent refresh token (the session ends), sign out (the
access token is refused at once); forged tokens; one user cannot touch another's sessions;
ending a session from another browser refuses its access token at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

PASSWORD = "correct horse battery staple"


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def test_register_login_refresh_reuse_logout(gateway, new_browser) -> None:
    browser = new_browser()
    email = _email()
    login = browser.sign_up_and_in(email.upper())  # e-mails are case-insensitive
    assert login["user"]["email"].lower() == email  # later logins use the lower-case form
    assert login["refresh_token"] is None  # it is in the httpOnly cookie
    assert set(browser.cookies) == {"refresh_token", "csrf_token"}

    me = browser.call("GET", "/auth/me", bearer=browser.access_token)
    assert me.status_code == 200, me.text
    assert me.json()["email"].lower() == email and me.json()["tier"] == "free"
    assert browser.call("GET", "/auth/me").status_code == 401  # no token

    # Refresh needs the CSRF double submit when the refresh token comes from the cookie.
    forged = browser.call("POST", "/auth/refresh")
    assert forged.status_code == 403
    assert forged.json()["type"] == "csrf-token-mismatch"

    first_refresh_token = browser.cookies["refresh_token"]
    refreshed = browser.call("POST", "/auth/refresh", csrf=True)
    assert refreshed.status_code == 200, refreshed.text
    assert browser.cookies["refresh_token"] != first_refresh_token  # rotated
    new_access = refreshed.json()["access_token"]
    assert browser.call("GET", "/auth/me", bearer=new_access).status_code == 200

    # The spent refresh token again: the whole session family is revoked.
    reuse = browser.call("POST", "/auth/refresh", json={"refresh_token": first_refresh_token})
    assert reuse.status_code == 401
    after_reuse = browser.call("POST", "/auth/refresh", csrf=True)
    assert after_reuse.status_code == 401  # the rotated token died with its family

    # A new session, then sign out: the access token is refused at once.
    login = browser.call("POST", "/auth/login", json={"email": email, "password": PASSWORD})
    access = login.json()["access_token"]
    assert browser.call("POST", "/auth/logout", bearer=access, csrf=True).status_code == 204
    refused = browser.call("GET", "/auth/me", bearer=access)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "revoked" in refused.json()["detail"]


def test_wrong_password_and_bad_sign_ups_are_problems(gateway, new_browser) -> None:
    browser = new_browser()
    email = _email()
    browser.sign_up_and_in(email)
    wrong = browser.call("POST", "/auth/login", json={"email": email, "password": "nope-nope"})
    assert wrong.status_code == 401
    weak = browser.call("POST", "/auth/register",
                        json={"email": _email(), "password": "password", "name": "Ada"})
    assert weak.status_code == 400
    # Registration is limited to 3 an hour per address: this one comes from elsewhere.
    invalid = new_browser().call("POST", "/auth/register", content=b'{"email": ', headers={
        "Content-Type": "application/json"})
    assert invalid.status_code in (400, 422)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_forged_tokens_are_refused(gateway, new_browser) -> None:
    browser = new_browser()
    browser.sign_up_and_in(_email())
    header_b64, claims_b64, _ = browser.access_token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))

    none_token = f"{_b64(json.dumps({'alg': 'none', 'kid': header['kid']}).encode())}" \
                 f".{claims_b64}."
    jwks = gateway.get("/.well-known/jwks.json").json()
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public_pem = RSAAlgorithm.from_jwk(json.dumps(jwk)).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    hs_input = f"{_b64(json.dumps({'alg': 'HS256', 'kid': header['kid']}).encode())}" \
               f".{claims_b64}"
    signature = hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest()
    hs_token = f"{hs_input}.{_b64(signature)}"
    tampered_claims = json.loads(base64.urlsafe_b64decode(claims_b64 + "=="))
    tampered_claims["tier"] = "admin"
    tampered = f"{header_b64}.{_b64(json.dumps(tampered_claims).encode())}." \
               f"{browser.access_token.split('.')[2]}"
    for token in (none_token, hs_token, tampered, "garbage"):
        response = browser.call("GET", "/auth/me", bearer=token)
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_user_cannot_see_or_end_another_users_sessions(gateway, new_browser) -> None:
    alice, bob = new_browser(), new_browser()
    alice.sign_up_and_in(_email())
    bob.sign_up_and_in(_email())
    alice_sessions = alice.call("GET", "/auth/sessions", bearer=alice.access_token).json()
    bob_sessions = bob.call("GET", "/auth/sessions", bearer=bob.access_token).json()
    assert len(alice_sessions) == 1 and len(bob_sessions) == 1
    assert alice_sessions[0]["id"] != bob_sessions[0]["id"]
    attempt = bob.call("DELETE", f"/auth/sessions/{alice_sessions[0]['id']}",
                       bearer=bob.access_token)
    assert attempt.status_code == 404
    assert alice.call("POST", "/auth/refresh", csrf=True).status_code == 200


def test_ending_a_session_from_another_browser_refuses_its_access_token_at_once(
        gateway, new_browser) -> None:
    laptop, phone = new_browser(), new_browser()
    email = _email()
    laptop_session = laptop.sign_up_and_in(email)["session_id"]
    response = phone.call("POST", "/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    phone.access_token, phone_session = (response.json()["access_token"],
                                         response.json()["session_id"])
    assert phone.call("GET", "/auth/me", bearer=phone.access_token).status_code == 200
    listed = laptop.call("GET", "/auth/sessions", bearer=laptop.access_token).json()
    assert {s["id"] for s in listed} == {laptop_session, phone_session}

    ended = laptop.call("DELETE", f"/auth/sessions/{phone_session}", bearer=laptop.access_token)
    assert ended.status_code == 204, ended.text
    # The phone's access token has most of its 15 minutes left, and is refused now.
    refused = phone.call("GET", "/auth/me", bearer=phone.access_token)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "revoked" in refused.json()["detail"]
    assert phone.call("POST", "/auth/refresh", csrf=True).status_code == 401
    # The laptop, the same user in another session, goes on.
    assert laptop.call("GET", "/auth/me", bearer=laptop.access_token).status_code == 200
    listed = laptop.call("GET", "/auth/sessions", bearer=laptop.access_token).json()
    assert [s["id"] for s in listed] == [laptop_session]


def _two_sessions(new_browser) -> tuple:
    """One user signed in from two browsers."""
    laptop, phone = new_browser(), new_browser()
    email = _email()
    laptop.sign_up_and_in(email)
    response = phone.call("POST", "/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    phone.access_token = response.json()["access_token"]
    return email, laptop, phone


def test_logout_everywhere_ends_every_access_token_at_once(gateway, new_browser) -> None:
    email, laptop, phone = _two_sessions(new_browser)
    assert phone.call("GET", "/auth/me", bearer=phone.access_token).status_code == 200

    out = laptop.call("POST", "/auth/logout-all", bearer=laptop.access_token)
    assert out.status_code == 200 and out.json()["revoked_sessions"] == 2
    # The phone's access token has most of its 15 minutes left, and is refused now.
    refused = phone.call("GET", "/auth/me", bearer=phone.access_token)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert phone.call("POST", "/auth/refresh", csrf=True).status_code == 401
    assert laptop.call("GET", "/auth/me", bearer=laptop.access_token).status_code == 401

    # Signing in again at once (likely within the same second) works.
    again = laptop.call("POST", "/auth/login", json={"email": email, "password": PASSWORD})
    assert laptop.call("GET", "/auth/me",
                       bearer=again.json()["access_token"]).status_code == 200


def test_change_password_keeps_the_calling_session_and_ends_the_others(gateway,
                                                                      new_browser) -> None:
    _, laptop, phone = _two_sessions(new_browser)
    old_access = laptop.access_token
    changed = laptop.call("POST", "/auth/change-password", bearer=old_access, json={
        "current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["revoked_sessions"] == 1 and body["access_token"] != old_access

    # This browser goes on with the new access token and its refresh cookie.
    assert laptop.call("GET", "/auth/me", bearer=body["access_token"]).status_code == 200
    assert laptop.call("GET", "/auth/me", bearer=old_access).status_code == 401
    refreshed = laptop.call("POST", "/auth/refresh", csrf=True)
    assert refreshed.status_code == 200, refreshed.text
    assert laptop.call("GET", "/auth/me",
                       bearer=refreshed.json()["access_token"]).status_code == 200
    # The other browser is out, access token included.
    assert phone.call("GET", "/auth/me", bearer=phone.access_token).status_code == 401
    assert phone.call("POST", "/auth/refresh", csrf=True).status_code == 401


def test_a_csrf_pair_chosen_by_someone_else_does_not_pass(new_browser) -> None:
    """The double-submit token is bound to the session: a cookie and header an attacker set
    to the same value of their choosing (e.g. through a sibling subdomain) are refused."""
    browser = new_browser()
    browser.sign_up_and_in(f"csrf-{uuid.uuid4().hex[:8]}@example.com")
    genuine = browser.cookies["csrf_token"]
    browser.cookies["csrf_token"] = "attacker-chosen-value"
    forged = browser.call("POST", "/auth/refresh", csrf=True)  # header == cookie, both forged
    assert forged.status_code == 403
    assert forged.json()["type"] == "csrf-token-mismatch"
    # Another session's genuine token is no good either.
    other = new_browser()
    other.sign_up_and_in(f"csrf-{uuid.uuid4().hex[:8]}@example.com")
    browser.cookies["csrf_token"] = other.cookies["csrf_token"]
    assert browser.call("POST", "/auth/refresh", csrf=True).status_code == 403
    browser.cookies["csrf_token"] = genuine
    refreshed = browser.call("POST", "/auth/refresh", csrf=True)
    assert refreshed.status_code == 200, refreshed.text
    assert browser.cookies["csrf_token"] != genuine  # a new one with the rotated token


def test_signing_up_with_a_taken_address_answers_as_for_a_new_one(new_browser, inbox) -> None:
    """Whether an address has an account never shows (as with forgot-password): the same
    status and body, and the owner is told by e-mail instead of the caller."""
    taken, fresh = _email(), _email()
    owner = new_browser()
    owner.sign_up_and_in(taken)
    answers = [new_browser().call("POST", "/auth/register",
                                  json={"email": address, "password": PASSWORD, "name": "Eve"})
               for address in (taken.upper(), fresh)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["verification_required"] is True
    mails = inbox(taken, count=3)  # welcome, verification, then the notice
    notice = next(m for m in mails if m["subject"] == "You already have a Career Tools account")
    assert "/forgot-password" in notice["text"]
    # The owner's account is untouched; the newcomer's exists.
    assert owner.call("GET", "/auth/me", bearer=owner.access_token).json()["name"] == "Ada"
    assert new_browser().call("POST", "/auth/login", json={
        "email": fresh, "password": PASSWORD}).status_code == 200


def test_a_user_reads_their_own_security_activity_a_page_at_a_time(gateway,
                                                                   new_browser) -> None:
    browser, other = new_browser(), new_browser()
    email = _email()
    browser.sign_up_and_in(email)
    assert browser.login(email, "not the password").status_code == 401
    assert browser.login(email).status_code == 200
    other.sign_up_and_in(_email())

    first = browser.call("GET", "/auth/security-events?page_size=2",
                         bearer=browser.access_token)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [e["kind"] for e in page["events"]] == ["login_succeeded", "login_failed"]
    rest = browser.call("GET", f"/auth/security-events?page_token={page['next_page_token']}",
                        bearer=browser.access_token).json()
    assert [e["kind"] for e in rest["events"]] == ["login_succeeded"]
    assert rest["next_page_token"] is None
    theirs = other.call("GET", "/auth/security-events", bearer=other.access_token).json()
    assert len(theirs["events"]) == 1
    assert browser.call("GET", "/auth/security-events").status_code == 401
    bad = browser.call("GET", "/auth/security-events?page_token=nope",
                       bearer=browser.access_token)
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
