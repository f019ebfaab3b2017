"""Identity paths, in one run against the whole platform: a token-verified GET /auth/me through
the gateway against the same GetMe made directly over gRPC; the CPU each process spends per
request; login throughput; and a login burst.

* `cpu_ms_per_request`: CPU time of the gateway and of auth (from /proc, their whole process
  groups) per request, for requests made one at a time on one keep-alive connection (so that
  neither queueing nor the load generator's share is in the figure) and under the wrk load.
  The goal is at most 1.0 ms each.
* `me_*`: at `--concurrency` (16): the gateway driven by wrk (compiled; its own CPU is a small
  share of the two cores) and by httpx, and GetMe driven by grpc.aio directly. `ratio.me`
  compares wrk-through-gateway with direct gRPC: `rps_gateway_over_direct` (goal >= 0.6),
  `p50_gateway_over_direct` (goal <= 1.3) and `p99_gateway_over_direct` (goal <= 2).
* `login_*`: argon2id by design; the interesting figure is the gateway's share, the ratio.
* `login_burst`: `--burst-concurrency` (32) clients logging in for `--burst-seconds` (30) through
  the gateway. Every answer must be 200, 401 or 503 with Retry-After, and no request may time
  out; `bad` counts the others and the benchmark exits 1 if there are any.
* `profile` (with `--profile`): py-spy's top functions of each process under the wrk load.

Rate limits are off for this run (GATEWAY_RATE_LIMITS_ENABLED=false): the login limit (5 per
15 min per IP) would otherwise be what is measured. Needs wrk (Debian's package `wrk`) for the
wrk figures; without it they are left out and said so.

    python -m bench.auth_paths [--requests 400] [--concurrency 16] [--burst-seconds 30]
                               [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict

import grpc
import httpx

from bench import profile
from bench.harness import (
    CpuMeter,
    Result,
    emit,
    measure,
    platform,
    sequential_cpu,
    wrk,
    wrk_available,
)
from career.auth.v1 import auth_pb2, auth_pb2_grpc
from career_kit import context
from career_kit.grpc.client import outgoing_metadata
from career_kit.settings import DEV_INTERNAL_SECRET

PASSWORD = "a long benchmark passphrase"
WRK_SECONDS = 10


def ratio(through: Result, direct: Result) -> dict[str, float]:
    return {"rps_gateway_over_direct": round(through.requests_per_second
                                             / direct.requests_per_second, 2),
            "p50_gateway_over_direct": round(through.p50_ms / direct.p50_ms, 2),
            "p99_gateway_over_direct": round(through.p99_ms / direct.p99_ms, 2)}


async def run(stack, args: argparse.Namespace) -> dict:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    auth_port = stack.ports.services["auth"].grpc
    processes = {"gateway": stack.processes["gateway"].pid, "auth": stack.processes["auth"].pid}
    concurrency = args.concurrency
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    results: dict[str, object] = {"concurrency": concurrency}
    async with httpx.AsyncClient(base_url=stack.gateway_url, limits=limits, timeout=30) as http, \
            grpc.aio.insecure_channel(f"127.0.0.1:{auth_port}") as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        created = await http.post("/auth/register",
                                  json={"email": email, "password": PASSWORD, "name": "Bench"})
        created.raise_for_status()
        login = await http.post("/auth/login?cookie=false",
                                json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        user_id = login.json()["user"]["id"]
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}

        # Direct calls carry what the gateway would send: internal token and the caller.
        token = context.caller.set(context.Caller(user_id))
        try:
            metadata = tuple(outgoing_metadata(DEV_INTERNAL_SECRET))
        finally:
            context.caller.reset(token)

        async def me_gateway() -> None:
            (await http.get("/auth/me", headers=bearer)).raise_for_status()

        async def me_direct() -> None:
            await stub.GetMe(auth_pb2.GetMeRequest(), metadata=metadata, timeout=10)

        async def login_gateway() -> None:
            (await http.post("/auth/login?cookie=false",
                             json={"email": email, "password": PASSWORD})).raise_for_status()

        async def login_direct() -> None:
            await stub.Login(auth_pb2.LoginRequest(email=email, password=PASSWORD),
                             metadata=metadata, timeout=30)

        cpu: dict[str, object] = {
            "one_at_a_time_through_gateway": asdict(
                await sequential_cpu(me_gateway, processes, requests=args.requests * 5)),
            "one_at_a_time_direct_grpc": asdict(
                await sequential_cpu(me_direct, processes, requests=args.requests * 5)),
        }
        if wrk_available():
            url = f"{stack.gateway_url}/auth/me"
            spied = (profile.sampled(processes, seconds=WRK_SECONDS)
                     if args.profile and profile.available() else None)
            with CpuMeter(processes) as meter:
                if spied is not None:
                    with spied as sampled:
                        through_wrk = await asyncio.to_thread(
                            wrk, url, headers=bearer, connections=concurrency,
                            seconds=WRK_SECONDS)
                    results["profile"] = sampled.top(25)
                else:
                    through_wrk = await asyncio.to_thread(
                        wrk, url, headers=bearer, connections=concurrency, seconds=WRK_SECONDS)
            cpu["under_wrk_load"] = asdict(meter.per_request(through_wrk.requests))
            results["me_through_gateway_wrk"] = through_wrk
        else:
            results["wrk"] = "not installed (apt-get install wrk): wrk figures left out"
        with CpuMeter(processes) as meter:
            direct = await measure(me_direct, requests=args.requests * 10,
                                   concurrency=concurrency, warmup=100)
        cpu["under_direct_grpc_load"] = asdict(meter.per_request(direct.requests))
        results["me_direct_grpc"] = direct
        results["me_through_gateway_httpx"] = await measure(
            me_gateway, requests=args.requests * 5, concurrency=concurrency, warmup=100)
        results["cpu_ms_per_request"] = cpu
        results["login_through_gateway"] = await measure(
            login_gateway, requests=args.requests, concurrency=8, warmup=10)
        results["login_direct_grpc"] = await measure(
            login_direct, requests=args.requests, concurrency=8, warmup=10)
        if args.burst_seconds > 0:
            results["login_burst"] = await login_burst(
                stack.gateway_url, email, args.burst_concurrency, args.burst_seconds)

    ratios: dict[str, object] = {
        "login": ratio(results["login_through_gateway"],  # type: ignore[arg-type]
                       results["login_direct_grpc"]),  # type: ignore[arg-type]
        "me_httpx": ratio(results["me_through_gateway_httpx"], direct),  # type: ignore[arg-type]
    }
    if "me_through_gateway_wrk" in results:
        ratios["me"] = ratio(results["me_through_gateway_wrk"], direct)  # type: ignore[arg-type]
    results["ratio"] = ratios
    return results


async def login_burst(base_url: str, email: str, concurrency: int, seconds: float) -> dict:
    """`concurrency` clients logging in back to back for `seconds`; what came back."""
    answers: Counter[str] = Counter()
    bad: list[str] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # A generous client timeout: a request that hits it is counted as a timeout, a failure.
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
        async def client() -> None:
            while time.monotonic() < deadline:
                try:
                    answer = await http.post("/auth/login?cookie=false",
                                             json={"email": email, "password": PASSWORD})
                except httpx.TimeoutException:
                    answers["timeout"] += 1
                    bad.append("timeout")
                    continue
                status = answer.status_code
                answers[str(status)] += 1
                if status == 200 and not answer.json().get("access_token"):
                    bad.append("200 without an access token")
                elif status == 503 and not answer.headers.get("retry-after"):
                    bad.append("503 without Retry-After")
                elif status not in (200, 401, 503):
                    bad.append(f"{status}: {answer.text[:200]}")

        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return {"concurrency": concurrency, "seconds": round(elapsed, 1),
            "answers": dict(answers), "logins_per_second": round(answers["200"] / elapsed, 2),
            "bad": len(bad), "bad_examples": sorted(set(bad))[:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--burst-concurrency", type=int, default=32)
    parser.add_argument("--burst-seconds", type=float, default=30)
    parser.add_argument("--profile", action="store_true", help="py-spy under the wrk load")
    args = parser.parse_args()
    with platform(extra_env={"GATEWAY_RATE_LIMITS_ENABLED": "false"}) as stack:
        results = asyncio.run(run(stack, args))
    emit("auth_paths", **results)
    burst = results.get("login_burst")
    if isinstance(burst, dict) and burst["bad"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
