"""Sign-in with Google, LinkedIn, X and Facebook through the gateway, the way a browser does it:
start (302 to the provider) -> the provider's redirect back -> the callback signs in and sends
the browser on (303) to the SPA's /oauth/complete -> the SPA gets its access token from
/auth/refresh with the cookie. The providers are devstack's fake identity provider and the SPA a
static page server, both started with the session's platform, whose auth service points at the
fake (tests/e2e/conftest.py)."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

import httpx
import pyotp
import pytest

from .conftest import PROVIDERS, StaticSpa
from .conftest import Browser as BaseBrowser


class Browser(BaseBrowser):
    """The e2e browser (cookies, its own address) that also follows redirects to the SPA."""

    def __init__(self, gateway: httpx.Client, spa: StaticSpa) -> None:
        super().__init__(gateway)
        self.spa = spa

    def to_provider_and_back(self, provider: str, start: httpx.Response | None = None) -> str:
        """Start at the gateway (or follow `start`'s authorization URL), let the provider
        answer; the callback URL it redirects to."""
        if start is None:
            start = self.call("GET", f"/auth/oauth/{provider}/start")
            assert start.status_code == 302, start.text
            authorization_url = start.headers["location"]
        else:
            authorization_url = start.json()["authorization_url"]
        assert "oauth_state" in self.cookies
        at_provider = httpx.get(authorization_url)  # the provider's consent page
        assert at_provider.status_code == 302, at_provider.text
        callback = at_provider.headers["location"].split("#")[0]
        assert urlsplit(callback).path == f"/auth/oauth/{provider}/callback"
        return callback

    def back_from_provider(self, callback_url: str, **kwargs) -> httpx.Response:
        callback = urlsplit(callback_url)
        return self.call("GET", f"{callback.path}?{callback.query}", **kwargs)

    def land_in_spa(self, response: httpx.Response) -> dict[str, str]:
        """Follow the callback's redirect to the SPA; the query the SPA reads."""
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        assert location.startswith(f"{self.spa.url}/oauth/complete?"), location
        # Nothing secret in the URL: history, logs and Referer headers keep URLs.
        for name in ("refresh_token", "two_factor_token"):
            if name in self.cookies:
                assert self.cookies[name] not in location
        page = httpx.get(location)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        return dict(parse_qsl(urlsplit(location).query))

    def sign_in_with(self, provider: str) -> dict[str, str]:
        """The whole round trip; the SPA's query."""
        return self.land_in_spa(self.back_from_provider(self.to_provider_and_back(provider)))

    def refreshed_access_token(self) -> str:
        """What the SPA does on /oauth/complete: trade the refresh cookie for an access token."""
        refreshed = self.call("POST", "/auth/refresh",
                              headers={"X-CSRF-Token": self.cookies.get("csrf_token", "")})
        assert refreshed.status_code == 200, refreshed.text
        return refreshed.json()["access_token"]


@pytest.fixture
def new_browser(gateway: httpx.Client, spa: StaticSpa):
    """Makes browsers: each from its own address, with its own cookies."""
    return lambda: Browser(gateway, spa)


def _sub() -> str:
    return str(uuid.uuid4().int)[:18]


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def _set_cookies(response: httpx.Response) -> dict[str, dict[str, object]]:
    """Attributes of each cookie the response sets."""
    attributes = {}
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            attributes[name] = {"path": morsel["path"], "httponly": bool(morsel["httponly"]),
                                "secure": bool(morsel["secure"]),
                                "samesite": morsel["samesite"].lower()}
    return attributes


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_sign_in_with_provider(new_browser, idp, spa, provider) -> None:
    email = _email()
    idp.add_user(provider, sub=_sub(), email=email, name="Grace Hopper")
    browser = new_browser()
    callback = browser.back_from_provider(browser.to_provider_and_back(provider))
    # The session cookies exactly as POST /auth/login sets them.
    cookies = _set_cookies(callback)
    assert cookies["refresh_token"] == {"path": "/auth", "httponly": True, "secure": True,
                                        "samesite": "strict"}
    assert cookies["csrf_token"] == {"path": "/", "httponly": False, "secure": True,
                                     "samesite": "strict"}
    assert browser.land_in_spa(callback) == {"provider": provider}
    assert f"/oauth/complete?provider={provider}" in spa.loaded
    assert {"refresh_token", "csrf_token"} <= set(browser.cookies)
    assert "oauth_state" not in browser.cookies
    token = browser.refreshed_access_token()
    me = browser.call("GET", "/auth/me", bearer=token)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email and me.json()["email_verified"]
    assert me.json()["name"] == "Grace Hopper"
    identities = browser.call("GET", "/auth/identities", bearer=token).json()
    assert [i["provider"] for i in identities] == [provider]


def test_a_client_asking_for_json_gets_the_sign_in_as_json(new_browser, idp) -> None:
    email = _email()
    idp.add_user("google", sub=_sub(), email=email)
    browser = new_browser()
    response = browser.back_from_provider(browser.to_provider_and_back("google"),
                                          headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == email and response.json()["access_token"]
    assert response.json()["refresh_token"] is None  # it is in the cookie
    assert {"refresh_token", "csrf_token"} <= set(browser.cookies)


def test_forged_state_is_rejected(new_browser, idp) -> None:
    idp.add_user("google", sub=_sub(), email=_email())
    browser = new_browser()
    callback = urlsplit(browser.to_provider_and_back("google"))
    code = dict(parse_qsl(callback.query))["code"]
    # A state this browser did not start: refused by the gateway, and the browser's own round
    # trip is left alone.
    forged = browser.call("GET", callback.path, params={"state": "forged", "code": code})
    assert browser.land_in_spa(forged) == {"provider": "google",
                                           "error": "oauth-state-mismatch"}
    assert "oauth_state" in browser.cookies and "refresh_token" not in browser.cookies
    as_json = browser.call("GET", callback.path, params={"state": "forged", "code": code},
                           headers={"Accept": "application/json"})
    assert as_json.status_code == 400
    assert as_json.headers["content-type"].startswith("application/problem+json")
    # Even with a matching cookie, auth knows no such state.
    browser.cookies["oauth_state"] = "forged"
    unknown = browser.call("GET", callback.path, params={"state": "forged", "code": code})
    assert browser.land_in_spa(unknown) == {"provider": "google",
                                            "error": "invalid-oauth-state"}
    assert "refresh_token" not in browser.cookies


def test_state_works_once(new_browser, idp) -> None:
    idp.add_user("linkedin", sub=_sub(), email=_email())
    browser = new_browser()
    callback = browser.to_provider_and_back("linkedin")
    state = browser.cookies["oauth_state"]
    assert browser.land_in_spa(browser.back_from_provider(callback)) == {
        "provider": "linkedin"}
    browser.cookies["oauth_state"] = state
    replay = browser.back_from_provider(callback, headers={"Accept": "application/json"})
    assert replay.status_code == 401


def test_denied_consent_lands_in_the_spa_with_an_error(new_browser, idp) -> None:
    idp.add_user("facebook", sub=_sub(), email=_email())
    idp.deny_next("facebook")
    browser = new_browser()
    landing = browser.sign_in_with("facebook")
    assert landing == {"provider": "facebook", "error": "oauth-denied"}
    assert not {"refresh_token", "csrf_token", "oauth_state"} & set(browser.cookies)


def test_same_verified_email_links_providers(new_browser, idp) -> None:
    email = _email()
    idp.add_user("google", sub=_sub(), email=email)
    first = new_browser()
    first.sign_in_with("google")
    first_id = first.call("GET", "/auth/me", bearer=first.refreshed_access_token()).json()["id"]
    idp.add_user("linkedin", sub=_sub(), email=email)
    browser = new_browser()
    assert browser.sign_in_with("linkedin") == {"provider": "linkedin"}
    token = browser.refreshed_access_token()
    assert browser.call("GET", "/auth/me", bearer=token).json()["id"] == first_id
    identities = browser.call("GET", "/auth/identities", bearer=token).json()
    assert sorted(i["provider"] for i in identities) == ["google", "linkedin"]


def test_linking_a_provider_lands_in_the_spa_as_linked(new_browser, idp) -> None:
    idp.add_user("google", sub=_sub(), email=_email())
    browser = new_browser()
    browser.sign_in_with("google")
    token = browser.refreshed_access_token()
    refresh_cookie = browser.cookies["refresh_token"]
    idp.add_user("x", sub=_sub(), email=_email())  # another address: linking needs none
    start = browser.call("POST", "/auth/oauth/x/link", bearer=token)
    assert start.status_code == 200, start.text
    landing = browser.land_in_spa(browser.back_from_provider(
        browser.to_provider_and_back("x", start)))
    assert landing == {"provider": "x", "linked": "1"}
    assert browser.cookies["refresh_token"] == refresh_cookie  # the session is unchanged
    identities = browser.call("GET", "/auth/identities", bearer=token).json()
    assert sorted(i["provider"] for i in identities) == ["google", "x"]


def test_a_two_factor_user_lands_on_the_second_step(new_browser, idp) -> None:
    sub = _sub()
    idp.add_user("google", sub=sub, email=_email())
    owner = new_browser()
    owner.sign_in_with("google")
    token = owner.refreshed_access_token()
    secret = owner.call("POST", "/auth/2fa/setup", bearer=token).json()["secret"]
    assert owner.call("POST", "/auth/2fa/enable", bearer=token,
                      json={"code": _code(secret)}).status_code == 200

    browser = new_browser()
    idp.next_login("google", sub)
    callback = browser.back_from_provider(browser.to_provider_and_back("google"))
    assert _set_cookies(callback)["two_factor_token"] == {
        "path": "/auth/2fa/login", "httponly": True, "secure": True, "samesite": "strict"}
    assert browser.land_in_spa(callback) == {"provider": "google", "two_factor": "1"}
    # No session yet: only the second step's token, in a cookie the SPA cannot read.
    assert "refresh_token" not in browser.cookies and "two_factor_token" in browser.cookies
    assert browser.call("POST", "/auth/refresh").status_code == 401
    done = browser.call("POST", "/auth/2fa/login", json={"code": _code(secret, 1)})
    assert done.status_code == 200, done.text
    assert "two_factor_token" not in browser.cookies
    assert {"refresh_token", "csrf_token"} <= set(browser.cookies)
    me = browser.call("GET", "/auth/me", bearer=browser.refreshed_access_token())
    assert me.status_code == 200 and me.json()["two_factor_enabled"]


def test_unverified_provider_email_of_an_existing_account_is_refused(new_browser, idp) -> None:
    email = _email()
    idp.add_user("google", sub=_sub(), email=email)
    assert new_browser().sign_in_with("google") == {"provider": "google"}
    idp.add_user("linkedin", sub=_sub(), email=email, email_verified=False)
    browser = new_browser()
    assert browser.sign_in_with("linkedin") == {"provider": "linkedin",
                                                "error": "oauth-email-unverified"}
    assert "refresh_token" not in browser.cookies


def test_unlink_needs_another_way_to_sign_in(new_browser, idp) -> None:
    email = _email()
    idp.add_user("x", sub=_sub(), email=email)
    browser = new_browser()
    browser.sign_in_with("x")
    token = browser.refreshed_access_token()
    last = browser.call("DELETE", "/auth/identities/x", bearer=token)
    assert last.status_code == 412, last.text
    idp.add_user("facebook", sub=_sub(), email=email)
    assert new_browser().sign_in_with("facebook") == {"provider": "facebook"}
    assert browser.call("DELETE", "/auth/identities/x", bearer=token).status_code == 204
    identities = browser.call("GET", "/auth/identities", bearer=token).json()
    assert [i["provider"] for i in identities] == ["facebook"]


def test_unknown_provider_is_404(new_browser) -> None:
    response = new_browser().call("GET", "/auth/oauth/myspace/start")
    assert response.status_code == 404


def test_a_provider_user_sets_a_password_and_signs_in_with_it(new_browser, idp) -> None:
    email = _email()
    idp.add_user("google", sub=_sub(), email=email)
    browser = new_browser()
    browser.sign_in_with("google")
    token = browser.refreshed_access_token()
    # There is no current password to give: the recent sign-in stands in for it.
    changed = browser.call("POST", "/auth/change-password", bearer=token,
                           json={"new_password": "a password of my own"})
    assert changed.status_code == 200, changed.text
    assert browser.call("GET", "/auth/me",
                        bearer=changed.json()["access_token"]).status_code == 200
    login = new_browser().call("POST", "/auth/login",
                               json={"email": email, "password": "a password of my own"})
    assert login.status_code == 200, login.text


def test_a_provider_user_deletes_the_account_without_a_password(new_browser, idp) -> None:
    idp.add_user("x", sub=_sub(), email=_email())
    browser = new_browser()
    browser.sign_in_with("x")
    token = browser.refreshed_access_token()
    wrong = browser.call("DELETE", "/auth/me", bearer=token, json={"password": "guess"})
    assert wrong.status_code == 400
    deleted = browser.call("DELETE", "/auth/me", bearer=token)
    assert deleted.status_code == 204, deleted.text
    assert browser.call("GET", "/auth/me", bearer=token).status_code == 401


def test_a_linkedin_export_is_completed_from_the_linkedin_sign_in(new_browser, idp) -> None:
    """The export may lack the profile (a partial archive): the CV takes the name and picture
    LinkedIn's OpenID Connect sign-in gave."""
    picture = "https://media.licdn.example/dms/image/grace.jpg"
    idp.add_user("linkedin", sub=_sub(), email=_email(), name="Grace Hopper", picture=picture)
    browser = new_browser()
    browser.sign_in_with("linkedin")
    token = browser.refreshed_access_token()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Positions.csv", "Company Name,Title,Description,Location,Started On,"
                                    "Finished On\nUS Navy,Rear Admiral,,Arlington,Jan 2019,\n")

    imported = browser.call("POST", "/cvs/import/linkedin", bearer=token,
                            content=archive.getvalue())

    assert imported.status_code == 201, imported.text
    basics = imported.json()["content"]["basics"]
    assert (basics["name"], basics["image"]) == ("Grace Hopper", picture)
    assert imported.json()["content"]["work"][0]["name"] == "US Navy"
