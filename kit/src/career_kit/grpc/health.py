"""Readiness: named dependency probes shared by gRPC health and HTTP /readyz.

A probe is an async callable that raises when its dependency is unreachable. The gRPC health
`Check` runs the probes live. Only the *required* probes decide readiness: a dependency the
process cannot serve anything without (a service's own database). The others (NATS, which the
outbox buffers for; Redis, which only some calls need) are still run and reported, and their
failure makes the status "degraded", not "not ready": a Redis or NATS blip shared by every pod
must not take every pod out of its Kubernetes Service at once, which would turn a partial
outage into a total one. So SERVING means the required dependencies answered just now.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Literal

import grpc
from grpc_health.v1 import health_pb2
from grpc_health.v1._async import HealthServicer

Probe = Callable[[], Awaitable[None]]
Status = Literal["ready", "degraded", "not ready"]
DRAINING = "draining"


class Readiness:
    """A set of dependency probes run concurrently, each with a timeout.

    `required` names the probes whose failure makes the process not ready (default: all)."""

    def __init__(self, probes: Mapping[str, Probe], timeout: float = 2.0, *,
                 required: Collection[str] | None = None) -> None:
        self.probes = dict(probes)
        self.timeout = timeout
        self.required = frozenset(self.probes if required is None else required)
        unknown = self.required - set(self.probes)
        if unknown:
            raise ValueError(f"required probes without a probe: {sorted(unknown)}")
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
            checks[DRAINING] = "shutting down"
        return checks

    def status(self, checks: Mapping[str, str]) -> Status:
        """"ready" when every probe answered, "degraded" when only optional ones failed, "not
        ready" when a required one failed or the process is draining."""
        if DRAINING in checks or any(checks.get(name) != "ok" for name in self.required):
            return "not ready"
        return "ready" if all(value == "ok" for value in checks.values()) else "degraded"

    def ready(self, checks: Mapping[str, str]) -> bool:
        """Whether the process should receive traffic (ready or degraded)."""
        return self.status(checks) != "not ready"


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
        ready = self._readiness.ready(await self._readiness.check())
        status = (health_pb2.HealthCheckResponse.SERVING if ready
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        # Keep Watch subscribers in step with what Check observed.
        await self.set(request.service, status)
        return health_pb2.HealthCheckResponse(status=status)
