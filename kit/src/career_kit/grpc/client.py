"""gRPC clients: channels that carry the request context, a deadline, and safe retries.

`create_channel(target, secret, idempotent=[...])` returns a grpc.aio channel whose calls
- send the correlation id, the caller's identity and the internal token as metadata,
- time out at the caller's remaining deadline or `default_timeout`, whichever is sooner,
- are retried on UNAVAILABLE by gRPC itself, but only for methods named idempotent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import grpc

from career_kit import context
from career_kit.metrics import GRPC_CLIENT_HANDLED, GRPC_CLIENT_LATENCY, split_grpc_method

HEALTH_SERVICE = "grpc.health.v1.Health"


def _service_config(idempotent: Iterable[str]) -> str:
    """gRPC service config with a retry policy for the given 'pkg.Service' or 'pkg.Service/M'."""
    names = []
    for item in idempotent:
        service, _, method = item.partition("/")
        names.append({"service": service, **({"method": method} if method else {})})
    if not names:
        return json.dumps({})
    return json.dumps({
        "methodConfig": [{
            "name": names,
            "retryPolicy": {
                "maxAttempts": 4,
                "initialBackoff": "0.05s",
                "maxBackoff": "1s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }]
    })


def outgoing_metadata(internal_secret: str) -> list[tuple[str, str]]:
    """Metadata that carries the current request context to the next service."""
    metadata = [
        (context.CORRELATION_ID_KEY, context.current_correlation_id()),
        (context.INTERNAL_TOKEN_KEY, internal_secret),
    ]
    who = context.caller.get()
    if who is not None:
        metadata += [
            (context.CALLER_USER_ID_KEY, who.user_id),
            (context.CALLER_TIER_KEY, who.tier),
            (context.CALLER_ROLES_KEY, ",".join(who.roles)),
        ]
    return metadata


class _ContextClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor,
                                grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, internal_secret: str, default_timeout: float) -> None:
        self._secret = internal_secret
        self._default_timeout = default_timeout

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        timeout = details.timeout if details.timeout is not None else self._default_timeout
        remaining = context.time_remaining()
        if remaining is not None:
            timeout = min(timeout, remaining)
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        for key, value in outgoing_metadata(self._secret):
            if key not in metadata:
                metadata.add(key, value)
        return grpc.aio.ClientCallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready)

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        service, name = split_grpc_method(method)
        started = time.perf_counter()
        code = "OK"
        try:
            call = await continuation(self._details(details), request)
            await call  # surface the status here so it is counted
            return call
        except grpc.aio.AioRpcError as exc:
            code = exc.code().name
            raise
        finally:
            GRPC_CLIENT_HANDLED.labels(service, name, code).inc()
            GRPC_CLIENT_LATENCY.labels(service, name).observe(time.perf_counter() - started)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


def create_channel(
    target: str,
    internal_secret: str,
    *,
    idempotent: Iterable[str] = (),
    default_timeout: float = 5.0,
) -> grpc.aio.Channel:
    """An insecure (in-cluster) channel to `target` with the platform's client behaviour."""
    options = [
        ("grpc.enable_retries", 1),
        ("grpc.service_config", _service_config([HEALTH_SERVICE, *idempotent])),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_permit_without_calls", 0),
        # After a peer restarts, reconnect within seconds instead of gRPC's 120 s backoff cap.
        ("grpc.initial_reconnect_backoff_ms", 200),
        ("grpc.max_reconnect_backoff_ms", 5_000),
    ]
    return grpc.aio.insecure_channel(
        target, options=options,
        interceptors=[_ContextClientInterceptor(internal_secret, default_timeout)],
    )
