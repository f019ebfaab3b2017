"""The whole platform as real processes (seven services + gateway), started once per session
through the same Stack that `make run` uses. Tests talk to the gateway over HTTP only (its
public port as the SPA does; its ops port for metrics and readiness). Its auth service signs
in with devstack's fake identity provider (Google, LinkedIn, X, Facebook) and sends browsers
back to a static page standing where the SPA is served."""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from devstack.fakes.identity import FakeIdentityProvider
from devstack.servers import free_port
from devstack.stack import Stack, StackPorts

PROVIDERS = ("google", "linkedin", "x", "facebook")
# argon2id at its lowest cost (auth's production cost would be most of the suite's CPU time).
CHEAP_HASHING = {"AUTH_PASSWORD_HASH_TIME_COST": "1", "AUTH_PASSWORD_HASH_MEMORY_KIB": "64"}


class StaticSpa:
    """Stands where the SPA is served (GATEWAY_SPA_BASE_URL): answers every path with the same
    page, as a single-page app's static host does, and remembers the paths browsers loaded."""

    def __init__(self) -> None:
        self.loaded: list[str] = []
        loaded = self.loaded

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                loaded.append(self.path)
                body = b"<!doctype html><title>Career Tools</title><div id=app></div>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StaticSpa:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider() as fake:
        yield fake


@pytest.fixture(scope="session")
def spa() -> Iterator[StaticSpa]:
    with StaticSpa() as page:
        yield page


def oauth_env(idp: FakeIdentityProvider, gateway_url: str, spa: StaticSpa) -> dict[str, str]:
    """Settings pointing auth at the fake identity provider (one client per provider,
    registered with the gateway's callback) and the gateway at the static SPA."""
    env = {"AUTH_OAUTH_REDIRECT_BASE_URL": gateway_url, "GATEWAY_SPA_BASE_URL": spa.url}
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
    return env


@pytest.fixture(scope="session")
def stack(infra, idp: FakeIdentityProvider, spa: StaticSpa) -> Iterator[Stack]:
    logs = Path(tempfile.mkdtemp(prefix="career-e2e-logs-"))
    ports = StackPorts.free()
    gateway_url = f"http://127.0.0.1:{ports.gateway}"
    platform = Stack(infra.postgres_url, infra.nats_url, infra.redis_url,
                     ports=ports, log_dir=logs, db_prefix="e2e_",
                     events_namespace="e2e", redis_key_prefix="e2e:", environment="test",
                     extra_env={**oauth_env(idp, gateway_url, spa), **CHEAP_HASHING,
                                # A provider that hangs times out in seconds, not a minute;
                                # the outage tests must not open the breaker for the rest.
                                "CV_AI_TIMEOUT_SECONDS": "2",
                                "CV_AI_BREAKER_FAILURES": "1000"})
    assert platform.gateway_url == gateway_url
    try:
        platform.start(timeout=90)
        yield platform
    finally:
        platform.stop()
        platform.drop_databases()


@pytest.fixture
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as client:
        yield client


@pytest.fixture
def gateway_ops(stack: Stack) -> Iterator[httpx.Client]:
    """The gateway's ops port (/metrics, /readyz): what Prometheus and the kubelet reach, and
    the SPA cannot (the Ingress never routes to it)."""
    with httpx.Client(base_url=stack.gateway_metrics_url, timeout=10) as client:
        yield client


PASSWORD = "correct horse battery staple"


class Browser:
    """A client from its own address that keeps the session cookies the way a browser would
    (httpx will not send Secure cookies over plain http, so they are handled here)."""

    def __init__(self, gateway: httpx.Client) -> None:
        self.http = gateway
        self.cookies: dict[str, str] = {}
        n = uuid.uuid4().int
        self.ip = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        self.access_token: str | None = None

    def call(self, method: str, path: str, *, bearer: str | None = None, csrf: bool = False,
             **kwargs) -> httpx.Response:
        headers = {"X-Forwarded-For": self.ip, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if csrf:
            headers["X-CSRF-Token"] = self.cookies.get("csrf_token", "")
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        response = self.http.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return self.call("POST", "/auth/login", json={"email": email, "password": password})

    def sign_up_and_in(self, email: str) -> dict:
        assert self.call("POST", "/auth/register",
                         json={"email": email, "password": PASSWORD, "name": "Ada"}
                         ).status_code == 202
        response = self.login(email)
        assert response.status_code == 200, response.text
        self.access_token = response.json()["access_token"]
        return response.json()



@pytest.fixture
def new_browser(gateway: httpx.Client) -> Callable[[], Browser]:
    """Makes browsers: each from its own address, with its own cookies."""
    return lambda: Browser(gateway)


@pytest.fixture
def inbox(stack: Stack) -> Callable[..., list[dict]]:
    """Reads the local SMTP catcher over HTTP, as a developer would; waits for mail to arrive."""
    import time

    assert stack.mail_catcher is not None, "the stack runs without its local mail catcher"

    def read(to: str, *, count: int = 1, within: float = 30.0) -> list[dict]:
        deadline = time.monotonic() + within
        messages: list[dict] = []
        while time.monotonic() < deadline:
            messages = httpx.get(f"{stack.mail_catcher.http_url}/messages",
                                 params={"to": to}, timeout=5).json()["messages"]
            if len(messages) >= count:
                return messages
            time.sleep(0.2)
        raise AssertionError(f"{len(messages)} of {count} e-mails to {to} arrived: {messages}")

    return read
