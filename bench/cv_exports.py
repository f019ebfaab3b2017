"""CV exports through the whole platform against the engine in this process, in one run: the
rich two-page CV (devstack's `rich_cv`) as PDF (typst) and DOCX.

* `through_gateway`: `GET /cvs/{id}/export/{pdf|docx}` at `--concurrency` (8), each request
  for a CV of its own (set up beforehand, every one with different text), so every request
  misses the render cache and renders: token check, gRPC to the cv service, reading the CV,
  rendering in its worker thread, counting the download and its event, the bytes back.
* `in_process`: the same renders (`cv.exports.render`, what the service runs) one after
  another here, each on a different CV: the engine's own rate on one core.
* `ratio.gateway_over_in_process`: exports per second through the gateway over the engine's,
  both measured in this run; `cpu_ms_per_export` what the gateway, the cv service and the
  files service spent (from /proc; files only keeps renders asked for twice, so ~0 here).

    python -m bench.cv_exports [--exports 300] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from dataclasses import asdict

import httpx

from bench.harness import CpuMeter, Result, emit, measure, platform
from cv.content.schema import validate_content
from cv.exports import Snapshot, render
from devstack.samples.resumes import rich_cv

PASSWORD = "a long benchmark passphrase"


def variant(n: int) -> dict:
    """The rich CV with its text changed by `n`, so no two are alike."""
    content = rich_cv()
    content["basics"]["label"] = f"{content['basics'].get('label', '')} {n}"
    for entry in content.get("work") or ():
        entry["highlights"] = [f"{h} ({n})" for h in entry.get("highlights") or ()]
    return content


def in_process(export_format: str, count: int) -> dict:
    snapshots = [Snapshot(uuid.uuid4(), "Rich CV", "modern", validate_content(variant(n)), {},
                           1) for n in range(count)]
    render(snapshots[0], export_format)  # fonts and templates loaded once
    latencies = []
    started = time.perf_counter()
    for snapshot in snapshots:
        begun = time.perf_counter()
        render(snapshot, export_format)
        latencies.append((time.perf_counter() - begun) * 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"exports": count, "per_second": round(count / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 2)}


async def signed_in(http: httpx.AsyncClient) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    (await http.post("/auth/register", json={"email": email, "password": PASSWORD,
                                             "name": "Bench"})).raise_for_status()
    login = await http.post("/auth/login?cookie=false",
                            json={"email": email, "password": PASSWORD})
    login.raise_for_status()
    return login.json()["access_token"]


async def through_gateway(stack, export_format: str, count: int, concurrency: int,
                          http: httpx.AsyncClient, token: str) -> tuple[Result, dict]:
    auth = {"Authorization": f"Bearer {token}"}
    warmup = concurrency
    ids = []
    for n in range(count + warmup):
        created = await http.post("/cvs", headers=auth, json={
            "title": f"Rich CV {n}", "template": "modern", "content": variant(n)})
        created.raise_for_status()
        ids.append(created.json()["id"])
    pending = iter(ids)

    async def export() -> None:
        response = await http.get(f"/cvs/{next(pending)}/export/{export_format}",
                                  headers=auth)
        if response.status_code != 200:
            raise RuntimeError(f"export answered {response.status_code}: {response.text}")

    pids = {name: stack.processes[name].pid for name in ("gateway", "cv", "files")}
    for _ in range(warmup):
        await export()
    with CpuMeter(pids) as cpu:
        result = await measure(export, requests=count, concurrency=concurrency, warmup=0)
    return result, cpu.per_request(count).ms


async def run(stack, args: argparse.Namespace) -> dict:
    results = {}
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60,
                                 limits=limits) as http:
        token = await signed_in(http)
        for export_format in ("pdf", "docx"):
            engine = in_process(export_format, args.exports // 2)
            gateway, cpu = await through_gateway(stack, export_format, args.exports,
                                                 args.concurrency, http, token)
            results[export_format] = {
                "through_gateway": asdict(gateway), "in_process": engine,
                "cpu_ms_per_export": cpu,
                "ratio": {"gateway_over_in_process": round(
                    gateway.requests_per_second / engine["per_second"], 3)},
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with platform({"GATEWAY_RATE_LIMITS_ENABLED": "false"}) as stack:
        results = asyncio.run(run(stack, args))
    emit("cv_exports", concurrency=args.concurrency, goal_pdfs_per_second=40, **results)


if __name__ == "__main__":
    main()
