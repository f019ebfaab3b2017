"""Server interceptors, outermost first: request context, observability, error mapping.

`RequestContextInterceptor` restores what the caller sent in metadata (correlation id, the
caller's identity, the deadline). Every call except health and reflection must carry the
internal token that only the gateway and the services hold, so a pod that reaches a service
port directly cannot call it, let alone impersonate a user (Kubernetes also blocks that path
with a NetworkPolicy).
"""

from __future__ import annotations

import hmac
import logging
import time
from abc import abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from grpc.aio import ServicerContext

from career_kit import context
from career_kit.errors import PROBLEM_TYPE_KEY, RETRY_AFTER_KEY, DomainError, Unavailable
from career_kit.metrics import GRPC_SERVER_HANDLED, GRPC_SERVER_LATENCY, split_grpc_method

log = logging.getLogger("career_kit.grpc")

Behaviour = Callable[[Any, ServicerContext], Any]
# Health and reflection are called by probes and tools that never carry identity.
_UNAUTHENTICATED_OK = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def _wrap(handler: grpc.RpcMethodHandler, around: Callable[..., Any]) -> grpc.RpcMethodHandler:
    """Rebuild `handler` with each behaviour passed through `around(behaviour, streaming)`."""
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            around(handler.unary_unary, False), handler.request_deserializer,
            handler.response_serializer)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            around(handler.unary_stream, True), handler.request_deserializer,
            handler.response_serializer)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            around(handler.stream_unary, False), handler.request_deserializer,
            handler.response_serializer)
    return grpc.stream_stream_rpc_method_handler(
        around(handler.stream_stream, True), handler.request_deserializer,
        handler.response_serializer)


class _Interceptor(grpc.aio.ServerInterceptor):
    """Base: subclasses implement `around(behaviour, method, streaming)`."""

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        return _wrap(handler, lambda behaviour, streaming: self.around(behaviour, method,
                                                                        streaming))

    @abstractmethod
    def around(self, behaviour: Behaviour, method: str, streaming: bool) -> Behaviour:
        """Return `behaviour` wrapped with this interceptor's concern."""


def _metadata(ctx: ServicerContext) -> dict[str, str]:
    return {k: v for k, v in (ctx.invocation_metadata() or ()) if isinstance(v, str)}


class RequestContextInterceptor(_Interceptor):
    """Sets correlation id, caller and deadline context variables for the call."""

    def __init__(self, internal_secret: str) -> None:
        self._secret = internal_secret.encode()

    def _bind(self, ctx: ServicerContext, method: str) -> list[tuple[Any, Any]]:
        md = _metadata(ctx)
        incoming = md.get(context.CORRELATION_ID_KEY)
        cid = incoming if context.valid_correlation_id(incoming) else context.new_correlation_id()
        tokens = [(context.correlation_id, context.correlation_id.set(cid))]
        remaining = ctx.time_remaining()
        tokens.append((context.deadline, context.deadline.set(
            None if remaining is None else time.monotonic() + remaining)))
        if not method.startswith(_UNAUTHENTICATED_OK):
            presented = md.get(context.INTERNAL_TOKEN_KEY, "").encode()
            if not hmac.compare_digest(presented, self._secret):
                raise _Refused("missing or invalid internal token")
        user_id = md.get(context.CALLER_USER_ID_KEY)
        who = None
        if user_id:
            roles = tuple(r for r in md.get(context.CALLER_ROLES_KEY, "").split(",") if r)
            who = context.Caller(user_id=user_id, tier=md.get(context.CALLER_TIER_KEY, "free"),
                                 roles=roles)
        tokens.append((context.caller, context.caller.set(who)))
        return tokens

    def around(self, behaviour: Behaviour, method: str, streaming: bool) -> Behaviour:
        if streaming:
            async def stream(request: Any, ctx: ServicerContext) -> AsyncIterator[Any]:
                tokens = await self._bind_or_abort(ctx, method)
                try:
                    async for item in behaviour(request, ctx):
                        yield item
                finally:
                    _reset(tokens)
            return stream

        async def unary(request: Any, ctx: ServicerContext) -> Any:
            tokens = await self._bind_or_abort(ctx, method)
            try:
                return await behaviour(request, ctx)
            finally:
                _reset(tokens)
        return unary

    async def _bind_or_abort(self, ctx: ServicerContext, method: str) -> list[tuple[Any, Any]]:
        try:
            return self._bind(ctx, method)
        except _Refused as exc:
            log.warning("refused call", extra={"grpc_method": method, "reason": str(exc)})
            await ctx.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
            raise  # unreachable: abort raises


