"""The gRPC server every service runs: interceptors, live health, reflection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from career_kit.grpc.health import LiveHealthServicer, Readiness
from career_kit.grpc.interceptors import server_interceptors


@dataclass(frozen=True)
class GrpcService:
    """A servicer to mount: its full name (for health and reflection) and its adder."""

    name: str  # e.g. "career.cv.v1.CvService"
    add_to_server: Callable[[grpc.aio.Server], None]


async def start_grpc_server(
    *,
    host: str,
    port: int,
    services: Sequence[GrpcService],
    readiness: Readiness,
    internal_secret: str,
) -> tuple[grpc.aio.Server, LiveHealthServicer]:
    """Build and start the server; returns it with its health servicer (to drain it later)."""
    server = grpc.aio.server(
        interceptors=server_interceptors(internal_secret),
        options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", 8 * 1024 * 1024)],
    )
    names = [service.name for service in services]
    for service in services:
        service.add_to_server(server)
    health_servicer = LiveHealthServicer(names, readiness)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    if server.add_insecure_port(f"{host}:{port}") == 0:
        raise OSError(f"cannot listen on {host}:{port}")
    await server.start()
    return server, health_servicer
