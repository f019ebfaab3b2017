"""How the gateway's API port is served: `uvicorn_config`, used by `main()` and the tests alike,
and the HTTP protocol that refuses an oversized request head before anything parses it.

uvicorn's httptools protocol has no bound on the request line and header fields: httptools
gathers a header's value in memory however long it grows, so one 32 MB `Authorization` header
cost seconds and hundreds of megabytes before the app could refuse it. `HeadLimitedHttpTools`
counts the bytes of each request head as they arrive and feeds the parser no more than the
limit: a head that has not ended by then gets 431 (problem+json, with the gateway's security
headers) and the connection is closed, before the ASGI app runs. (h11, uvicorn's other
protocol, has a bound, but answers it with a plain 400.)
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from http import HTTPMethod
from typing import Any

import httptools
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from career_kit import context
from career_kit.metrics import HTTP_REQUESTS
from gateway.config import GatewaySettings
from gateway.middleware import API_CSP, REQUEST_ID_HEADER, SECURITY_HEADERS, UNMATCHED_ROUTE
from gateway.problems import PROBLEM_MEDIA_TYPE

log = logging.getLogger(__name__)

# After the refusal the connection stays open this long for reading only, and what arrives is
# dropped: closing at once, with the client's bytes still unread, would make the kernel send a
# reset, and the client could lose the 431 before it read it.
LINGER_SECONDS = 1.0


def uvicorn_config(app: ASGIApp, settings: GatewaySettings) -> uvicorn.Config:
    """uvicorn's configuration for the gateway `app` under `settings`."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.http_port,
        http=head_limited_protocol(settings.max_header_bytes),
        lifespan="on",  # the app cannot serve without what its lifespan opens
        log_config=None,  # keep the JSON logging that main() configures
        access_log=False,  # AccessLogMiddleware logs each request, with its correlation id
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )


def head_limited_protocol(max_head_bytes: int) -> type[HeadLimitedHttpTools]:
    """uvicorn's httptools protocol, refusing request heads longer than `max_head_bytes`."""
    return type("HeadLimitedHttpTools", (HeadLimitedHttpTools,),
                {"max_head_bytes": max_head_bytes})


class HeadLimitedHttpTools(HttpToolsProtocol):
    """httptools' protocol with a bound on each request head (request line + header fields).

    Bytes are counted from the start of a request until its headers are complete; the parser is
    fed at most `max_head_bytes` of them, so neither it nor uvicorn ever holds more. A pipelined
    request whose head begins in the same read as the previous request's end is counted from
    the next read on, so it may pass the bound by at most that one read.
    """

    max_head_bytes = 32 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = True
        self._head_bytes = 0
        self._heads_completed = 0
        self._refused = False
        self._linger: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after the 431: read and drop
        if not self._reading_head:
            super().data_received(data)
            return
        allowed = self.max_head_bytes - self._head_bytes
        self._head_bytes += min(len(data), allowed)
        if len(data) <= allowed:
            super().data_received(data)
            return
        heads_before = self._heads_completed
        super().data_received(data[:allowed])
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return  # a malformed request (uvicorn answered 400) or a WebSocket upgrade
        if self._heads_completed == heads_before:
            self._refuse_head()
        else:  # the head ended within the limit; the rest is its body, or the next request
            self.data_received(data[allowed:])

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._heads_completed += 1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._reading_head = True
        self._head_bytes = 0
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._linger is not None:
            self._linger.cancel()
        super().connection_lost(exc)

    def _refuse_head(self) -> None:
        self._refused = True
        # Headers are parsed one by one: once one is complete, the request line is too.
        path = _path_of(self.url) if self.headers else None
        method = self.parser.get_method().decode("ascii", "replace") if self.headers else ""
        HTTP_REQUESTS.labels(method if method in HTTPMethod.__members__ else "OTHER",
                             UNMATCHED_ROUTE, "431").inc()
        request_id = context.new_correlation_id()
        token = context.correlation_id.set(request_id)  # the log line's, as for any request
        try:
            log.warning("request head too large", extra={
                "client": self.client[0] if self.client else None,
                "path": path[:200] if path else None, "max_header_bytes": self.max_head_bytes})
        finally:
            context.correlation_id.reset(token)
        if (self.cycle is not None and not self.cycle.response_complete) or self.pipeline:
            # An earlier request on this connection is still being answered: a 431 now would
            # land in the middle of its response.
            self.transport.close()
            return
        self.transport.write(self._refusal(path or "/", request_id))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._linger = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _refusal(self, instance: str, request_id: str) -> bytes:
        body = json.dumps({
            "type": "about:blank",
            "title": "Request Header Fields Too Large",
            "status": 431,
            "detail": f"The request line and header fields exceed {self.max_head_bytes} bytes.",
            "instance": instance,
            "request_id": request_id,
        }).encode()
        headers = [
            *self.server_state.default_headers,
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            (REQUEST_ID_HEADER.encode(), request_id.encode()),
            (b"content-security-policy", API_CSP.encode()),
            *((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()),
        ]
        lines = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        return STATUS_LINE[431] + lines + b"\r\n" + body


def _path_of(url: bytes) -> str | None:
    try:
        raw = httptools.parse_url(url).path
    except httptools.HttpParserInvalidURLError:
        return None
    return urllib.parse.unquote(raw.decode("ascii", "replace")) if raw else None
