"""Uploads, in one run against the whole platform: `--uploads` (8) concurrent video uploads of
`--megabytes` (49) MiB each through the gateway, against writing the same bytes straight to
the storage backend (local disk, what `make run` uses) in the same run; the peak RSS growth of
the gateway and the files service meanwhile; and the time to process a 12-megapixel JPEG as a
profile image.

* `through_gateway`: every upload streamed by httpx as a raw body (each by its own user, so
  none is deduplicated), through the gateway to the files service, which spools it, scans it
  with the dev stack's fake clamd, probes it, cuts its thumbnail and makes its web copy (a
  stream copy for H.264 MP4), and stores each output. `mb_per_second` over the whole batch.
* `direct_to_storage`: the same files written with the storage backend's own `put`, as many
  at once. `ratio.throughput_gateway_over_direct` compares the two.
* `rss_growth_mb`: each process's largest resident set while the uploads run, less what it
  was before (sampled every 20 ms from /proc). Streaming means it stays far below the bytes
  in flight (`--uploads` x `--megabytes`).
* `cpu_seconds_per_upload`: CPU time of each process per upload (from /proc).
* `image_processing`: wall and CPU seconds to check and re-encode a 4000x3000 JPEG into the
  profile-image variants, in this process (best of 3).

    python -m bench.uploads [--uploads 8] [--megabytes 49]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.harness import CpuMeter, emit, platform
from devstack.samples import content, videos
from files.content.process import process
from files.content.sniff import detect
from files.storage.local import LocalStorage

PASSWORD = "a long benchmark passphrase"
MB = 1024 * 1024


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def watch_rss(pids: dict[str, int], peaks: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in pids.items():
            peaks[name] = max(peaks[name], rss_mb(pid))
        await asyncio.sleep(0.02)


async def signed_in(http: httpx.AsyncClient) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    (await http.post("/auth/register", json={"email": email, "password": PASSWORD,
                                             "name": "Bench"})).raise_for_status()
    login = await http.post("/auth/login?cookie=false",
                            json={"email": email, "password": PASSWORD})
    login.raise_for_status()
    return login.json()["access_token"]


async def file_chunks(path: Path, size: int = 256 * 1024):
    with path.open("rb") as source:
        while chunk := await asyncio.to_thread(source.read, size):
            yield chunk


async def direct(video: Path, uploads: int, folder: Path) -> float:
    storage = LocalStorage(folder, public_base_url="http://bench/public",
                           signed_base_url="http://bench/signed", signing_key=b"bench")
    started = time.perf_counter()
    await asyncio.gather(*(storage.put("social-media", f"bench/{n}/original.mp4", video,
                                       content_type="video/mp4") for n in range(uploads)))
    return time.perf_counter() - started


def image_processing(folder: Path) -> dict[str, float]:
    photo = content.large_jpeg(folder / "12mp.jpg", size=(4000, 3000))
    best_wall = best_cpu = float("inf")
    for attempt in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        process("profile-images", detect(photo), photo, folder / f"out-{attempt}")
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return {"megapixels": 12.0, "wall_seconds": round(best_wall, 3),
            "cpu_seconds": round(best_cpu, 3)}


async def run(stack, args: argparse.Namespace, folder: Path) -> dict:
    video = videos.big_h264_mp4(folder / "video.mp4", args.megabytes)
    size = video.stat().st_size
    pids = {"gateway": stack.processes["gateway"].pid, "files": stack.processes["files"].pid}
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=600) as http:
        tokens = [await signed_in(http) for _ in range(args.uploads)]
        direct_seconds = await direct(video, args.uploads, folder / "direct")

        async def upload(token: str) -> int:
            response = await http.post(
                "/api/uploads/social-media", content=file_chunks(video),
                headers={"Authorization": f"Bearer {token}", "X-File-Name": "clip.mp4",
                         "Content-Type": "video/mp4"})
            if response.status_code != 201:
                raise RuntimeError(f"upload answered {response.status_code}: {response.text}")
            return response.status_code

        before = {name: rss_mb(pid) for name, pid in pids.items()}
        peaks = dict(before)
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch_rss(pids, peaks, stop))
        with CpuMeter(pids) as cpu:
            started = time.perf_counter()
            await asyncio.gather(*(upload(token) for token in tokens))
            through_seconds = time.perf_counter() - started
        stop.set()
        await watcher
    total_mb = size * args.uploads / MB
    return {
        "uploads": args.uploads, "file_mb": round(size / MB, 1),
        "through_gateway": {"seconds": round(through_seconds, 2),
                            "mb_per_second": round(total_mb / through_seconds, 1)},
        "direct_to_storage": {"seconds": round(direct_seconds, 2),
                              "mb_per_second": round(total_mb / direct_seconds, 1)},
        "ratio": {"throughput_gateway_over_direct": round(direct_seconds / through_seconds, 3)},
        "rss_growth_mb": {name: round(peaks[name] - before[name], 1) for name in pids},
        "bytes_in_flight_mb": round(total_mb, 1),
        "cpu_seconds_per_upload": {name: round(ms / 1000, 3) for name, ms in
                                   cpu.per_request(args.uploads).ms.items()},
        "image_processing": image_processing(folder),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--megabytes", type=float, default=49)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="career-bench-uploads-"))
    try:
        with platform({"GATEWAY_RATE_LIMITS_ENABLED": "false"}) as stack:
            results = asyncio.run(run(stack, args, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    emit("uploads", **results)


if __name__ == "__main__":
    main()
