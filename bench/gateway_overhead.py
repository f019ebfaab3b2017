"""Gateway overhead: the same service call made through the gateway over HTTP and directly
over gRPC, in one run against the whole platform, with the CPU each process spends on it.

Through the gateway: GET /readyz/auth on the gateway's ops port (readiness is not on its public
port) -> gRPC Health.Check on auth, which probes auth's database, NATS and Redis. Directly: the
same Health.Check on auth's gRPC port. The ops port has none of the public API's middlewares,
so this is the cost of the HTTP server and the gRPC hop alone; bench.auth_paths measures a
public, token-checked route.

* `cpu_ms_per_request`: CPU of the gateway and of auth (their whole process groups, from
  /proc) per request, one request at a time on a keep-alive connection, and under wrk's load.
* `through_gateway_wrk` / `through_gateway_httpx` / `direct_grpc`: throughput and latency at
  `--concurrency`; `ratio` compares each way through the gateway with direct gRPC.

    python -m bench.gateway_overhead [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import asdict

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.auth_paths import WRK_SECONDS, ratio
from bench.harness import CpuMeter, emit, measure, platform, sequential_cpu, wrk, wrk_available


async def run(stack, requests: int, concurrency: int) -> dict:
    auth = stack.ports.services["auth"]
    processes = {"gateway": stack.processes["gateway"].pid, "auth": stack.processes["auth"].pid}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    results: dict[str, object] = {"concurrency": concurrency}
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

        cpu: dict[str, object] = {
            "one_at_a_time_through_gateway": asdict(
                await sequential_cpu(through_gateway, processes, requests=requests)),
            "one_at_a_time_direct_grpc": asdict(
                await sequential_cpu(direct, processes, requests=requests)),
        }
        ratios: dict[str, object] = {}
        grpc_direct = await measure(direct, requests=requests, concurrency=concurrency)
        if wrk_available():
            with CpuMeter(processes) as meter:
                through_wrk = await asyncio.to_thread(
                    wrk, f"{stack.gateway_metrics_url}/readyz/auth", connections=concurrency,
                    seconds=WRK_SECONDS)
            cpu["under_wrk_load"] = asdict(meter.per_request(through_wrk.requests))
            results["through_gateway_wrk"] = through_wrk
            ratios["wrk"] = ratio(through_wrk, grpc_direct)
        else:
            results["wrk"] = "not installed (apt-get install wrk): wrk figures left out"
        gateway = await measure(through_gateway, requests=requests, concurrency=concurrency)
        ratios["httpx"] = ratio(gateway, grpc_direct)
    results.update(through_gateway_httpx=gateway, direct_grpc=grpc_direct,
                   cpu_ms_per_request=cpu, ratio=ratios)
    return results


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
