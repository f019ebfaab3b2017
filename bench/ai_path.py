"""The AI path's own cost, the model excluded: `POST /ai/enhance` through the gateway against
the cv service's `EnhanceCv` over gRPC directly, in one run against the whole platform, with
the dev stack's fake OpenAI answering at once (its echo model). Each request still does all
the rest: the token check and AI rate limit (off here, so the load is not refused), reading
the CV, redaction and the prompt, billing's ConsumeQuota, the provider call through the SDK
and its schema check, the grounding check, the usage record and cv.enhanced.

Two premium users (500 AI requests each), one per way; `cpu_ms_per_request` is what the
gateway, cv and billing spent per request (from /proc) under the gateway's load.

    python -m bench.ai_path [--requests 300] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import asdict

import grpc
import httpx

from bench.auth_paths import ratio
from bench.harness import CpuMeter, emit, measure, platform
from career.cv.v1 import cv_pb2, cv_pb2_grpc
from career_kit import context
from career_kit.grpc.client import outgoing_metadata
from career_kit.settings import DEV_INTERNAL_SECRET

PASSWORD = "a long benchmark passphrase"
WORK = [{"name": "Kestrel Payments", "position": "Backend Engineer", "startDate": "2021-03",
         "highlights": ["Made settlement faster for 40,000 merchants",
                        "Wrote the ledger service", "Mentored four engineers"]}]


async def premium_user(stack, http: httpx.AsyncClient) -> tuple[str, dict[str, str], str]:
    """A signed-in premium user with a CV: (user id, auth header, CV id)."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    (await http.post("/auth/register", json={"email": email, "password": PASSWORD,
                                             "name": "Bench"})).raise_for_status()
    login = await http.post("/auth/login?cookie=false",
                            json={"email": email, "password": PASSWORD})
    login.raise_for_status()
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    checkout = await http.post("/api/plans/checkout", headers=auth,
                               json={"purchase": "premium"})
    checkout.raise_for_status()
    await http.post(f"{stack.payments.stripe.url}/__fake/checkout/{checkout.json()['id']}"
                    "/complete", data={"redirect": "true"})
    deadline = time.monotonic() + 30
    while (await http.get("/api/plans/entitlements", headers=auth)).json()["plan"] != "premium":
        if time.monotonic() > deadline:
            raise RuntimeError("the premium subscription never arrived")
        await asyncio.sleep(0.2)
    cv = await http.post("/cvs", headers=auth, json={"content": {"work": WORK}})
    cv.raise_for_status()
    return login.json()["user"]["id"], auth, cv.json()["id"]


async def run(stack, args: argparse.Namespace) -> dict:
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    cv_port = stack.ports.services["cv"].grpc
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60, limits=limits) as http, \
            grpc.aio.insecure_channel(f"127.0.0.1:{cv_port}") as channel:
        _, auth, through_cv = await premium_user(stack, http)
        direct_user, _, direct_cv = await premium_user(stack, http)
        stub = cv_pb2_grpc.CvServiceStub(channel)
        token = context.caller.set(context.Caller(direct_user))
        try:
            metadata = tuple(outgoing_metadata(DEV_INTERNAL_SECRET))
        finally:
            context.caller.reset(token)

        async def through() -> None:
            (await http.post("/ai/enhance", headers=auth, json={
                "cv_id": through_cv, "section": "work"})).raise_for_status()

        async def direct() -> None:
            await stub.EnhanceCv(cv_pb2.EnhanceCvRequest(id=direct_cv, section="work"),
                                 metadata=metadata, timeout=30)

        pids = {name: stack.processes[name].pid for name in ("gateway", "cv", "billing")}
        with CpuMeter(pids) as cpu:
            gateway = await measure(through, requests=args.requests,
                                    concurrency=args.concurrency, warmup=10)
        grpc_direct = await measure(direct, requests=args.requests,
                                    concurrency=args.concurrency, warmup=10)
    return {"concurrency": args.concurrency, "through_gateway": asdict(gateway),
            "direct_grpc": asdict(grpc_direct), "ratio": ratio(gateway, grpc_direct),
            "cpu_ms_per_request": cpu.per_request(args.requests + 10).ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if args.requests + 20 > 500:
        parser.error("each user has 500 AI requests a period: --requests at most 480")
    env = {"GATEWAY_RATE_LIMITS_ENABLED": "false", "AUTH_PASSWORD_HASH_TIME_COST": "1",
           "AUTH_PASSWORD_HASH_MEMORY_KIB": "64"}
    with platform(env) as stack:
        results = asyncio.run(run(stack, args))
    emit("ai_path", **results)


if __name__ == "__main__":
    main()
