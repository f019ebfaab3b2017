"""An exceeded rate limit is reported to auth as a security event: once per rule, key and
window, in the background, so that neither a slow nor a failing auth service changes the 429."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

import grpc
import redis.asyncio as aioredis

from career.auth.v1 import auth_pb2, auth_pb2_grpc
from devstack.servers import free_port
from gateway.security_events import REPORTS, SecurityEventReporter


class RecordingAuth:
    """Stands in for auth's stub: records reports, optionally failing or waiting first."""

    def __init__(self) -> None:
        self.requests: list[auth_pb2.RecordSecurityEventRequest] = []
        self.failures = 0
        self.release: asyncio.Event | None = None

    def RecordSecurityEvent(self, request: auth_pb2.RecordSecurityEventRequest, *,
                            timeout: float | None = None) -> Awaitable[None]:
        # Like a gRPC stub: the call returns an awaitable.
        return self._record(request)

    async def _record(self, request: auth_pb2.RecordSecurityEventRequest) -> None:
        if self.release is not None:
            await self.release.wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("auth is down")
        self.requests.append(request)


def _report(reporter: SecurityEventReporter, key: str = "192.0.2.10", **overrides) -> None:
    values = {"rule": "login", "key_kind": "ip", "key": key, "limit": 5,
              "window_seconds": 900, "method": "POST", "path": "/auth/login",
              "client_ip": key, **overrides}
    reporter.rate_limit_exceeded(**values)


async def _drained(reporter: SecurityEventReporter) -> None:
    for _ in range(200):
        if not reporter.pending:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{reporter.pending} report(s) still pending")


def _count(outcome: str) -> float:
    return REPORTS.labels("rate_limit_exceeded", outcome)._value.get()


async def test_repeated_refusals_in_one_window_are_reported_once(infra, redis_key_prefix) -> None:
    redis = aioredis.from_url(infra.redis_url)
    auth = RecordingAuth()
    reporter = SecurityEventReporter(auth, redis, key_prefix=redis_key_prefix)
    duplicates = _count("duplicate")
    for _ in range(3):
        _report(reporter)
        await _drained(reporter)
    _report(reporter, key="192.0.2.11")  # another address has its own episode
    await _drained(reporter)
    _report(reporter, rule="api", key_kind="user", key="u-1", client_ip="192.0.2.10",
            user_id="u-1", limit=100, window_seconds=3600, method="GET", path="/api/cvs")
    await _drained(reporter)
    ttl = await redis.ttl(f"{redis_key_prefix}security-report:rate_limit_exceeded:login:ip:"
                          "192.0.2.10")
    await redis.aclose()

    assert [(r.ip, r.rate_limit_exceeded.rule) for r in auth.requests] == [
        ("192.0.2.10", "login"), ("192.0.2.11", "login"), ("192.0.2.10", "api")]
    first, _, by_user = auth.requests
    assert first.kind == "rate_limit_exceeded" and first.user_id == ""
    assert (first.rate_limit_exceeded.key_kind, first.rate_limit_exceeded.path,
            first.rate_limit_exceeded.method, first.rate_limit_exceeded.limit,
            first.rate_limit_exceeded.window_seconds) == ("ip", "/auth/login", "POST", 5, 900)
    assert by_user.user_id == "u-1" and by_user.rate_limit_exceeded.key_kind == "user"
    assert _count("duplicate") == duplicates + 2
    assert 890 < ttl <= 900  # the marker lasts one window of the rule


async def test_reports_beyond_the_bound_are_dropped_and_counted(infra, redis_key_prefix) -> None:
    redis = aioredis.from_url(infra.redis_url)
    auth = RecordingAuth()
    auth.release = asyncio.Event()
    reporter = SecurityEventReporter(auth, redis, key_prefix=redis_key_prefix, max_pending=2)
    dropped = _count("dropped")
    for n in range(5):
        _report(reporter, key=f"192.0.2.{n}")
    assert reporter.pending == 2
    assert _count("dropped") == dropped + 3
    auth.release.set()
    await _drained(reporter)
    await redis.aclose()
    assert sorted(r.ip for r in auth.requests) == ["192.0.2.0", "192.0.2.1"]


async def test_a_failed_report_lets_the_next_refusal_try_again(infra, redis_key_prefix) -> None:
    redis = aioredis.from_url(infra.redis_url)
    auth = RecordingAuth()
    auth.failures = 1
    reporter = SecurityEventReporter(auth, redis, key_prefix=redis_key_prefix)
    failed = _count("failed")
    _report(reporter)
    await _drained(reporter)
    assert auth.requests == [] and _count("failed") == failed + 1
    _report(reporter)
    await _drained(reporter)
    await redis.aclose()
    assert len(auth.requests) == 1


async def test_close_cancels_reports_that_outlive_the_grace(infra, redis_key_prefix) -> None:
    redis = aioredis.from_url(infra.redis_url)
    auth = RecordingAuth()
    auth.release = asyncio.Event()  # never set: auth hangs
    reporter = SecurityEventReporter(auth, redis, key_prefix=redis_key_prefix)
    _report(reporter)
    started = time.monotonic()
    await reporter.close(grace_seconds=0.2)
    await redis.aclose()
    assert reporter.pending == 0 and time.monotonic() - started < 2


class SlowAuth(auth_pb2_grpc.AuthServiceServicer):
    """An auth service whose RecordSecurityEvent outlasts the gateway's deadline."""

    def __init__(self) -> None:
        self.received: list[auth_pb2.RecordSecurityEventRequest] = []

    async def RecordSecurityEvent(self, request, context):
        self.received.append(request)
        await asyncio.sleep(5)
        return auth_pb2.RecordSecurityEventResponse()


async def test_a_slow_auth_service_neither_delays_nor_changes_the_429(
        fleet, start_gateway, settings, redis_key_prefix) -> None:
    slow = SlowAuth()
    server = grpc.aio.server()
    auth_pb2_grpc.add_AuthServiceServicer_to_server(slow, server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    platform = settings.platform.model_copy(update={"redis_key_prefix": redis_key_prefix})
    headers = {"X-Forwarded-For": "198.51.100.23"}
    try:
        async with start_gateway(fleet, auth_grpc_target=f"127.0.0.1:{port}",
                                 platform=platform) as client:
            for _ in range(5):
                assert (await client.post("/auth/login", json={}, headers=headers)
                        ).status_code != 429
            timings = []
            for _ in range(3):
                started = time.monotonic()
                refused = await client.post("/auth/login", json={}, headers=headers)
                timings.append(time.monotonic() - started)
                assert refused.status_code == 429
                assert refused.json()["type"] == "rate-limit-exceeded"
            for _ in range(100):
                if slow.received:
                    break
                await asyncio.sleep(0.02)
    finally:
        await server.stop(None)
    assert max(timings) < 1.0, timings  # auth takes 5 s; the gateway's deadline is 2 s
    [report] = slow.received  # three refusals, one report
    assert report.kind == "rate_limit_exceeded" and report.ip == "198.51.100.23"
    assert (report.rate_limit_exceeded.rule, report.rate_limit_exceeded.path,
            report.rate_limit_exceeded.method) == ("login", "/auth/login", "POST")
    assert report.user_id == ""  # an anonymous client
