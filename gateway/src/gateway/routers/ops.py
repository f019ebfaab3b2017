"""Liveness, readiness and metrics of the gateway.

/readyz asks the gateway's Redis and every service's grpc.health.v1 `Check` (which runs that
service's own database, NATS and Redis probes live), all at once and each with a short deadline,
so that one slow dependency cannot hold the probe past the kubelet's timeout. /readyz/{service}
asks one service only: one gateway -> gRPC -> database hop, which the benchmarks time.
"""

from __future__ import annotations

import asyncio
from typing import Literal

import grpc
import redis.asyncio as aioredis
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from grpc_health.v1 import health_pb2
from pydantic import BaseModel, Field
from redis.exceptions import RedisError

from career_kit.metrics import render_latest
from gateway.clients import ServiceClients
from gateway.config import SERVICE_NAMES
from gateway.deps import ClientsDep, RedisDep, SettingsDep
from gateway.problems import Problem

router = APIRouter(tags=["operations"])

SERVING = health_pb2.HealthCheckResponse.ServingStatus.Name(health_pb2.HealthCheckResponse.SERVING)


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class ReadinessReport(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(
        description='"redis": "ok" | "unreachable" | "timeout"; a service: its health status '
                    "(SERVING, NOT_SERVING, ...) or the gRPC status of the failed check "
                    "(UNAVAILABLE, DEADLINE_EXCEEDED, ...)",
        examples=[{"redis": "ok", "auth": "SERVING", "cv": "UNAVAILABLE"}],
    )


_NOT_READY = {503: {"model": ReadinessReport, "description": "Something is not ready"}}


@router.get("/healthz", response_model=Liveness, summary="Liveness: the process answers")
async def healthz() -> Liveness:
    return Liveness()


@router.get("/readyz", response_model=ReadinessReport, responses=_NOT_READY,
            summary="Readiness: Redis and every service answer their health checks")
async def readyz(clients: ClientsDep, redis: RedisDep, settings: SettingsDep) -> JSONResponse:
    timeout = settings.readiness_timeout_seconds
    names = ["redis", *SERVICE_NAMES]
    results = await asyncio.gather(
        check_redis(redis, timeout),
        *(check_service(clients, name, timeout) for name in SERVICE_NAMES),
    )
    checks = dict(zip(names, results, strict=True))
    ready = checks["redis"] == "ok" and all(checks[name] == SERVING for name in SERVICE_NAMES)
    return _report(checks, ready)


@router.get("/readyz/{service}", response_model=ReadinessReport, responses=_NOT_READY,
            summary="Readiness of one service, through its gRPC health check")
async def readyz_service(service: str, clients: ClientsDep,
                         settings: SettingsDep) -> JSONResponse:
    if service not in SERVICE_NAMES:
        raise Problem(404, f"There is no service named {service!r}; "
                           f"known services: {', '.join(SERVICE_NAMES)}.")
    status = await check_service(clients, service, settings.readiness_timeout_seconds)
    return _report({service: status}, status == SERVING)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    body, content_type = render_latest()
    return Response(body, media_type=content_type)


async def check_service(clients: ServiceClients, service: str, seconds: float) -> str:
    """The service's overall health status name, or the gRPC status code name of the failure."""
    try:
        reply = await clients.health(service).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=seconds)
    except grpc.aio.AioRpcError as exc:
        return exc.code().name
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


async def check_redis(redis: aioredis.Redis, seconds: float) -> str:
    """"ok" when Redis answers PING in time. Error texts stay out: the report is public."""
    try:
        await asyncio.wait_for(redis.ping(), seconds)
    except TimeoutError:
        return "timeout"
    except (RedisError, OSError):
        return "unreachable"
    return "ok"


def _report(checks: dict[str, str], ready: bool) -> JSONResponse:
    report = ReadinessReport(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(report.model_dump(), status_code=200 if ready else 503)
