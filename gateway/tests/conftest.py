"""Real things for the gateway's tests, all on free ports in the session's event loop.

- `fleet`: seven gRPC servers started with the kit's `start_grpc_server`, one per service, whose
  readiness probe a test can make fail, and which also serve a test-only `career.test.v1.Probe`
  service (its `Fail` method raises the kit's `NotFound`).
- `receiver`: a Starlette app under uvicorn that records every webhook it receives.
- `gateway_url` / `client`: the real app from `create_app`, under uvicorn configured as `main()`
  configures it (server.py's `uvicorn_config`), pointed at those and at the session's real
  Redis, plus the test-only routes of `routes_for_tests()` (mounted on
  that same app, so its real middlewares and handlers answer them).
- `ops`: a client of that gateway's ops port (metrics, readiness), which its lifespan serves on
  a free port of its own (`metrics_port`, which `start_gateway` also takes).
- `start_gateway`: the same for tests that need their own gateway (stopped servers, dead peers).

About the import below: the root pyproject runs pytest with --import-mode=importlib, which names
this file `gateway.tests.conftest`. Unless the real `gateway` package is already imported,
pytest first registers an empty namespace module `gateway` for the folder /work/main/gateway,
and `import gateway.main` then fails. Importing `gateway` inside this file is too late (the
namespace is there already), so the namespace is dropped and the real package imported instead.
pytest keeps `gateway.tests` in sys.modules and needs nothing else from the namespace.
"""

from __future__ import annotations

import sys

if getattr(sys.modules.get("gateway"), "__file__", None) is None:
    sys.modules.pop("gateway", None)

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import gateway
from career_kit import context
from career_kit.errors import NotFound
from career_kit.grpc.health import Readiness
from career_kit.grpc.server import GrpcService, start_grpc_server
from career_kit.ops_http import EmbeddedServer
from career_kit.settings import PlatformSettings
from devstack.servers import free_port
from gateway.clients import ClientsDep
from gateway.config import SERVICE_NAMES, GatewaySettings
from gateway.main import create_app
from gateway.server import uvicorn_config

assert gateway.__file__ is not None and "src" in gateway.__file__, gateway

INTERNAL_SECRET = "gateway-tests-internal-secret-0123456789"
ALLOWED_ORIGIN = "https://app.career.test"
MAX_BODY_BYTES = 1024
PROBE_SERVICE = "career.test.v1.Probe"


# --- gRPC services ------------------------------------------------------------------------


@dataclass
class Fleet:
    """The seven services' gRPC servers and what they observed."""

    ports: dict[str, int] = field(default_factory=dict)
    servers: dict[str, grpc.aio.Server] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    # Correlation ids the health probes ran under (set by the kit's server interceptor).
    probe_correlation_ids: list[str | None] = field(default_factory=list)
    # Invocation metadata of every call to career.test.v1.Probe/Fail, and the correlation id
    # each ran under.
    probe_calls: list[dict[str, str]] = field(default_factory=list)
    probe_call_correlation_ids: list[str | None] = field(default_factory=list)

    def targets(self) -> dict[str, str]:
        return {f"{name}_grpc_target": f"127.0.0.1:{port}" for name, port in self.ports.items()}

    async def stop(self, name: str) -> None:
        await self.servers[name].stop(grace=None)

    async def stop_all(self) -> None:
        await asyncio.gather(*(server.stop(grace=None) for server in self.servers.values()))


def _identity(value: bytes) -> bytes:
    return value


async def start_fleet() -> Fleet:
    fleet = Fleet()

    async def fail(request: bytes, ctx: grpc.aio.ServicerContext) -> bytes:
        fleet.probe_calls.append({k: v for k, v in ctx.invocation_metadata() or ()
                                  if isinstance(v, str)})
        fleet.probe_call_correlation_ids.append(context.correlation_id.get())
        raise NotFound("CV 42 does not exist", problem_type="cv-not-found")

    def add_probe_service(server: grpc.aio.Server) -> None:
        handler = grpc.unary_unary_rpc_method_handler(
            fail, request_deserializer=_identity, response_serializer=_identity)
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(PROBE_SERVICE, {"Fail": handler}),))

    def probe_for(name: str) -> Callable[[], Awaitable[None]]:
        async def database() -> None:
            fleet.probe_correlation_ids.append(context.correlation_id.get())
            if name in fleet.failing:
                raise ConnectionError(f"{name} database is down")
        return database

    for name in SERVICE_NAMES:
        port = free_port()
        server, _ = await start_grpc_server(
            host="127.0.0.1", port=port,
            services=[GrpcService(PROBE_SERVICE, add_probe_service)],
            readiness=Readiness({"database": probe_for(name)}, timeout=1.0),
            internal_secret=INTERNAL_SECRET,
        )
        fleet.ports[name] = port
        fleet.servers[name] = server
    return fleet


@pytest.fixture(scope="session")
async def session_fleet() -> AsyncIterator[Fleet]:
    running = await start_fleet()
    yield running
    await running.stop_all()


@pytest.fixture
async def own_fleet() -> AsyncIterator[Fleet]:
    """Seven servers for one test alone (which may stop them)."""
    running = await start_fleet()
    yield running
    await running.stop_all()


@pytest.fixture
def fleet(session_fleet: Fleet) -> Fleet:
    """The session's services, healthy, with nothing observed yet."""
    session_fleet.failing.clear()
    session_fleet.probe_correlation_ids.clear()
    session_fleet.probe_calls.clear()
    session_fleet.probe_call_correlation_ids.clear()
    return session_fleet


