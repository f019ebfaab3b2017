"""Security events the gateway observes, reported to the auth service, which stores each one
and publishes it as `security.<kind>` (RecordSecurityEvent in proto/career/auth/v1/auth.proto).
Today that is `rate_limit_exceeded`, from ratelimit.py.

A report must never slow down or fail the answer that caused it: each one is a background task
(at most `max_pending` in flight; beyond that a report is dropped and counted), with a short
deadline of its own, and a failure is only logged and counted. A client hammering a limited
route must not become a flood of events either: per (rule, key) at most one report per window of
the rule, decided by a `SET NX EX` in Redis so that every gateway replica shares the decision.
Outcomes are counted in `gateway_security_event_reports_total{kind, outcome}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from typing import Protocol

import grpc
import redis.asyncio as aioredis
from prometheus_client import Counter
from redis.exceptions import RedisError

from career.auth.v1 import auth_pb2
from career_kit import context

log = logging.getLogger("gateway.security_events")

RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"

# recorded | duplicate (already reported this window) | dropped (too many in flight) | failed
REPORTS = Counter("gateway_security_event_reports_total",
                  "Security events the gateway reported to auth, by outcome",
                  ["kind", "outcome"])


class RecordsSecurityEvents(Protocol):
    """The part of auth's stub the reporter uses (a test may pass its own)."""

    def RecordSecurityEvent(self, request: auth_pb2.RecordSecurityEventRequest, *,
                            timeout: float | None = None) -> object: ...


class SecurityEventReporter:
    """Fire-and-forget reports of security events to the auth service."""

    def __init__(self, auth: RecordsSecurityEvents, redis: aioredis.Redis, *,
                 key_prefix: str = "", timeout_seconds: float = 2.0,
                 max_pending: int = 100) -> None:
        self.auth = auth
        self.redis = redis
        self.key_prefix = key_prefix
        self.timeout_seconds = timeout_seconds
        self.max_pending = max_pending
        # Strong references: the event loop keeps only weak ones to running tasks.
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Reports still in flight."""
        return len(self._pending)

    def rate_limit_exceeded(self, *, rule: str, key_kind: str, key: str, limit: int,
                            window_seconds: int, method: str, path: str, client_ip: str,
                            user_id: str = "") -> None:
        """Report a 429 of `rule` for `key` (an address or a user id), unless it was already
        reported in this window. Returns at once."""
        request = auth_pb2.RecordSecurityEventRequest(
            kind=RATE_LIMIT_EXCEEDED, user_id=user_id, ip=_ip_or_empty(client_ip),
            rate_limit_exceeded=auth_pb2.RateLimitExceeded(
                rule=rule, key_kind=key_kind, path=path, method=method, limit=limit,
                window_seconds=window_seconds))
        once_key = f"{self.key_prefix}security-report:{RATE_LIMIT_EXCEEDED}:{rule}:{key_kind}:{key}"
        self._start(request, once_key, window_seconds)

    def _start(self, request: auth_pb2.RecordSecurityEventRequest, once_key: str,
               once_seconds: int) -> None:
        if len(self._pending) >= self.max_pending:
            REPORTS.labels(request.kind, "dropped").inc()
            return
        task = asyncio.create_task(self._report(request, once_key, once_seconds))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _report(self, request: auth_pb2.RecordSecurityEventRequest, once_key: str,
                      once_seconds: int) -> None:
        # The task runs in a copy of the request's context: keep its correlation id (logs and
        # auth's trace), but not its caller, since the gateway reports in its own name, naming
        # the user in the request, nor any deadline, since it has its own.
        context.caller.set(None)
        context.deadline.set(None)
        kind = request.kind
        extra = {"security_event": kind, "once_key": once_key}
        try:
            first = await self.redis.set(once_key, b"1", nx=True, ex=max(1, once_seconds))
        except (RedisError, OSError):
            # Without the shared marker every replica would report every refusal: skip.
            REPORTS.labels(kind, "failed").inc()
            log.warning("security event not reported: Redis unavailable", extra=extra,
                        exc_info=True)
            return
        if not first:
            REPORTS.labels(kind, "duplicate").inc()
            return
        try:
            await self.auth.RecordSecurityEvent(request, timeout=self.timeout_seconds)
        except Exception as exc:
            REPORTS.labels(kind, "failed").inc()
            code = exc.code().name if isinstance(exc, grpc.aio.AioRpcError) else None
            log.warning("security event not recorded by auth", extra={
                **extra, "grpc_code": code, "error": type(exc).__name__})
            # Let the next refusal in this window try again.
            with contextlib.suppress(RedisError, OSError):
                await self.redis.delete(once_key)
            return
        REPORTS.labels(kind, "recorded").inc()

    async def close(self, grace_seconds: float | None = None) -> None:
        """Give reports in flight up to `grace_seconds` (default: their deadline) to finish,
        then cancel the rest; call before the auth channel closes."""
        if not self._pending:
            return
        grace = self.timeout_seconds if grace_seconds is None else grace_seconds
        _, unfinished = await asyncio.wait(set(self._pending), timeout=grace)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)


def _ip_or_empty(value: str) -> str:
    """The client address, or "" when the server had none (auth accepts only addresses)."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return ""
