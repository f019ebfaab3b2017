"""Child processes in process groups of their own: ended as a whole, and (on Linux) ended by
the kernel when the launcher that started them dies, however it dies."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

# PR_SET_PDEATHSIG (Linux only): the kernel sends the child SIGTERM when the launcher dies,
# even by SIGKILL, which no handler or `finally` of ours sees. Without it the children, in
# their own sessions, outlive a killed launcher and keep their ports, and the next `make run`
# fails to bind. Set by a tiny trampoline that then exec()s the real command (same pid): a
# `preexec_fn` would do it too, but runs Python between fork and exec, which the subprocess
# docs call unsafe in a process with threads, and the launcher has some (the local fakes).
# SIGTERM rather than SIGKILL: the services drain on it within their own grace. The signal
# comes when the *thread* that spawned the child ends, so spawn from a thread that lives as
# long as the processes (the launcher and the test fixtures use the main thread). The pid
# check covers a launcher that died before prctl ran. Elsewhere: no trampoline; `make run`'s
# pre-flight check names a port a survivor still holds.
DIE_WITH_PARENT = "" if not sys.platform.startswith("linux") else """\
import ctypes, os, signal, sys
if ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM)) != 0:  # PR_SET_PDEATHSIG
    sys.exit(f"prctl(PR_SET_PDEATHSIG): {os.strerror(ctypes.get_errno())}")
if os.getppid() != int(sys.argv[1]):
    sys.exit("the launcher is gone")
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""


def signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the child's process group (pgid = its pid: its own session), which also holds
    whatever the child started, even after the child itself has exited."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def group_alive(process: subprocess.Popen) -> bool:
    try:
        os.killpg(process.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def end_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM the child's group, wait up to `grace` for all of it to end, then SIGKILL what
    is left and wait for that too; the child is reaped."""
    deadline = time.monotonic() + grace
    if process.poll() is None or group_alive(process):
        signal_group(process, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(max(0.0, deadline - time.monotonic()))
    while group_alive(process) and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is None or group_alive(process):
        signal_group(process, signal.SIGKILL)
        process.wait()
        # SIGKILL is not refused; the members left are on their way out (or zombies until
        # their new parent reaps them), so wait briefly, not forever.
        until = time.monotonic() + 2.0
        while group_alive(process) and time.monotonic() < until:
            time.sleep(0.02)


def describe_exit(code: int) -> str:
    """A returncode as people read it: "1", "-9 (SIGKILL)"."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"{code} ({signal.Signals(-code).name})"
    return str(code)
