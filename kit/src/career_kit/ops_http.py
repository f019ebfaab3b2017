"""The HTTP ops side of a process: /healthz, /readyz, /metrics, plus routes it adds (billing
and social receive third-party webhooks here; the gateway adds /readyz/{service})."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from career_kit import context
from career_kit.grpc.health import Readiness
from career_kit.metrics import render_latest


def ops_app(readiness: Readiness, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """Liveness, readiness and metrics endpoints, and the service's own HTTP routes."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        return await readiness_response(readiness)

    async def metrics(_: Request) -> Response:
        body, content_type = render_latest()
        return Response(body, media_type=content_type)

    async def routing_error(request: Request, exc: Exception) -> Response:
        # Starlette's own 404 and 405 are plain text; the gateway forwards webhook answers as
        # they are, and its API documents every error as problem+json.
        assert isinstance(exc, HTTPException)
        detail = (f"no route for {request.url.path}" if exc.status_code == 404
                  else f"{request.method} is not allowed on {request.url.path}")
        return problem_response(exc.status_code, detail, instance=request.url.path,
                                headers=exc.headers)

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics),
                *extra_routes],
        exception_handlers={404: routing_error, 405: routing_error},
    )


def problem_response(status: int, detail: str, *, instance: str,
                     headers: Mapping[str, str] | None = None, **extensions: Any) -> Response:
    """An RFC 9457 problem+json answer of a service's own HTTP routes (e.g. webhooks), in the
    shape the gateway's API documents: `instance` is the request path, `request_id` the
    correlation id (for a forwarded webhook, the gateway's X-Request-ID), `extensions` more
    members (an upload's `detected` kind)."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase,
                            "status": status, "detail": detail, "instance": instance}
    request_id = context.correlation_id.get()
    if request_id is not None:
        body["request_id"] = request_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}),
                        media_type="application/problem+json")


async def readiness_response(readiness: Readiness) -> Response:
    """Run the probes: 200 "ready" when every one answered, 200 "degraded" when only optional
    ones failed, else 503 "not ready", with each probe's result under "checks" (the shape of
    every /readyz, for routes beside ops_app's)."""
    checks = await readiness.check()
    status = readiness.status(checks)
    return JSONResponse({"status": status, "checks": checks},
                        status_code=503 if status == "not ready" else 200)


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside a process that handles its own signals (the service runtime does), and
    that stops as soon as it is asked to (`request_exit`)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def request_exit(self) -> None:
        """Begin the shutdown now: uvicorn's own loop only looks at `should_exit` every
        0.1 s, which every drain (and every test's teardown) would wait out."""
        self.should_exit = True
        self._exit_requested().set()

    def _exit_requested(self) -> asyncio.Event:
        if not hasattr(self, "_exit_event"):
            self._exit_event = asyncio.Event()
        return self._exit_event

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's shutdown pauses 0.1 s for open connections to notice it; with none open
        # (the usual case for an ops port between scrapes) there is nothing to wait for.
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def main_loop(self) -> None:
        # uvicorn's main_loop (0.54), with its 0.1 s sleep cut short by request_exit.
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested().wait(), 0.1)
            should_exit = await self.on_tick(counter)


def embedded_http_server(app: Starlette, host: str, port: int) -> EmbeddedServer:
    """An uvicorn server for `app`, to run with `await server.serve()` in the current loop."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            lifespan="off")
    return EmbeddedServer(config)
