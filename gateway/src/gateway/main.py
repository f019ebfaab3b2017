"""Composition root of the gateway: `create_app(settings)` and `python -m gateway.main`.

`create_app` wires settings, problem handlers, middlewares and routers; its lifespan opens what
requests share (a gRPC channel per service, a Redis client, the webhook HTTP client) and closes
them at shutdown; in between it also serves the ops port (metrics, readiness: routers/ops.py).
Handlers get them through the aliases in deps.py. `main()` serves it with server.py's uvicorn
configuration.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx
import redis.asyncio as aioredis
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from uvicorn.main import STARTUP_FAILURE

from career.auth.v1 import auth_pb2
from career_kit.logs import configure_logging
from career_kit.service import freeze_startup_objects
from gateway.access_tokens import AccessTokenVerifier
from gateway.api_docs import docs_csp, docs_router, render_docs_page
from gateway.clients import ServiceClients
from gateway.config import GatewaySettings
from gateway.middleware import gateway_middleware
from gateway.problems import PROBLEM_RESPONSES, install_problem_handlers
from gateway.ratelimit import RateLimiter
from gateway.routers import ai, auth, billing, cv_sharing, cvs, files, oauth, ops, webhooks
from gateway.security_events import SecurityEventReporter
from gateway.server import uvicorn_config

log = logging.getLogger("gateway.main")  # not "__main__" under `python -m`

TITLE = "Career Tools API"
OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
DESCRIPTION = (
    "The one HTTP API of Career Tools. Errors are RFC 9457 problem details "
    "(`application/problem+json`); every response carries an `X-Request-ID`."
)

try:
    VERSION = version("career-gateway")
except PackageNotFoundError:  # running from a source tree that was not installed
    VERSION = "0.0.0"


def create_app(settings: GatewaySettings) -> FastAPI:
    """The gateway application for `settings` (nothing connects until its lifespan starts)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
        clients = ServiceClients.from_settings(settings)
        # Short socket timeouts: a Redis that stopped answering must fail a check, not hang it.
        redis = aioredis.from_url(settings.platform.redis_url, socket_connect_timeout=2,
                                  socket_timeout=2)
        # trust_env=False: in-cluster hops never go through an HTTP(S)_PROXY from the env.
        webhook_http = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False)
        log.info("gateway started", extra={"grpc_targets": settings.grpc_targets()})
        security_events = SecurityEventReporter(
            clients.auth, redis, key_prefix=settings.platform.redis_key_prefix)
        try:
            state: dict[str, Any] = {"clients": clients, "redis": redis,
                                     "webhook_http": webhook_http,
                                     "security_events": security_events}
            state["token_verifier"] = AccessTokenVerifier(
                _jwks_from(clients), redis, key_prefix=settings.platform.redis_key_prefix)
            if settings.rate_limits_enabled:
                state["rate_limiter"] = RateLimiter(
                    redis, tier_multipliers=settings.rate_limit_tier_multipliers,
                    key_prefix=settings.platform.redis_key_prefix)
            # Metrics and the detailed readiness on their own port, which the Ingress never
            # routes to; stopped before the clients and Redis its /readyz uses are closed.
            async with ops.serve_ops_port(settings, clients, redis):
                freeze_startup_objects()
                yield state
        finally:
            await security_events.close()  # before the Redis client and channels it uses
            await webhook_http.aclose()
            await redis.aclose()
            await clients.close()
            log.info("gateway stopped")

    docs_page = render_docs_page(title=TITLE, openapi_url=OPENAPI_URL, docs_path=DOCS_URL)
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        openapi_url=OPENAPI_URL,
        # /docs is served by api_docs (pre-rendered, so its CSP can pin the inline script);
        # ReDoc is off: it would need fonts and scripts from more third parties.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
        middleware=gateway_middleware(
            cors_origins=settings.cors_origins,
            max_body_bytes=settings.max_body_bytes,
            docs_path=DOCS_URL,
            docs_csp=docs_csp(docs_page),
        ),
    )
    app.state.settings = settings
    install_problem_handlers(app)
    add_routes(app, docs_router(DOCS_URL, docs_page), ops.router, webhooks.router, auth.router,
               oauth.router, billing.router, files.router,
               # Before cvs: its /cvs/shared must not be taken for a CV's id.
               cv_sharing.router, cv_sharing.public_router, cvs.router, ai.router)
    return app


def add_routes(app: FastAPI, *routers: APIRouter) -> None:
    """Put the routers' routes on the app itself, as if declared there.

    `include_router` keeps each router as a nested router that is matched route by route on
    every request, twice (FastAPI 0.16x), which cost 0.35 ms of CPU per request with six
    routers. The routers here take no prefix, dependencies or other options when included
    (their routes carry their tags already), so their routes are added as they are, with the
    app's documented responses (the problem shapes) under their own as `include_router` would
    merge them, and one flat list is matched once.
    """
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute):
                route.responses = {**app.router.responses, **route.responses}
            app.router.routes.append(route)


def _jwks_from(clients: ServiceClients):
    """The verifier's key source: auth's GetJwks over gRPC."""

    async def fetch() -> str:
        return (await clients.auth.GetJwks(auth_pb2.GetJwksRequest())).jwks_json

    return fetch


def main() -> None:
    settings = GatewaySettings()
    configure_logging("gateway", settings.platform.log_level)
    server = uvicorn.Server(uvicorn_config(create_app(settings), settings))
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)  # as uvicorn.run() does


if __name__ == "__main__":
    main()
