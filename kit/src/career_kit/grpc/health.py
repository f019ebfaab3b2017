"""Readiness: named dependency probes shared by gRPC health and HTTP /readyz.

A probe is an async callable that raises when its dependency is unreachable. The gRPC health
`Check` runs the probes live, so a SERVING answer means the database, NATS and Redis answered
just now (Kubernetes readiness probes and the gateway's /readyz both rely on that).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import grpc
from grpc_health.v1 import health_pb2
from grpc_health.v1._async import HealthServicer

Probe = Callable[[], Awaitable[None]]


class Readiness:
    """A set of dependency probes run concurrently, each with a timeout."""

    def __init__(self, probes: Mapping[str, Probe], timeout: float = 2.0) -> None:
        self.probes = dict(probes)
        self.timeout = timeout
        self.draining = False

    async def check(self) -> dict[str, str]:
        """Run every probe; returns name -> 'ok' or the error text."""
        async def run(probe: Probe) -> str:
            try:
                await asyncio.wait_for(probe(), self.timeout)
                return "ok"
            except Exception as exc:
                return f"{type(exc).__name__}: {exc}"[:200] or type(exc).__name__

        results = await asyncio.gather(*(run(p) for p in self.probes.values()))
        checks = dict(zip(self.probes, results, strict=True))
        if self.draining:
            checks["draining"] = "shutting down"
        return checks

    @staticmethod
    def ready(checks: Mapping[str, str]) -> bool:
        return all(value == "ok" for value in checks.values())


class LiveHealthServicer(HealthServicer):
    """grpc.health.v1 whose Check probes dependencies for "" and the service's own name."""

    def __init__(self, service_names: list[str], readiness: Readiness) -> None:
        super().__init__()
        self._names = set(service_names) | {""}
        self._readiness = readiness

    async def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext
    ) -> health_pb2.HealthCheckResponse:
        if request.service not in self._names:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        ready = Readiness.ready(await self._readiness.check())
        status = (health_pb2.HealthCheckResponse.SERVING if ready
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        # Keep Watch subscribers in step with what Check observed.
        await self.set(request.service, status)
        return health_pb2.HealthCheckResponse(status=status)
