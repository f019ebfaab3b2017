"""Gateway overhead: the same service call made through the gateway over HTTP and directly
over gRPC, in one run against the whole platform.

Through the gateway: GET /readyz/auth on the gateway's ops port (readiness is not on its public
port) -> gRPC Health.Check on auth, which probes auth's database, NATS and Redis. Directly: the
same Health.Check on auth's gRPC port. The ops port has none of the public API's middlewares,
so this is the cost of the HTTP server and the gRPC hop alone.
`ratio` is gateway latency / direct latency (p50 and p99) and direct rps / gateway rps.

    python -m bench.gateway_overhead [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.harness import emit, measure, platform


async def run(stack, requests: int, concurrency: int) -> dict:
    auth = stack.ports.services["auth"]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=stack.gateway_metrics_url, limits=limits) as http, \
            grpc.aio.insecure_channel(f"127.0.0.1:{auth.grpc}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)

        async def through_gateway() -> None:
            response = await http.get("/readyz/auth")
            response.raise_for_status()

        async def direct() -> None:
            reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
            if reply.status != health_pb2.HealthCheckResponse.SERVING:
                raise RuntimeError("auth not serving")

        gateway = await measure(through_gateway, requests=requests, concurrency=concurrency)
        grpc_direct = await measure(direct, requests=requests, concurrency=concurrency)
    return {
        "concurrency": concurrency,
        "through_gateway": gateway,
        "direct_grpc": grpc_direct,
        "ratio": {
            "p50_gateway_over_direct": round(gateway.p50_ms / grpc_direct.p50_ms, 2),
            "p99_gateway_over_direct": round(gateway.p99_ms / grpc_direct.p99_ms, 2),
            "rps_direct_over_gateway": round(
                grpc_direct.requests_per_second / gateway.requests_per_second, 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with platform() as stack:
        results = asyncio.run(run(stack, args.requests, args.concurrency))
    emit("gateway_overhead", **results)


if __name__ == "__main__":
    main()
