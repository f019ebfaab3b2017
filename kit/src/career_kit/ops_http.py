"""The HTTP ops side of a process: /healthz, /readyz, /metrics, plus routes it adds (billing
and social receive third-party webhooks here; the gateway adds /readyz/{service})."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from http import HTTPStatus

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

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

    async def not_found(request: Request, _: Exception) -> Response:
        return problem_response(404, f"no route for {request.url.path}",
                                instance=request.url.path)

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics),
                *extra_routes],
        exception_handlers={404: not_found},
    )


def problem_response(status: int, detail: str, *, instance: str | None = None) -> Response:
    """An RFC 9457 problem+json answer of a service's own HTTP routes (e.g. webhooks)."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail}
    if instance is not None:
        body["instance"] = instance
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


async def readiness_response(readiness: Readiness) -> Response:
    """Run the probes: 200 "ready" when every one answered, else 503 "not ready", with each
    probe's result under "checks" (the shape of every /readyz, for routes beside ops_app's)."""
    checks = await readiness.check()
    ready = Readiness.ready(checks)
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside a process that handles its own signals (the service runtime does)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def embedded_http_server(app: Starlette, host: str, port: int) -> EmbeddedServer:
    """An uvicorn server for `app`, to run with `await server.serve()` in the current loop."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            lifespan="off")
    return EmbeddedServer(config)
