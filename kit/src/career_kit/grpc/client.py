"""gRPC clients: channels that carry the request context, a deadline, and safe retries.

`create_channel(target, secret, idempotent=[...])` returns a channel (`Channel`) whose calls
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


class Channel:
    """A grpc.aio channel whose calls carry the request context (module docstring).

    Generated stubs only ask a channel for multi-callables (`unary_unary(...)` and the like);
    each one this returns sets the metadata and timeout of every call, and counts and times
    unary calls. It wraps the callables rather than using a grpc.aio client interceptor, which
    builds an intercepted call object and a task around every call (they stood out in the
    gateway's profile). Everything else is the grpc.aio channel's own.
    """

    def __init__(self, channel: grpc.aio.Channel, internal_secret: str,
                 default_timeout: float) -> None:
        self._channel = channel
        self._secret = internal_secret
        self._default_timeout = default_timeout

    def unary_unary(self, method: str, request_serializer: Any = None,
                    response_deserializer: Any = None, **kwargs: Any) -> _UnaryUnary:
        return _UnaryUnary(self, method, self._channel.unary_unary(
            method, request_serializer, response_deserializer, **kwargs))

    def unary_stream(self, method: str, request_serializer: Any = None,
                     response_deserializer: Any = None, **kwargs: Any) -> _Streaming:
        return _Streaming(self, self._channel.unary_stream(
            method, request_serializer, response_deserializer, **kwargs))

    def stream_unary(self, method: str, request_serializer: Any = None,
                     response_deserializer: Any = None, **kwargs: Any) -> _Streaming:
        return _Streaming(self, self._channel.stream_unary(
            method, request_serializer, response_deserializer, **kwargs))

    def stream_stream(self, method: str, request_serializer: Any = None,
                      response_deserializer: Any = None, **kwargs: Any) -> _Streaming:
        return _Streaming(self, self._channel.stream_stream(
            method, request_serializer, response_deserializer, **kwargs))

    def call_options(self, timeout: float | None, metadata: Any) -> tuple[float, list]:
        """The timeout (the caller's, capped by the remaining deadline) and the metadata (the
        caller's, plus the request context where the caller did not set it) of one call."""
        if timeout is None:
            timeout = self._default_timeout
        remaining = context.time_remaining()
        if remaining is not None:
            timeout = min(timeout, remaining)
        given = list(metadata or ())
        taken = {key for key, _ in given}
        given += [(key, value) for key, value in outgoing_metadata(self._secret)
                  if key not in taken]
        return timeout, given

    async def close(self, grace: float | None = None) -> None:
        await self._channel.close(grace)

    def __getattr__(self, name: str) -> Any:  # get_state, channel_ready, ...
        return getattr(self._channel, name)

    async def __aenter__(self) -> Channel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class _UnaryUnary:
    def __init__(self, channel: Channel, method: str, inner: Any) -> None:
        self._channel = channel
        self._inner = inner
        self._service, self._name = split_grpc_method(method)
        self._latency = GRPC_CLIENT_LATENCY.labels(self._service, self._name)

    async def __call__(self, request: Any, *, timeout: float | None = None,  # noqa: ASYNC109 (gRPC's own)
                       metadata: Any = None, **kwargs: Any) -> Any:
        timeout, metadata = self._channel.call_options(timeout, metadata)
        started = time.perf_counter()
        code = "OK"
        try:
            return await self._inner(request, timeout=timeout, metadata=metadata, **kwargs)
        except grpc.aio.AioRpcError as exc:
            code = exc.code().name
            raise
        finally:
            GRPC_CLIENT_HANDLED.labels(self._service, self._name, code).inc()
            self._latency.observe(time.perf_counter() - started)


class _Streaming:
    def __init__(self, channel: Channel, inner: Any) -> None:
        self._channel = channel
        self._inner = inner

    def __call__(self, *args: Any, timeout: float | None = None, metadata: Any = None,
                 **kwargs: Any) -> Any:
        timeout, metadata = self._channel.call_options(timeout, metadata)
        return self._inner(*args, timeout=timeout, metadata=metadata, **kwargs)


def create_channel(
    target: str,
    internal_secret: str,
    *,
    idempotent: Iterable[str] = (),
    default_timeout: float = 5.0,
) -> Channel:
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
    return Channel(grpc.aio.insecure_channel(target, options=options), internal_secret,
                   default_timeout)
