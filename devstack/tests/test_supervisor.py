"""The launcher's supervision and clean-up against real short-lived processes (no platform):
restart with backoff, the crash-loop limit, whole process groups ended by `stop()` and by a
restart, and children that die with a SIGKILLed launcher (Linux)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from devstack.servers import free_port
from devstack.stack import Stack
from devstack.supervisor import CrashLoop, RestartPolicy, Supervisor

# A Stack only to run processes: nothing connects to these.
DUMMY = ("postgresql+asyncpg://postgres@127.0.0.1:1/postgres", "nats://127.0.0.1:1",
         "redis://127.0.0.1:1/0")

# Starts a grandchild (same process group) that ignores SIGTERM, listens on a port and then
# writes its pid to a file, and sleeps: the worst child for a launcher to clean up after.
PARENT_OF_A_LISTENER = textwrap.dedent("""
    import subprocess, sys, time
    subprocess.Popen([sys.executable, "-c", '''
    import os, signal, socket, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(sys.argv[1])))
    sock.listen()
    with open(sys.argv[2] + ".tmp", "w") as file:
        file.write(str(os.getpid()))
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
    time.sleep(600)
    ''', *sys.argv[1:]])
    time.sleep(600)
""")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; its new parent has yet to reap it


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout}s: {what}")


def _listener(pid_file: Path, other_than: int = 0) -> int:
    """The pid of the grandchild that listens, once it does (and is not `other_than`)."""
    return _until(lambda: pid_file.exists() and int(pid_file.read_text()) != other_than
                  and int(pid_file.read_text()), 30, "the grandchild listens")


def _spawn_listener_parent(stack: Stack, tmp_path: Path, name: str) -> tuple[int, Path, int]:
    port = free_port()
    pid_file = tmp_path / f"{name}.pid"
    stack.spawn(name, ["-c", PARENT_OF_A_LISTENER, str(port), str(pid_file)], os.environ)
    return port, pid_file, _listener(pid_file)


def test_restart_delay_doubles_up_to_the_limit():
    policy = RestartPolicy()
    assert [policy.delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]


def test_a_process_that_keeps_exiting_is_restarted_with_backoff_then_is_a_crash_loop():
    stack = Stack(*DUMMY)
    lines: list[str] = []
    supervisor = Supervisor(stack, RestartPolicy(first_delay=0.1, crash_limit=4), lines.append)
    stack.spawn("flaky", ["-c", "import sys; sys.exit(3)"], os.environ)
    pids = {stack.processes["flaky"].pid}
    try:
        with pytest.raises(CrashLoop) as crash_loop:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                supervisor.check()
                pids.add(stack.processes["flaky"].pid)
                time.sleep(0.01)
    finally:
        stack.stop()
    crashes = [line for line in lines if " exited " in line]
    assert [line.rpartition("; ")[2] for line in crashes] == [
        "restarting in 0.1s (restart 1)", "restarting in 0.2s (restart 2)",
        "restarting in 0.4s (restart 3)"]
    assert all(line.startswith("flaky exited with 3 after ") for line in crashes)
    assert sum(line.startswith("flaky restarted (pid ") for line in lines) == 3
    assert len(pids) == 4  # the first run and three restarts, each a new process
    assert "4 crashes in a row" in str(crash_loop.value)
    assert supervisor.restarts("flaky") == 3


def test_a_run_that_lasted_resets_the_backoff_and_the_crash_count():
    stack = Stack(*DUMMY)
    lines: list[str] = []
    policy = RestartPolicy(first_delay=0.1, stable_after=0.5, crash_limit=2)
    supervisor = Supervisor(stack, policy, lines.append)
    stack.spawn("steady", ["-c", "import sys, time; time.sleep(0.6); sys.exit(1)"], os.environ)
    try:
        _until(lambda: supervisor.check() or supervisor.restarts("steady") >= 3, 60,
               "three restarts")
    finally:
        stack.stop()
    crashes = [line for line in lines if " exited " in line]
    assert [line.rpartition("; ")[2] for line in crashes] == [
        f"restarting in 0.1s (restart {n})" for n in (1, 2, 3)]


def test_stop_ends_what_a_crashed_child_left_behind(tmp_path: Path):
    stack = Stack(*DUMMY)
    port, _, grandchild = _spawn_listener_parent(stack, tmp_path, "leaky")
    os.kill(stack.processes["leaky"].pid, signal.SIGKILL)  # its child keeps the port
    assert not _port_free(port)
    started = time.monotonic()
    stack.stop(grace=1.0)
    assert time.monotonic() - started < 5
    assert not _alive(grandchild)
    assert _port_free(port)
    assert stack.processes == {}


def test_stop_kills_a_process_group_that_ignores_sigterm(tmp_path: Path):
    stack = Stack(*DUMMY)
    port, _, grandchild = _spawn_listener_parent(stack, tmp_path, "stubborn")
    codes = stack.stop(grace=0.5)
    assert codes == {"stubborn": -signal.SIGTERM}  # the child went, its child needed SIGKILL
    assert not _alive(grandchild)
    assert _port_free(port)


def test_a_restart_frees_the_ports_the_crashed_process_left_taken(tmp_path: Path):
    stack = Stack(*DUMMY)
    lines: list[str] = []
    supervisor = Supervisor(stack, RestartPolicy(first_delay=0.1), lines.append)
    port, pid_file, first_grandchild = _spawn_listener_parent(stack, tmp_path, "leaky")
    try:
        os.kill(stack.processes["leaky"].pid, signal.SIGKILL)
        _until(lambda: supervisor.check() or supervisor.restarts("leaky"), 10, "a restart")
        # The new child's grandchild binds the same port: only once the old one is gone.
        _listener(pid_file, other_than=first_grandchild)
        assert not _alive(first_grandchild)
        assert stack.processes["leaky"].poll() is None
    finally:
        stack.stop(grace=1.0)
    assert _port_free(port)
    assert lines[0].startswith("leaky exited with -9 (SIGKILL) after ")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_children_die_with_a_sigkilled_launcher(tmp_path: Path):
    launcher = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, sys, time
        from devstack.stack import Stack
        stack = Stack{DUMMY!r}
        child = stack.spawn("sleeper", ["-c", "import time; time.sleep(600)"], os.environ)
        print(child.pid, flush=True)
        time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(launcher.stdout.readline())
        assert _alive(child)
        launcher.kill()
        launcher.wait()
        _until(lambda: not _alive(child), 10, "the child ends after its launcher")
    finally:
        if launcher.poll() is None:
            launcher.kill()
        launcher.stdout.close()
        if _alive(child):
            os.kill(child, signal.SIGKILL)