class _Refused(Exception):
    pass


def _reset(tokens: list[tuple[Any, Any]]) -> None:
    for var, token in reversed(tokens):
        var.reset(token)


class ObservabilityInterceptor(_Interceptor):
    """Counts, times and logs every call with its final status code."""

    def around(self, behaviour: Behaviour, method: str, streaming: bool) -> Behaviour:
        service, name = split_grpc_method(method)

        def finish(ctx: ServicerContext, started: float, error: BaseException | None) -> None:
            code = ctx.code()
            if code is None:
                code = grpc.StatusCode.OK if error is None else grpc.StatusCode.UNKNOWN
            code_name = code.name if isinstance(code, grpc.StatusCode) else str(code)
            elapsed = time.perf_counter() - started
            GRPC_SERVER_HANDLED.labels(service, name, code_name).inc()
            GRPC_SERVER_LATENCY.labels(service, name).observe(elapsed)
            if not method.startswith(_UNAUTHENTICATED_OK):
                log.info("grpc call", extra={"grpc_method": method, "grpc_code": code_name,
                                             "duration_ms": round(elapsed * 1000, 2)})

        if streaming:
            async def stream(request: Any, ctx: ServicerContext) -> AsyncIterator[Any]:
                started, error = time.perf_counter(), None
                try:
                    async for item in behaviour(request, ctx):
                        yield item
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    finish(ctx, started, error)
            return stream

        async def unary(request: Any, ctx: ServicerContext) -> Any:
            started, error = time.perf_counter(), None
            try:
                return await behaviour(request, ctx)
            except BaseException as exc:
                error = exc
                raise
            finally:
                finish(ctx, started, error)
        return unary


class ErrorInterceptor(_Interceptor):
    """Turns DomainError into its status; hides anything else behind INTERNAL (and logs it)."""

    def around(self, behaviour: Behaviour, method: str, streaming: bool) -> Behaviour:
        if streaming:
            async def stream(request: Any, ctx: ServicerContext) -> AsyncIterator[Any]:
                try:
                    async for item in behaviour(request, ctx):
                        yield item
                except Exception as exc:
                    await _abort_for(exc, ctx, method)
            return stream

        async def unary(request: Any, ctx: ServicerContext) -> Any:
            try:
                return await behaviour(request, ctx)
            except Exception as exc:
                await _abort_for(exc, ctx, method)
        return unary


async def _abort_for(exc: Exception, ctx: ServicerContext, method: str) -> None:
    if isinstance(exc, grpc.aio.AbortError):
        raise exc
    if isinstance(exc, DomainError):
        trailing = [(PROBLEM_TYPE_KEY, exc.problem_type)]
        if isinstance(exc, Unavailable):
            trailing.append((RETRY_AFTER_KEY, str(exc.retry_after_seconds)))
        await ctx.abort(exc.status, exc.detail, trailing_metadata=tuple(trailing))
    log.exception("unhandled error in gRPC method", extra={"grpc_method": method})
    await ctx.abort(grpc.StatusCode.INTERNAL, "internal error")


def server_interceptors(internal_secret: str) -> list[grpc.aio.ServerInterceptor]:
    """The platform's interceptor chain, outermost first."""
    return [RequestContextInterceptor(internal_secret), ObservabilityInterceptor(),
            ErrorInterceptor()]
