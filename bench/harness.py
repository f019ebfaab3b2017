"""What every benchmark reuses: a closed-loop load generator and the platform under test.

`measure()` runs an async call many times at a fixed concurrency and reports throughput and
latency percentiles; `wrk()` does the same for one HTTP request with the compiled load generator
wrk, whose own cost is a fraction of a Python client's. `ProcessCpu` reads what a process (and
every process it started) has spent on the CPU, so that `CpuMeter` can report the milliseconds
each server spends per request, which is what the machine's noise hardly moves.
`platform()` starts real PostgreSQL/NATS/Redis (or uses the URLs in
POSTGRES_URL / NATS_URL / REDIS_URL) and the whole stack as processes on free ports, exactly as
the end-to-end tests do, and tears everything down afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform as host_platform
import re
import shutil
import statistics
import subprocess
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


class ProcessCpu:
    """User + system CPU seconds of process group `pgid` (a stack process and its children:
    the stack starts each in its own session), read from /proc, so worker processes count."""

    _TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid

    def seconds(self) -> float:
        ticks = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    raw = stat.read()
            except OSError:
                continue  # ended meanwhile
            # The command name (field 2) may hold spaces; what follows its ")" is split safely.
            fields = raw[raw.rindex(b")") + 2:].split()
            if int(fields[2]) == self.pgid:  # field 5, pgrp
                ticks += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
        return ticks / self._TICKS


@dataclass
class CpuPerRequest:
    """Milliseconds of CPU each named process spent per request over one measured stretch."""

    requests: int
    ms: dict[str, float]


class CpuMeter:
    """`with CpuMeter({"gateway": pid}) as cpu: ...`, then `cpu.per_request(requests)`.

    Clock ticks are 10 ms, so give it a stretch of at least a few seconds."""

    def __init__(self, processes: dict[str, int]) -> None:
        self._meters = {name: ProcessCpu(pid) for name, pid in processes.items()}
        self._spent: dict[str, float] = {}

    def __enter__(self) -> CpuMeter:
        self._before = {name: meter.seconds() for name, meter in self._meters.items()}
        return self

    def __exit__(self, *exc: object) -> None:
        self._spent = {name: meter.seconds() - self._before[name]
                       for name, meter in self._meters.items()}

    def per_request(self, requests: int) -> CpuPerRequest:
        """What each process spent in the measured stretch, per one of its `requests`."""
        return CpuPerRequest(requests, {name: round(seconds * 1000 / max(requests, 1), 3)
                                        for name, seconds in self._spent.items()})


async def sequential_cpu(call: Callable[[], Awaitable[object]], processes: dict[str, int], *,
                         requests: int = 2000, warmup: int = 200) -> CpuPerRequest:
    """CPU per request of each of `processes` for `call` made one at a time (a keep-alive
    client, so connection set-up and the load generator's queueing are out of the figure)."""
    for _ in range(warmup):
        await call()
    with CpuMeter(processes) as cpu:
        for _ in range(requests):
            await call()
    return cpu.per_request(requests)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _WRK_UNITS[unit]


def wrk(url: str, *, headers: dict[str, str] | None = None, connections: int = 16,
        seconds: int = 10, threads: int = 1) -> Result:
    """A closed-loop HTTP load of `connections` keep-alive connections for `seconds` by wrk
    (Debian's package `wrk`). Answers other than 2xx/3xx and socket errors count as errors."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    percentiles = {int(p): _wrk_ms(v) for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)$", out, re.M)}
    done = int(re.search(r"^\s*(\d+) requests in", out, re.M).group(1))  # type: ignore[union-attr]
    elapsed = _wrk_ms(re.search(r"requests in ([\d.]+\w+),", out).group(1)) / 1000  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in socket.groups()) if socket else 0)
    max_ms = _wrk_ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    return Result(requests=done, errors=errors, seconds=round(elapsed, 3),
                  requests_per_second=round(done / elapsed, 1), p50_ms=percentiles[50],
                  p90_ms=percentiles[90], p99_ms=percentiles[99], max_ms=max_ms)


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
                          extra_env={"LOG_LEVEL": "INFO", **(extra_env or {})})
            try:
                stack.start(timeout=120)
                yield stack
            finally:
                stack.stop()
                stack.drop_databases()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def reference_cpu_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload (the best of three): the machine's
    speed, so that CPU figures taken on different hosts can be compared. The hosts these
    benchmarks run on differ by up to 2x from one day to the next; divide a CPU figure by
    this one to compare runs from different machines."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        sum(range(3_000_000))
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def emit(benchmark: str, **results: object) -> None:
    """Print one JSON object with the benchmark's name, the machine (with its speed,
    `reference_cpu_ms`) and the results."""
    def plain(value: object) -> object:
        return asdict(value) if isinstance(value, (Result, CpuPerRequest)) else value

    print(json.dumps({
        "benchmark": benchmark,
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                    "platform": host_platform.platform(),
                    "reference_cpu_ms": reference_cpu_ms()},
        **{key: plain(value) for key, value in results.items()},
    }, indent=2))
