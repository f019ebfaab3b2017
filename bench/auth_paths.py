"""Identity paths: login throughput, and a token-verified GET /auth/me through the gateway
against the same auth calls made directly over gRPC, in one run against the whole platform.

Rate limits are switched off for this run (GATEWAY_RATE_LIMITS_ENABLED=false): the login limit
(5 per 15 min per IP) would otherwise be what is measured. Login is dominated by argon2id by
design; the interesting figure there is the gateway's share, the ratio.

    python -m bench.auth_paths [--requests 400] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import uuid

import grpc
import httpx

from bench.harness import emit, measure, platform
from career.auth.v1 import auth_pb2, auth_pb2_grpc
from career_kit import context
from career_kit.grpc.client import outgoing_metadata
from career_kit.settings import DEV_INTERNAL_SECRET

PASSWORD = "a long benchmark passphrase"


async def run(stack, requests: int, concurrency: int) -> dict:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    auth_port = stack.ports.services["auth"].grpc
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
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

        results = {
            "me_through_gateway": await measure(me_gateway, requests=requests * 5,
                                                concurrency=concurrency, warmup=100),
            "me_direct_grpc": await measure(me_direct, requests=requests * 5,
                                            concurrency=concurrency, warmup=100),
            "login_through_gateway": await measure(login_gateway, requests=requests,
                                                   concurrency=concurrency, warmup=10),
            "login_direct_grpc": await measure(login_direct, requests=requests,
                                               concurrency=concurrency, warmup=10),
        }

    def ratio(a: str, b: str) -> dict:
        x, y = results[a], results[b]
        return {"p50_gateway_over_direct": round(x.p50_ms / y.p50_ms, 2),
                "p99_gateway_over_direct": round(x.p99_ms / y.p99_ms, 2),
                "rps_direct_over_gateway": round(y.requests_per_second
                                                 / x.requests_per_second, 2)}

    return {"concurrency": concurrency, **results,
            "ratio": {"me": ratio("me_through_gateway", "me_direct_grpc"),
                      "login": ratio("login_through_gateway", "login_direct_grpc")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with platform(extra_env={"GATEWAY_RATE_LIMITS_ENABLED": "false"}) as stack:
        results = asyncio.run(run(stack, args.requests, args.concurrency))
    emit("auth_paths", **results)


if __name__ == "__main__":
    main()
