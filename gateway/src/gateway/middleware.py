"""The gateway's pure ASGI middlewares, and the order they run in (`gateway_middleware`).

Outermost first:
  RequestIdMiddleware        X-Request-ID in and out; sets the correlation id for logs and gRPC
  SecurityHeadersMiddleware  CSP, HSTS, framing, sniffing, referrer, opener, permissions
  AccessLogMiddleware        http_requests_total, latency histogram, one JSON line per request
  UnhandledErrorMiddleware   what the middlewares below raise -> 500 (503 for Redis) problem
  ProblemCORSMiddleware      Starlette CORS, refusing preflights with problem+json
  AuthenticationMiddleware   Bearer access token -> caller (access_tokens.py); 401 problem
  RateLimitMiddleware        Redis budgets per IP / user (ratelimit.py); 429 problem+json
  BodySizeLimitMiddleware    413 by Content-Length, or while a chunked body is read
  UnhandledErrorMiddleware   what the endpoint raises -> 500 problem, inside CORS
Everything produced further in (429s, 413s, 500s, CORS refusals) therefore still carries the
security headers, the request id, and is counted and logged. The last resort stands twice: the
inner one answers an endpoint's error inside CORS (so the SPA can read it), the outer one
catches what a middleware raises, which would otherwise reach Starlette's own handler outside
every middleware, without the request id or the security headers. They are pure ASGI (no
BaseHTTPMiddleware): the endpoint runs in the same task, so the correlation id reaches it.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from career_kit import context
from career_kit.logs import RequestLines
from career_kit.metrics import HTTP_LATENCY, HTTP_REQUESTS
from gateway.access_tokens import AuthenticationMiddleware
from gateway.problems import problem_response, unhandled_error
from gateway.ratelimit import RateLimitMiddleware

REQUEST_ID_HEADER = "X-Request-ID"

# The API only ever answers JSON: nothing may load, run or frame.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS: Mapping[str, str] = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": (
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
        "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), "
        "interest-cohort=()"
    ),
}
# Route label for requests no route matched (404s, or refused before routing), so that
# scanners probing random paths cannot blow up the metric's cardinality.
UNMATCHED_ROUTE = "<unmatched>"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

access_log = RequestLines("gateway.access", "request")


def valid_request_id(value: str | None) -> bool:
    """Whether an incoming X-Request-ID may be reused (safe in logs and headers)."""
    return context.valid_correlation_id(value)


class RequestIdMiddleware:
    """Reuse a well-formed incoming X-Request-ID or make one; expose it as the correlation id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = incoming if valid_request_id(incoming) else context.new_correlation_id()
        assert request_id is not None

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        token = context.correlation_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            context.correlation_id.reset(token)


class SecurityHeadersMiddleware:
    """Security headers on every response; the docs page gets its own, wider CSP.

    Headers a response already has are kept (a proxied webhook answer stays as its sender made it).
    """

    def __init__(self, app: ASGIApp, *, docs_path: str | None = None, docs_csp: str = "") -> None:
        self.app = app
        self.docs_path = docs_path
        self.docs_csp = docs_csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.docs_csp if scope["path"] == self.docs_path else API_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLogMiddleware:
    """Counts and times each request by route template, and logs one line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped everything below

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
            route = route_template(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            access_log.write({"method": method, "route": route, "status": status,
                              "duration_ms": round(elapsed * 1000, 2)})


def route_template(scope: Scope) -> str:
    """The matched route's path template (e.g. /readyz/{service}), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, except that a refused preflight is a problem+json 400 like any other."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                answer = self.preflight_response(request_headers=headers)
                if answer.status_code >= 400:
                    kept = {k: v for k, v in answer.headers.items()
                            if k.lower() not in ("content-type", "content-length")}
                    answer = problem_response(
                        answer.status_code, bytes(answer.body).decode() + ".",
                        instance=scope["path"], headers=kept)
                await answer(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class BodySizeLimitMiddleware:
    """413 for bodies above `max_bytes`: at once by Content-Length, else while it is read.

    A chunked body has no length up front, so `receive` counts; the request that crosses the
    limit gets an HTTPException(413) from its read, which the problem handler renders. Bodies
    are only ever read through here, so nothing buffers more than the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int,
                 own_limits: tuple[str, ...] = ("/api/uploads/", "/cvs/import/linkedin")
                 ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Paths whose routes stream the body and cut it at a limit of their own (uploads:
        # their bucket's; a LinkedIn export: 7 MB); POSTs to them skip this one.
        self.own_limits = own_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"] == "POST"
                                       and scope["path"].startswith(self.own_limits)):
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                response = problem_response(400, "Content-Length is not a number.",
                                            instance=scope["path"])
                await response(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                response = problem_response(413, self._detail(), instance=scope["path"],
                                            headers={"Connection": "close"})
                await response(scope, receive, send)
                return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._detail(), headers={"Connection": "close"})
            return message

        await self.app(scope, counting_receive, send)

    def _detail(self) -> str:
        return f"The request body is larger than the {self.max_bytes} bytes this API accepts."


class UnhandledErrorMiddleware:
    """Turns an exception nothing else handled into the 500 problem, inside the other
    middlewares (Starlette's own last resort answers from outside all of them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            if started:
                raise  # too late for a problem body; the server drops the connection
            response = await unhandled_error(Request(scope, receive), exc)
            await response(scope, receive, send)


def gateway_middleware(
    *,
    cors_origins: Collection[str],
    max_body_bytes: int,
    docs_path: str | None,
    docs_csp: str,
) -> list[Middleware]:
    """The middleware stack, outermost first (see the module docstring for why this order)."""
    return [
        Middleware(RequestIdMiddleware),
        Middleware(SecurityHeadersMiddleware, docs_path=docs_path, docs_csp=docs_csp),
        Middleware(AccessLogMiddleware),
        Middleware(UnhandledErrorMiddleware),
        Middleware(
            ProblemCORSMiddleware,
            allow_origins=list(cors_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "RateLimit", "RateLimit-Policy", "Retry-After"],
            max_age=600,
        ),
        Middleware(AuthenticationMiddleware),
        Middleware(RateLimitMiddleware),
        Middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes),
        Middleware(UnhandledErrorMiddleware),
    ]
