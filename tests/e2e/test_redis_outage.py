"""The platform with its Redis stopped or paused by the test: the gateway answers 503
problem+json with Retry-After and every usual header (never a 500), still refuses the tokens
whose revocation it cannot check, refuses the sensitive rate-limited actions (fail closed) and
lets the general API budget through (counted); no pod stops being ready for it; and all of it
recovers when Redis is back.

A platform of its own (its own Redis; PostgreSQL and NATS are the session's), since the
session's Redis is shared by every other test.
"""

from __future__ import annotations

import re
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.servers import RedisServer
from devstack.stack import SERVICES, Stack, StackPorts

from .conftest import PASSWORD, Browser

# Headers every gateway answer carries (middleware.SECURITY_HEADERS and the request id).
EVERY_ANSWER = ("x-request-id", "content-security-policy", "strict-transport-security",
                "x-content-type-options", "x-frame-options", "referrer-policy")


class Outage:
    """The platform and the Redis the test stops, pauses and brings back."""

    def __init__(self, stack: Stack, redis: RedisServer) -> None:
        self.stack = stack
        self.redis = redis

    def stop_redis(self) -> None:
        self.redis.stop()

    def start_redis(self) -> None:
        self.redis.start()  # same port and data folder

    def pause_redis(self) -> None:
        """Redis still accepts connections but never answers (a hung server)."""
        assert self.redis.process is not None
        self.redis.process.send_signal(signal.SIGSTOP)

    def resume_redis(self) -> None:
        assert self.redis.process is not None
        self.redis.process.send_signal(signal.SIGCONT)


@pytest.fixture(scope="module")
def outage(infra) -> Iterator[Outage]:
    root = Path(tempfile.mkdtemp(prefix="career-redis-outage-"))
    redis = RedisServer(root / "redis")
    redis.start()
    platform = Stack(infra.postgres_url, infra.nats_url, redis.url, ports=StackPorts.free(),
                     log_dir=root / "logs", db_prefix="e2eredis_", events_namespace="e2eredis",
                     redis_key_prefix="e2eredis:", environment="test")
    try:
        platform.start(timeout=90)
        yield Outage(platform, redis)
    finally:
        platform.stop()
        platform.drop_databases()
        if redis.process is not None:
            redis.process.send_signal(signal.SIGCONT)  # a stopped process ignores SIGTERM
        redis.stop()


@pytest.fixture
def http(outage: Outage) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=outage.stack.gateway_url, timeout=20) as client:
        yield client


@pytest.fixture
def ops(outage: Outage) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=outage.stack.gateway_metrics_url, timeout=20) as client:
        yield client


@pytest.fixture
def redis_down(outage: Outage) -> Iterator[None]:
    outage.stop_redis()
    try:
        yield
    finally:
        outage.start_redis()


def _is_unavailable_problem(response: httpx.Response, path: str) -> dict:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    for header in EVERY_ANSWER:
        assert response.headers.get(header), (header, dict(response.headers))
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == 503 and body["instance"] == path
    assert body["type"] == "dependency-unavailable"
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def _signed_in(http: httpx.Client, email: str) -> str:
    browser = Browser(http)
    browser.sign_up_and_in(email)
    assert browser.access_token is not None
    return browser.access_token


def _metric(ops: httpx.Client, rule: str, outcome: str) -> float:
    pattern = (rf'^gateway_rate_limit_unavailable_total\{{outcome="{outcome}",rule="{rule}"\}}'
               r" (\S+)$")
    match = re.search(pattern, ops.get("/metrics").text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_signed_in_requests_get_503_while_redis_is_down_and_work_again_after(
    outage: Outage, http: httpx.Client,
) -> None:
    token = _signed_in(http, "outage-me@example.com")
    assert http.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    outage.stop_redis()
    try:
        # Fail closed: the token may have been revoked, so it is not honoured — nor called
        # invalid (a 401 would make the SPA throw away a token that may be fine).
        answer = http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        _is_unavailable_problem(answer, "/auth/me")
    finally:
        outage.start_redis()
    deadline = time.monotonic() + 15
    while (answer := http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
           ).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer.status_code == 200, answer.text
    assert answer.json()["email"] == "outage-me@example.com"


def test_a_hung_redis_gives_503_within_the_socket_timeout(
    outage: Outage, http: httpx.Client,
) -> None:
    token = _signed_in(http, "outage-hung@example.com")
    outage.pause_redis()
    try:
        started = time.monotonic()
        answer = http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        elapsed = time.monotonic() - started
    finally:
        outage.resume_redis()
    _is_unavailable_problem(answer, "/auth/me")
    assert elapsed < 10, elapsed  # the gateway's Redis socket timeout, not the client's


def test_sensitive_rate_limits_fail_closed_while_redis_is_down(
    outage: Outage, http: httpx.Client, ops: httpx.Client, redis_down: None,
) -> None:
    before = _metric(ops, "login", "refused")
    ip = {"X-Forwarded-For": "10.99.0.7"}
    answers = [http.post("/auth/login", headers=ip,
                         json={"email": "nobody@example.com", "password": "wrong password!"})
               for _ in range(7)]
    for answer in answers:
        _is_unavailable_problem(answer, "/auth/login")
    assert _metric(ops, "login", "refused") == before + 7
    for path, body in [
        ("/auth/register", {"email": "x-outage@example.com", "password": PASSWORD}),
        ("/auth/forgot-password", {"email": "x-outage@example.com"}),
        ("/auth/resend-verification", {"email": "x-outage@example.com"}),
        ("/auth/2fa/login", {"two_factor_token": "t" * 32, "code": "123456"}),
    ]:
        _is_unavailable_problem(http.post(path, headers=ip, json=body), path)


def test_the_general_api_budget_fails_open_and_is_counted(
    outage: Outage, http: httpx.Client, ops: httpx.Client, redis_down: None,
) -> None:
    before = _metric(ops, "api", "let_through")
    answer = http.get("/api/plans", headers={"X-Forwarded-For": "10.99.0.8"})
    assert answer.status_code == 200, answer.text
    assert {plan["plan"] for plan in answer.json()} == {"free", "pro", "premium"}
    assert "ratelimit-limit" not in answer.headers  # nothing was counted
    assert _metric(ops, "api", "let_through") == before + 1


def test_no_pod_stops_being_ready_because_redis_is_down(
    outage: Outage, ops: httpx.Client, redis_down: None,
) -> None:
    # The gateway stays in service (degraded), and so does every service: their own
    # readiness requires only their database.
    response = ops.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"] != "ok"
    assert {name: body["checks"][name] for name in SERVICES} == dict.fromkeys(SERVICES, "ok")
    for name in SERVICES:
        ports = outage.stack.ports.services[name]
        own = httpx.get(f"http://127.0.0.1:{ports.http}/readyz", timeout=10)
        assert own.status_code == 200, (name, own.text)
        assert own.json()["status"] == "degraded", (name, own.json())
        assert own.json()["checks"]["database"] == "ok"
        assert own.json()["checks"]["redis"] != "ok"
