"""Liveness, readiness and metrics of the gateway, on two ports.

The Ingress routes every path to the public port, so it answers only what anyone may know:
`/healthz`, a constant "ok" that calls nothing. It stays because some callers can reach nothing
but the public port: a cloud load balancer's or an uptime monitor's health check, and the
kubelet's startup probe, which thereby proves the public listener is up before readiness is
asked on the ops port.

Everything else is internal and lives on the ops port (GATEWAY_METRICS_PORT), built from the
kit's `ops_http` exactly like every service's HTTP ops port, and never routed by the Ingress:

- `/metrics`: request counts and latencies by route, gRPC calls by service and method.
- `/readyz`: the gateway's Redis and every service's grpc.health.v1 `Check` (which runs that
  service's required probes live), all at once and each with a short deadline, so that one
  slow dependency cannot hold the probe past the kubelet's timeout. None of them is required:
  a failing one makes the answer 200 "degraded", never 503, because the kubelet reads this
  endpoint as the gateway's readiness, and a gateway that cannot reach auth or Redis still
  answers for them (503 problem+json with the request id) and serves everything else —
  taking every gateway replica out of the Service would turn one service's outage into the
  Ingress's bare 503 for the whole API. "ready" means every check answered ("make run" and
  the e2e tests wait for that).
- `/readyz/{service}`: one service only: one gateway -> gRPC -> database hop, which the
  benchmarks time.
- `/healthz`: liveness, for the kubelet.

Probes and scrapes on the ops port also stay out of the API's access log and its
http_requests_total, which therefore count only API traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Literal

import grpc
import redis.asyncio as aioredis
from fastapi import APIRouter
from grpc_health.v1 import health_pb2
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from career_kit.grpc.health import Probe, Readiness
from career_kit.ops_http import embedded_http_server, ops_app, readiness_response
from gateway.clients import ServiceClients
from gateway.config import SERVICE_NAMES, GatewaySettings
from gateway.problems import problem_response

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])

SERVING = health_pb2.HealthCheckResponse.SERVING


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/healthz", response_model=Liveness, summary="Liveness: the process answers")
async def healthz() -> Liveness:
    return Liveness()


class NotServing(Exception):
    """A service's health check did not say SERVING; the message is the health status it gave
    (NOT_SERVING, ...) or the gRPC status of the failed call (UNAVAILABLE, ...)."""


def service_probe(clients: ServiceClients, service: str, seconds: float) -> Probe:
    """A readiness probe asking `service`'s grpc.health.v1 `Check` (its overall health)."""

    async def probe() -> None:
        try:
            reply = await clients.health(service).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=seconds)
        except grpc.aio.AioRpcError as exc:
            raise NotServing(exc.code().name) from None
        if reply.status != SERVING:
            raise NotServing(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))

    return probe


def ops_port_app(settings: GatewaySettings, clients: ServiceClients,
                 redis: aioredis.Redis) -> Starlette:
    """The ops port's app: the kit's /healthz, /readyz and /metrics over the gateway's own
    dependencies, plus /readyz/{service}."""
    timeout = settings.readiness_timeout_seconds
    services = {name: service_probe(clients, name, timeout) for name in SERVICE_NAMES}
    readiness = Readiness({"redis": redis.ping, **services}, timeout=timeout, required=())

    async def readyz_service(request: Request) -> Response:
        service = request.path_params["service"]
        if service not in services:
            return problem_response(404, f"There is no service named {service!r}; "
                                         f"known services: {', '.join(SERVICE_NAMES)}.",
                                    instance=request.url.path)
        return await readiness_response(Readiness({service: services[service]}, timeout))

    return ops_app(readiness, [Route("/readyz/{service}", readyz_service)])


@contextlib.asynccontextmanager
async def serve_ops_port(settings: GatewaySettings, clients: ServiceClients,
                         redis: aioredis.Redis) -> AsyncIterator[None]:
    """Serve the ops port in this event loop until the block exits (the app's lifespan: the
    public server drains first, so scrapes and probes keep answering until it is done)."""
    server = embedded_http_server(ops_port_app(settings, clients, redis), settings.host,
                                  settings.metrics_port)
    task = asyncio.create_task(server.serve(), name="ops-http")
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
            raise RuntimeError(f"the ops port {settings.metrics_port} did not start")
        await asyncio.sleep(0.01)
    log.info("ops port serving", extra={"port": settings.metrics_port})
    try:
        yield
    finally:
        server.request_exit()
        await task
