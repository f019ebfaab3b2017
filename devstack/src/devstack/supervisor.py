"""`make run`'s supervision: a process of the Stack that exits is reported and restarted with
backoff (`RestartPolicy`), and a crash loop stops the platform (`CrashLoop`)."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from devstack.processes import describe_exit, signal_group
from devstack.stack import Stack


@dataclass(frozen=True)
class RestartPolicy:
    """When `Supervisor` restarts a process that exited, and when it gives up.

    The n-th crash in a row waits `first_delay * 2**(n-1)` seconds, at most `max_delay`, before
    the restart. A run that lasted `stable_after` seconds ends the row: its crash counts as
    the first again. The `crash_limit`-th crash in a row is a crash loop: a process that
    cannot start (a bad setting, a port taken) stops the platform after a few tries instead of
    restarting forever. Crashes in a row rather than crashes per time window, because a slow
    start-up on a busy machine would spread a crash loop over any window."""

    first_delay: float = 0.5
    max_delay: float = 30.0
    stable_after: float = 60.0
    crash_limit: int = 5

    def delay(self, crashes: int) -> float:
        """Seconds to wait before restarting after the `crashes`-th crash in a row."""
        return min(self.first_delay * 2 ** (crashes - 1), self.max_delay)


class CrashLoop(RuntimeError):
    """A process crashed `RestartPolicy.crash_limit` times in a row; the platform should stop."""


@dataclass
class _Watch:
    crashes: int = 0  # in a row (runs shorter than stable_after)
    restarts: int = 0
    restart_at: float | None = None  # time.monotonic() of the pending restart


class Supervisor:
    """Keeps a started Stack's processes running: `check()`, called every fraction of a
    second, notices a process that exited (any exit: they run until told to stop), reports it,
    restarts it after the policy's backoff and raises CrashLoop when the policy gives up.

    Meanwhile the gateway answers for the missing service with 503 problem+json (its gRPC
    calls fail UNAVAILABLE) and its ops port's /readyz reports that service's check failing."""

    def __init__(self, stack: Stack, policy: RestartPolicy | None = None,
                 report: Callable[[str], None] = print) -> None:
        self.stack = stack
        self.policy = policy or RestartPolicy()
        self.report = report
        self._watches: dict[str, _Watch] = {}

    def restarts(self, name: str) -> int:
        """How often `name` was restarted so far."""
        return self._watches[name].restarts if name in self._watches else 0

    def check(self) -> None:
        """One pass over the processes (restarts that are due, exits to report)."""
        for name, process in list(self.stack.processes.items()):
            watch = self._watches.setdefault(name, _Watch())
            now = time.monotonic()
            if watch.restart_at is not None:
                if now >= watch.restart_at:
                    watch.restart_at = None
                    watch.restarts += 1
                    restarted = self.stack.restart(name)
                    self.report(f"{name} restarted (pid {restarted.pid})")
                continue
            code = process.poll()
            if code is None:
                continue
            uptime = self.stack.uptime(name)
            # Its own children may hold its ports; restart() SIGKILLs what ignores this.
            signal_group(process, signal.SIGTERM)
            watch.crashes = 1 if uptime >= self.policy.stable_after else watch.crashes + 1
            if watch.crashes >= self.policy.crash_limit:
                raise CrashLoop(
                    f"{name} exited with {describe_exit(code)} after {uptime:.1f}s: "
                    f"{watch.crashes} crashes in a row, each within "
                    f"{self.policy.stable_after:.0f}s of starting, is a crash loop"
                    f"{self.stack._log_hint(name)}")
            delay = self.policy.delay(watch.crashes)
            watch.restart_at = now + delay
            self.report(f"{name} exited with {describe_exit(code)} after {uptime:.1f}s; "
                        f"restarting in {delay:.1f}s (restart {watch.restarts + 1})")
