"""What every benchmark reuses: a closed-loop load generator and the platform under test.

`measure()` runs an async call many times at a fixed concurrency and reports throughput and
latency percentiles. `platform()` starts real PostgreSQL/NATS/Redis (or uses the URLs in
POSTGRES_URL / NATS_URL / REDIS_URL) and the whole stack as processes on free ports, exactly as
the end-to-end tests do, and tears everything down afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform as host_platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from devstack.servers import NatsServer, PostgresServer, RedisServer
from devstack.stack import Stack, StackPorts


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def measure(call: Callable[[], Awaitable[object]], *, requests: int = 2000,
                  concurrency: int = 16, warmup: int = 200) -> Result:
    """Run `call` `requests` times with `concurrency` workers, after `warmup` untimed calls."""
    for _ in range(warmup):
        await call()
    latencies: list[float] = []
    errors = 0
    remaining = requests

    async def worker() -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            try:
                await call()
            except Exception:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    ms = [value * 1000 for value in latencies]
    return Result(
        requests=requests, errors=errors, seconds=round(elapsed, 3),
        requests_per_second=round(len(latencies) / elapsed, 1),
        p50_ms=round(statistics.median(ms), 3) if ms else float("nan"),
        p90_ms=round(_percentile(ms, 0.90), 3), p99_ms=round(_percentile(ms, 0.99), 3),
        max_ms=round(ms[-1], 3) if ms else float("nan"),
    )


@contextmanager
def infrastructure(root: Path) -> Iterator[tuple[str, str, str]]:
    """PostgreSQL (admin URL), NATS and Redis: from the environment, else started under
    `root` and stopped on exit."""
    started = []

    def server(env_var: str, factory) -> str:
        if url := os.environ.get(env_var):
            return url
        instance = factory(root / env_var.lower())
        instance.start()
        started.append(instance)
        return instance.url

    try:
        # Throwaway, like the test session's: fsync off, as the figures so far were measured.
        yield (server("POSTGRES_URL", lambda d: PostgresServer(d, durable=False)),
               server("NATS_URL", NatsServer),
               server("REDIS_URL", RedisServer))
    finally:
        for instance in reversed(started):
            instance.stop()


@contextmanager
def platform(extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """The whole platform on free ports, torn down on exit (`extra_env` for every process)."""
    root = Path(tempfile.mkdtemp(prefix="career-bench-"))
    stack = None
    try:
        with infrastructure(root) as (postgres_url, nats_url, redis_url):
            stack = Stack(postgres_url, nats_url, redis_url, ports=StackPorts.free(),
                          log_dir=root / "logs", db_prefix="bench_",
                          extra_env={"LOG_LEVEL": "WARNING", **(extra_env or {})})
            try:
                stack.start(timeout=120)
                yield stack
            finally:
                stack.stop()
                stack.drop_databases()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def emit(benchmark: str, **results: object) -> None:
    """Print one JSON object with the benchmark's name, the machine and the results."""
    def plain(value: object) -> object:
        return asdict(value) if isinstance(value, Result) else value

    print(json.dumps({
        "benchmark": benchmark,
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                    "platform": host_platform.platform()},
        **{key: plain(value) for key, value in results.items()},
    }, indent=2))
