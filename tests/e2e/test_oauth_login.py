"""Sign-in with Google, LinkedIn, X and Facebook through the gateway, the way a browser does it:
start (302 to the provider) -> the provider's redirect back -> the callback signs in. The
providers are devstack's fake identity provider; this module runs its own platform whose auth
service points at it (the session's shared stack knows no providers)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from devstack.fakes.identity import FakeIdentityProvider
from devstack.stack import Stack, StackPorts

PROVIDERS = ("google", "linkedin", "x", "facebook")


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider() as fake:
        yield fake


@pytest.fixture(scope="module")
def oauth_stack(infra, idp: FakeIdentityProvider) -> Iterator[Stack]:
    ports = StackPorts.free()
    gateway_url = f"http://127.0.0.1:{ports.gateway}"
    env = {"AUTH_OAUTH_REDIRECT_BASE_URL": gateway_url}
    for provider in PROVIDERS:
        idp.register_client(provider, f"{provider}-app", f"{provider}-secret",
                            [f"{gateway_url}/auth/oauth/{provider}/callback"])
        env[f"AUTH_{provider.upper()}_CLIENT_ID"] = f"{provider}-app"
        env[f"AUTH_{provider.upper()}_CLIENT_SECRET"] = f"{provider}-secret"
    env["AUTH_GOOGLE_DISCOVERY_URL"] = idp.endpoints("google")["discovery"]
    env["AUTH_LINKEDIN_DISCOVERY_URL"] = idp.endpoints("linkedin")["discovery"]
    for provider in ("x", "facebook"):
        endpoints = idp.endpoints(provider)
        env[f"AUTH_{provider.upper()}_AUTHORIZATION_URL"] = endpoints["authorization_endpoint"]
        env[f"AUTH_{provider.upper()}_TOKEN_URL"] = endpoints["token_endpoint"]
        env[f"AUTH_{provider.upper()}_USERINFO_URL"] = endpoints["userinfo_endpoint"]
    logs = Path(tempfile.mkdtemp(prefix="career-e2e-oauth-logs-"))
    platform = Stack(infra.postgres_url, infra.nats_url, infra.redis_url, ports=ports,
                     log_dir=logs, db_prefix="e2e_oauth_", events_namespace="e2eoauth",
                     redis_key_prefix="e2e-oauth:", environment="test", extra_env=env)
    assert platform.gateway_url == gateway_url
    try:
        platform.start(timeout=90)
        yield platform
    finally:
        platform.stop()
        platform.drop_databases()


@pytest.fixture
def gateway(oauth_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=oauth_stack.gateway_url, timeout=10) as client:
        yield client


class Browser:
    """Keeps cookies like a browser (httpx sends no Secure cookies over http) from its own
    address (the gateway rate-limits per IP)."""

    def __init__(self, gateway: httpx.Client) -> None:
        self.http = gateway
        self.cookies: dict[str, str] = {}
        n = uuid.uuid4().int
        self.ip = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def call(self, method: str, url: str, *, bearer: str | None = None,
             **kwargs) -> httpx.Response:
        headers = {"X-Forwarded-For": self.ip, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        response = self.http.request(method, url, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def to_provider_and_back(self, provider: str) -> str:
        """Start at the gateway, let the provider answer; the callback URL it redirects to."""
        start = self.call("GET", f"/auth/oauth/{provider}/start")
        assert start.status_code == 302, start.text
        assert "oauth_state" in self.cookies
        at_provider = httpx.get(start.headers["location"])  # the provider's consent page
        assert at_provider.status_code == 302, at_provider.text
        callback = at_provider.headers["location"].split("#")[0]
        assert urlsplit(callback).path == f"/auth/oauth/{provider}/callback"
        return callback

    def sign_in_with(self, provider: str) -> httpx.Response:
        callback = urlsplit(self.to_provider_and_back(provider))
        return self.call("GET", f"{callback.path}?{callback.query}")


def _sub() -> str:
    return str(uuid.uuid4().int)[:18]


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_sign_in_with_provider(gateway, idp, provider) -> None:
    email = _email()
    idp.add_user(provider, sub=_sub(), email=email, name="Grace Hopper")
    browser = Browser(gateway)
    response = browser.sign_in_with(provider)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["email"] == email and body["user"]["email_verified"]
    assert {"refresh_token", "csrf_token"} <= set(browser.cookies)
    assert "oauth_state" not in browser.cookies
    me = browser.call("GET", "/auth/me", bearer=body["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["id"] == body["user"]["id"] and me.json()["name"] == "Grace Hopper"
    identities = browser.call("GET", "/auth/identities", bearer=body["access_token"]).json()
    assert [i["provider"] for i in identities] == [provider]


def test_forged_state_is_rejected(gateway, idp) -> None:
    idp.add_user("google", sub=_sub(), email=_email())
    browser = Browser(gateway)
    callback = urlsplit(browser.to_provider_and_back("google"))
    code = dict(p.split("=", 1) for p in callback.query.split("&"))["code"]
    # A state this browser did not start: refused by the gateway.
    forged = browser.call("GET", callback.path, params={"state": "forged", "code": code})
    assert forged.status_code == 400
    assert forged.headers["content-type"].startswith("application/problem+json")
    # Even with a matching cookie, auth knows no such state.
    browser.cookies["oauth_state"] = "forged"
    unknown = browser.call("GET", callback.path, params={"state": "forged", "code": code})
    assert unknown.status_code == 401, unknown.text


def test_state_works_once(gateway, idp) -> None:
    idp.add_user("linkedin", sub=_sub(), email=_email())
    browser = Browser(gateway)
    callback = urlsplit(browser.to_provider_and_back("linkedin"))
    state = browser.cookies["oauth_state"]
    assert browser.call("GET", f"{callback.path}?{callback.query}").status_code == 200
    browser.cookies["oauth_state"] = state
    replay = browser.call("GET", f"{callback.path}?{callback.query}")
    assert replay.status_code == 401


def test_same_verified_email_links_providers(gateway, idp) -> None:
    email = _email()
    idp.add_user("google", sub=_sub(), email=email)
    first = Browser(gateway).sign_in_with("google").json()
    idp.add_user("linkedin", sub=_sub(), email=email)
    browser = Browser(gateway)
    second = browser.sign_in_with("linkedin")
    assert second.status_code == 200, second.text
    assert second.json()["user"]["id"] == first["user"]["id"]
    identities = browser.call("GET", "/auth/identities",
                              bearer=second.json()["access_token"]).json()
    assert sorted(i["provider"] for i in identities) == ["google", "linkedin"]


def test_unverified_provider_email_of_an_existing_account_is_refused(gateway, idp) -> None:
    email = _email()
    idp.add_user("google", sub=_sub(), email=email)
    assert Browser(gateway).sign_in_with("google").status_code == 200
    idp.add_user("linkedin", sub=_sub(), email=email, email_verified=False)
    refused = Browser(gateway).sign_in_with("linkedin")
    assert refused.status_code == 412, refused.text
    assert "not verified" in refused.json()["detail"]


def test_unlink_needs_another_way_to_sign_in(gateway, idp) -> None:
    email = _email()
    idp.add_user("x", sub=_sub(), email=email)
    browser = Browser(gateway)
    token = browser.sign_in_with("x").json()["access_token"]
    last = browser.call("DELETE", "/auth/identities/x", bearer=token)
    assert last.status_code == 412, last.text
    idp.add_user("facebook", sub=_sub(), email=email)
    assert Browser(gateway).sign_in_with("facebook").status_code == 200
    assert browser.call("DELETE", "/auth/identities/x", bearer=token).status_code == 204
    identities = browser.call("GET", "/auth/identities", bearer=token).json()
    assert [i["provider"] for i in identities] == ["facebook"]


def test_unknown_provider_is_404(gateway) -> None:
    response = Browser(gateway).call("GET", "/auth/oauth/myspace/start")
    assert response.status_code == 404
