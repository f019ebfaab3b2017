"""`make run` (python -m devstack.run) as a developer runs it: it starts its own PostgreSQL,
NATS and Redis and every process on the default ports and says where they are; a killed
service is reported and restarted while the gateway answers 503 problem+json for it; Ctrl-C
with a service down stops everything and frees every port it used.

One launcher for the module (its start-up is most of the time); the tests run in file order."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.servers import free_port
from devstack.stack import SERVICES, StackPorts

START_TIMEOUT = 180.0  # migrations and start-up of eight processes on a busy two-core machine
STOP_WITHIN = 40.0  # the gateway's grace, then the services' (15 s each), at worst


class Launcher:
    """The launcher process, with its output kept line by line (a thread drains the pipe,
    which the children write to as well)."""

    def __init__(self, env: dict[str, str], cwd: Path, db_prefix: str) -> None:
        self.ports = StackPorts.from_env(env)
        self.data_dir = cwd / "data"
        self.seen: set[int] = set()  # every child pid seen, by children() or in the output
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devstack.run", "--data-dir", str(cwd / "data"),
             "--db-prefix", db_prefix, "--start-timeout", str(START_TIMEOUT)],
            env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def output(self) -> str:
        """The launcher's own lines, without the children's JSON logs (a child writes a log
        record and its newline apart, so a launcher line can follow a record on its line)."""
        with self._changed:
            lines = [line.rpartition("}")[2] if line.startswith("{") else line
                     for line in self.lines]
        return "\n".join(line for line in lines if line)

    def wait_for(self, pattern: str, timeout: float, after: int = 0) -> tuple[re.Match, int]:
        """The first line from index `after` on that matches `pattern`, and its index."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(after, len(self.lines)):
                    if match := re.search(pattern, self.lines[index]):
                        return match, index
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None and
                                      not self._reader.is_alive()):
                    raise AssertionError(
                        f"no line matching {pattern!r} within {timeout}s:\n{self.output()}")
                self._changed.wait(min(remaining, 0.5))

    def children(self) -> dict[str, int]:
        """The launcher's running children by process name ("auth", "gateway", ...)."""
        found = {}
        for pid in _pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(stat[1]) == self.process.pid and stat[0] != "Z" and "-m" in argv:
                found[argv[argv.index("-m") + 1].split(".")[0]] = pid
        self.seen |= set(found.values())
        return found

    def survivors(self) -> list[int]:
        """Live processes of the children's sessions: each child leads its own, and whatever
        it starts stays in it. Children seen by children() or reported as restarted count."""
        with self._changed:
            self.seen |= {int(m.group(1)) for line in self.lines
                          if (m := re.search(r" restarted \(pid (\d+)\)$", line))}
        alive = []
        for pid in _pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            # state, ppid, pgrp, session
            if stat[0] != "Z" and (pid in self.seen or int(stat[3]) in self.seen):
                alive.append(pid)
        return alive


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _can_listen(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def launcher() -> Iterator[Launcher]:
    """`make run` without its install step, as a developer runs it: no server URLs (it starts
    PostgreSQL, NATS and Redis from pip packages in its data folder), the default ports."""
    # The services' gRPC ports (50051...) lie in the kernel's ephemeral range (32768-60999), so
    # another worker's outgoing connection can sit on one — for the whole session when it is a
    # long-lived gRPC channel. Wait a moment; then move a port still held to a free one below
    # that range (a developer does the same with the variable the launcher's message names).
    # The gateway's ports lie outside the range and stay the defaults the output is checked for.
    deadline = time.monotonic() + 5
    while (taken := StackPorts.defaults().in_use()) and time.monotonic() < deadline:
        time.sleep(0.2)
    if gateway_taken := {s: p for s, p in taken.items() if s.startswith("GATEWAY_")}:
        pytest.fail(f"`make run` needs the gateway's default ports; taken: {gateway_taken}")
    env = {key: value for key, value in os.environ.items()
           if key not in ("POSTGRES_URL", "NATS_URL", "REDIS_URL")}
    env |= {setting: str(free_port()) for setting in taken}
    with tempfile.TemporaryDirectory(prefix="career-launcher-") as root:
        launcher = Launcher(env, Path(root), "career_")
        try:
            launcher.wait_for(r"Career Tools is up in ", START_TIMEOUT + 30)
            yield launcher
        finally:
            if launcher.process.poll() is None:
                launcher.children()
                launcher.process.send_signal(signal.SIGTERM)
                try:
                    launcher.process.wait(STOP_WITHIN)
                except subprocess.TimeoutExpired:
                    launcher.process.kill()  # its children get SIGTERM from the kernel
                    launcher.process.wait()
            for pid in launcher.survivors():
                os.kill(pid, signal.SIGKILL)
            launcher.process.stdout.close()


def test_make_run_starts_its_servers_and_everything_and_prints_where(launcher) -> None:
    output = launcher.output()
    assert "API docs: http://127.0.0.1:8000/docs" in output, output
    assert "Metrics:  http://127.0.0.1:9000/metrics" in output, output
    ready = httpx.get("http://127.0.0.1:9000/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert all(ready.json()["checks"][s] == "ok" for s in SERVICES), ready.json()
    assert (launcher.data_dir / "postgres" / "PG_VERSION").exists()


def _auth_state(gateway: httpx.Client, ops: httpx.Client) -> tuple[httpx.Response, dict]:
    """A gateway call that needs auth (its JWKS), and the ops port's /readyz."""
    return gateway.get("/.well-known/jwks.json"), ops.get("/readyz").json()


def test_a_killed_service_is_restarted_and_the_gateway_answers_503_meanwhile(launcher):
    gateway_url = f"http://127.0.0.1:{launcher.ports.gateway}"
    ops_url = f"http://127.0.0.1:{launcher.ports.gateway_metrics}"
    auth = launcher.children()["auth"]
    already = len(launcher.lines)
    with httpx.Client(base_url=gateway_url, timeout=10) as gateway, \
            httpx.Client(base_url=ops_url, timeout=10) as ops:
        jwks, ready = _auth_state(gateway, ops)
        assert (jwks.status_code, ready["checks"]["auth"]) == (200, "ok")

        os.kill(auth, signal.SIGKILL)
        # While auth is down (the backoff, then its start-up), the gateway answers for it.
        down = None
        deadline = time.monotonic() + 20
        while down is None and time.monotonic() < deadline:
            jwks, ready = _auth_state(gateway, ops)
            if jwks.status_code != 200 and ready["checks"]["auth"] != "ok":
                down = jwks, ready
        assert down is not None, "the gateway never answered for a stopped auth"
        jwks, ready = down
        assert jwks.status_code == 503, jwks.text
        assert jwks.headers["content-type"].startswith("application/problem+json")
        assert jwks.json()["status"] == 503
        assert ready["status"] == "degraded"

        _, index = launcher.wait_for(
            r"auth exited with -9 \(SIGKILL\) after [\d.]+s; restarting in 0\.5s \(restart 1\)$",
            10, after=already)
        restarted, _ = launcher.wait_for(r"auth restarted \(pid (\d+)\)$", 10, after=index)
        new_auth = int(restarted.group(1))
        assert new_auth != auth

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            jwks, ready = _auth_state(gateway, ops)
            if jwks.status_code == 200 and ready["status"] == "ready":
                break
            time.sleep(0.2)
        assert (jwks.status_code, ready["status"]) == (200, "ready"), (jwks.text, ready)
        assert jwks.json()["keys"]
    assert launcher.children()["auth"] == new_auth
    assert launcher.process.poll() is None  # one crash stops nothing


def test_ctrl_c_with_a_service_down_stops_everything_and_frees_every_port(launcher):
    children = launcher.children()
    assert set(children) == {*SERVICES, "gateway"}
    already = len(launcher.lines)
    os.kill(children["auth"], signal.SIGKILL)
    launcher.wait_for(r"auth exited with -9 \(SIGKILL\)", 10, after=already)

    # Ctrl-C (SIGINT); SIGTERM and SIGHUP take the same path in devstack.run.
    started = time.monotonic()
    launcher.process.send_signal(signal.SIGINT)
    code = launcher.process.wait(STOP_WITHIN)
    took = time.monotonic() - started
    output = launcher.output()
    assert code == 0, output
    assert "SIGINT received." in output and output.endswith("Stopped."), output
    assert took < STOP_WITHIN
    assert launcher.survivors() == []
    for pid in children.values():
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)  # neither the child nor anything in its process group
    assert launcher.children() == {}
    taken = {setting: port for setting, port in launcher.ports.named().items()
             if not _can_listen(port)}
    assert taken == {}