# --- HTTP servers -------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serve_http(app: Any, gateway: GatewaySettings | None = None) -> AsyncIterator[str]:
    """Run `app` under a real uvicorn in this loop; yields its base URL. A gateway app is served
    as `main()` serves it (server.py's `uvicorn_config` for `gateway`, its settings, which
    `gateway_settings` gives a free port); any other app on a free port."""
    if gateway is not None:
        config = uvicorn_config(app, gateway)
    else:
        config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_config=None,
                                access_log=False, lifespan="on")
    port = config.port
    server = EmbeddedServer(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what stopped the server from starting
            raise RuntimeError("uvicorn exited before it started")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.request_exit()
        await task


@dataclass
class ReceivedWebhook:
    method: str
    path: str
    raw_path: bytes
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header_values(self, name: str) -> list[bytes]:
        return [value for key, value in self.headers if key.lower() == name.lower().encode()]


@dataclass
class WebhookReceiver:
    """What the billing and social services' HTTP servers would be, minus the verifying."""

    url: str = ""
    received: list[ReceivedWebhook] = field(default_factory=list)

    def app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            self.received.append(ReceivedWebhook(
                request.method, request.url.path, request.scope["raw_path"],
                request.scope["query_string"], list(request.headers.raw), await request.body()))
            if request.url.path.endswith("/slow"):
                await asyncio.sleep(1.0)
            if "hub.challenge" in request.query_params:
                return Response(request.query_params["hub.challenge"], media_type="text/plain")
            response = Response(b'{"received":  true}\n ', status_code=202,
                                media_type="application/json")
            response.raw_headers += [(b"x-receiver", b"yes"), (b"x-trace", b"one"),
                                     (b"x-trace", b"two")]
            return response

        return Starlette(routes=[Route("/{path:path}", receive, methods=["GET", "POST"])])


@pytest.fixture(scope="session")
async def session_receiver() -> AsyncIterator[WebhookReceiver]:
    recorder = WebhookReceiver()
    async with serve_http(recorder.app()) as url:
        recorder.url = url
        yield recorder


@pytest.fixture
def receiver(session_receiver: WebhookReceiver) -> WebhookReceiver:
    """The session's webhook receiver, with nothing received yet."""
    session_receiver.received.clear()
    return session_receiver


# --- the gateway --------------------------------------------------------------------------


class Signup(BaseModel):
    email: str
    age: int


def routes_for_tests() -> APIRouter:
    """Routes that exist only in tests, to reach handlers no production route reaches yet."""
    router = APIRouter(prefix="/_test")

    @router.post("/signup")
    async def signup(body: Signup) -> Signup:
        return body

    @router.get("/cv-not-found")
    async def cv_not_found(clients: ClientsDep) -> dict[str, str]:
        call = clients.channel("cv").unary_unary(
            f"/{PROBE_SERVICE}/Fail", request_serializer=_identity,
            response_deserializer=_identity)
        await call(b"")
        return {"unreachable": "the service always fails"}

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: db password is hunter2")

    return router




def gateway_settings(redis_url: str, fleet: Fleet, receiver_url: str,
                     **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "cors_origins": [ALLOWED_ORIGIN],
        "max_body_bytes": MAX_BODY_BYTES,
        "readiness_timeout_seconds": 1.0,
        "webhook_timeout_seconds": 0.5,
        "billing_webhook_url": receiver_url,
        "social_webhook_url": receiver_url,
        "platform": PlatformSettings(environment="test", redis_url=redis_url,
                                     internal_secret=INTERNAL_SECRET),
        "host": "127.0.0.1",
        "http_port": free_port(),
        "metrics_port": free_port(),
        **fleet.targets(),
        **overrides,
    }
    return GatewaySettings(**values)


def build_app(settings: GatewaySettings) -> FastAPI:
    app = create_app(settings)
    app.include_router(routes_for_tests())
    return app


StartGateway = Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def start_gateway(infra: Any, session_receiver: WebhookReceiver) -> StartGateway:
    """`async with start_gateway(fleet, redis_url=..., **settings) as client:` a gateway of
    one's own (the session's Redis unless `redis_url` is given)."""

    @contextlib.asynccontextmanager
    async def start(fleet: Fleet, *, redis_url: str | None = None,
                    **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = gateway_settings(redis_url or infra.redis_url, fleet, session_receiver.url,
                                    **overrides)
        async with serve_http(build_app(settings), settings) as url, \
                httpx.AsyncClient(base_url=url, timeout=10) as client:
            yield client

    return start


@pytest.fixture(scope="session")
def settings(infra: Any, session_fleet: Fleet,
             session_receiver: WebhookReceiver) -> GatewaySettings:
    """The settings of the session's gateway."""
    return gateway_settings(infra.redis_url, session_fleet, session_receiver.url)


@pytest.fixture(scope="session")
async def gateway_url(settings: GatewaySettings) -> AsyncIterator[str]:
    async with serve_http(build_app(settings), settings) as url:
        yield url


@pytest.fixture
async def client(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as http:
        yield http


@pytest.fixture
async def ops(gateway_url: str, settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    """The session gateway's ops port (served while `gateway_url` is)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.metrics_port}",
                                 timeout=10) as http:
        yield http
