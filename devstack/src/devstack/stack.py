"""The whole system as real processes: every service of the registry and the gateway.

`make run` (devstack.run) and the end-to-end tests (tests/e2e) both start the platform through
`Stack`, so what the tests exercise is what a developer runs. Given the URLs of PostgreSQL, NATS
and Redis, a Stack creates each service's database, applies its migrations, starts every
process with its settings in the environment, waits for the gateway's /readyz (on its ops
port, GATEWAY_METRICS_PORT), and stops them in reverse order (gateway first) on `stop()`.

Each process runs in its own session, so Ctrl-C in the terminal reaches only the launcher, which
stops them in order; that makes every child's process group ours to end: `stop()` signals whole
groups (a child's own children too), SIGKILLs what is left after the grace and waits for it, so
no port stays taken. On Linux a child also dies with the launcher even when the launcher is
SIGKILLed (see `DIE_WITH_PARENT`). `Supervisor` restarts crashed processes with backoff
(`RestartPolicy`) and gives up on a crash loop; `make run` runs one, the tests do not.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from career_kit import registry
from career_kit.db import sync_url
from devstack.fakes.clamd import FakeClamd
from devstack.fakes.email import SmtpCatcher, start_local_mail_catcher
from devstack.fakes.llms import PROVIDER_KEYS, LocalLlms, start_local_llms
from devstack.fakes.payments import LocalPayments, start_local_payments
from devstack.processes import DIE_WITH_PARENT, end_group, signal_group
from devstack.servers import free_port

# The services, by name, in the registry's order (career_kit.registry).
SERVICES = registry.NAMES
# Any of these set means real e-mail is configured; otherwise mail goes to a local catcher.
_EMAIL_PROVIDER_SETTINGS = ("NOTIFY_EMAIL_PROVIDER", "RESEND_API_KEY", "SENDGRID_API_KEY",
                            "MAILGUN_API_KEY")


@dataclass(frozen=True)
class ServicePorts:
    grpc: int
    http: int


@dataclass
class StackPorts:
    """Where each process listens; `defaults()` are the registry's ports, which the services'
    own setting defaults match."""

    gateway: int
    # The gateway's ops port: /metrics, /healthz and /readyz, apart from the public API.
    gateway_metrics: int
    services: dict[str, ServicePorts]

    @classmethod
    def defaults(cls) -> StackPorts:
        return cls(
            gateway=8000, gateway_metrics=9000,
            services={s.name: ServicePorts(s.grpc_port, s.http_port) for s in registry.SERVICES},
        )

    @classmethod
    def free(cls) -> StackPorts:
        return cls(
            gateway=free_port(), gateway_metrics=free_port(),
            services={name: ServicePorts(free_port(), free_port()) for name in SERVICES},
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StackPorts:
        """The defaults, except where `env` sets a process's own port setting
        (GATEWAY_HTTP_PORT, GATEWAY_METRICS_PORT, AUTH_GRPC_PORT, AUTH_HTTP_PORT, ...)."""
        ports = cls.defaults()
        return cls(
            gateway=int(env.get("GATEWAY_HTTP_PORT") or ports.gateway),
            gateway_metrics=int(env.get("GATEWAY_METRICS_PORT") or ports.gateway_metrics),
            services={name: ServicePorts(
                int(env.get(f"{name.upper()}_GRPC_PORT") or ports.services[name].grpc),
                int(env.get(f"{name.upper()}_HTTP_PORT") or ports.services[name].http))
                for name in SERVICES},
        )

    def named(self) -> dict[str, int]:
        """Every port by the setting that chooses it: {"GATEWAY_HTTP_PORT": 8000, ...}."""
        ports = {"GATEWAY_HTTP_PORT": self.gateway, "GATEWAY_METRICS_PORT": self.gateway_metrics}
        for name, service in self.services.items():
            ports[f"{name.upper()}_GRPC_PORT"] = service.grpc
            ports[f"{name.upper()}_HTTP_PORT"] = service.http
        return ports

    def in_use(self, host: str = "127.0.0.1") -> dict[str, int]:
        """The ports that something already listens on (the processes would fail to bind)."""
        return {setting: port for setting, port in self.named().items()
                if not _can_listen(host, port)}


def _can_listen(host: str, port: int) -> bool:
    # SO_REUSEADDR as the servers themselves bind: a port with only TIME_WAIT leftovers is free.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class Stack:
    """Runs the platform's processes against the given servers."""

    postgres_url: str  # admin URL; the stack creates `<db_prefix><database>` databases
    nats_url: str
    redis_url: str
    ports: StackPorts = field(default_factory=StackPorts.defaults)
    log_dir: Path | None = None  # None: children write to this terminal
    db_prefix: str = "career_"
    events_namespace: str = ""
    redis_key_prefix: str = ""
    environment: str = "development"
    extra_env: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Started by `start()` when no e-mail provider is configured: notify mails go here.
    mail_catcher: SmtpCatcher | None = None
    # Started by `start()` for the payment providers without credentials in the environment.
    payments: LocalPayments | None = None
    # Started by `start()` when no CLAMAV_URL is given: the files service's malware scanner.
    clamd: FakeClamd | None = None
    llms: LocalLlms | None = None
    # The files service's spool and local storage when FILES_DATA_DIR is not given: made by
    # `start()`, removed by `stop()`.
    _files_dir: Path | None = field(default=None, init=False, repr=False)
    # How each process was started (arguments, environment, when), for `restart()`.
    _commands: dict[str, _Command] = field(default_factory=dict, init=False, repr=False)

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.ports.gateway}"

    @property
    def gateway_metrics_url(self) -> str:
        """The gateway's ops port: /metrics, and /readyz with every service's health."""
        return f"http://{self.host}:{self.ports.gateway_metrics}"

    def database_name(self, service: str) -> str:
        """The database of `service` in this stack: `<db_prefix><database>`."""
        return f"{self.db_prefix}{registry.BY_NAME[service].database}"

    def database_url(self, service: str) -> str:
        base = self.postgres_url.rpartition("/")[0]
        return f"{base}/{self.database_name(service)}"

    def env(self) -> dict[str, str]:
        """The environment every child gets: platform, per-service and gateway settings."""
        env = {
            **os.environ,
            "ENVIRONMENT": self.environment,
            "NATS_URL": self.nats_url,
            "REDIS_URL": self.redis_url,
            "EVENTS_NAMESPACE": self.events_namespace,
            "REDIS_KEY_PREFIX": self.redis_key_prefix,
            "GATEWAY_HOST": self.host,
            "GATEWAY_HTTP_PORT": str(self.ports.gateway),
            "GATEWAY_METRICS_PORT": str(self.ports.gateway_metrics),
            "PYTHONUNBUFFERED": "1",
        }
        for service in registry.SERVICES:
            prefix = service.env_prefix
            ports = self.ports.services[service.name]
            env[f"{prefix}_DATABASE_URL"] = self.database_url(service.name)
            env[f"{prefix}_HOST"] = self.host
            env[f"{prefix}_GRPC_PORT"] = str(ports.grpc)
            env[f"{prefix}_HTTP_PORT"] = str(ports.http)
            env[f"GATEWAY_{prefix}_GRPC_TARGET"] = f"{self.host}:{ports.grpc}"
            for client in service.called_by:
                env[f"{client.upper()}_{prefix}_GRPC_TARGET"] = f"{self.host}:{ports.grpc}"
        for service in registry.WEBHOOK_RECEIVERS:
            env[f"GATEWAY_{service.env_prefix}_WEBHOOK_URL"] = (
                f"http://{self.host}:{self.ports.services[service.name].http}"
            )
        # Uploads stream to the files service's HTTP port; local storage's links point at the
        # gateway's /files/..., which forwards there.
        env["GATEWAY_FILES_HTTP_URL"] = f"http://{self.host}:{self.ports.services['files'].http}"
        env["FILES_SIGNED_BASE_URL"] = f"{self.gateway_url}/files/signed"
        env["FILES_LOCAL_PUBLIC_BASE_URL"] = f"{self.gateway_url}/files/public"
        env.update(self.extra_env)
        return env

    # -- set-up -------------------------------------------------------------------------------

    def create_databases(self) -> None:
        """Create each service's database unless it exists (data survives between runs)."""

        async def create() -> None:
            conn = await asyncpg.connect(sync_url(self.postgres_url))
            try:
                existing = {r[0] for r in await conn.fetch("SELECT datname FROM pg_database")}
                for name in SERVICES:
                    database = self.database_name(name)
                    if database not in existing:
                        await conn.execute(f'CREATE DATABASE "{database}"')
            finally:
                await conn.close()

        asyncio.run(create())

    def drop_databases(self) -> None:
        async def drop() -> None:
            conn = await asyncpg.connect(sync_url(self.postgres_url))
            try:
                for name in SERVICES:
                    await conn.execute(
                        f'DROP DATABASE IF EXISTS "{self.database_name(name)}" WITH (FORCE)'
                    )
            finally:
                await conn.close()

        asyncio.run(drop())

    def migrate(self, timeout: float = 120.0,
                stop_requested: Callable[[], bool] | None = None) -> None:
        """Apply every service's migrations (devstack.migrate: one process for all of them).

        Polled rather than waited on, so that `stop_requested` (the launcher's Ctrl-C) ends
        it at once instead of after the slowest service."""
        with tempfile.TemporaryFile() as output:
            process = subprocess.Popen([sys.executable, "-m", "devstack.migrate"],
                                       env=self.env(), stdout=output, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + timeout
                while process.poll() is None:
                    _raise_if_stop_requested(stop_requested)
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"migrations did not end in {timeout:.0f}s")
                    time.sleep(0.05)
                # A Ctrl-C in the terminal also reached the migrations (same process group).
                _raise_if_stop_requested(stop_requested)
                if process.returncode:
                    output.seek(0)
                    raise RuntimeError(
                        f"migrations failed: {output.read().decode(errors='replace')}")
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()

    # -- processes ----------------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], env: Mapping[str, str] | None = None,
              ) -> subprocess.Popen:
        """Start `python <args>` as process `name` (in its own session, dying with this process
        on Linux), with `env` or else `env()`; `restart(name)` starts it again the same way."""
        env = dict(self.env() if env is None else env)
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
        else:
            out = None
        command = [sys.executable, *args]
        if DIE_WITH_PARENT:
            command = [sys.executable, "-c", DIE_WITH_PARENT, str(os.getpid()), *args]
        try:
            # Own session: Ctrl-C reaches the launcher only, which stops children in order;
            # and the child's group is all it started, for stop() to end together.
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        finally:
            if out is not None:
                out.close()
        self.processes[name] = process
        self._commands[name] = _Command(list(args), env, time.monotonic())
        return process

    def restart(self, name: str) -> subprocess.Popen:
        """Start `name` again as it was started, after ending what is left of its group (a
        crashed child's own children may still hold its ports)."""
        old = self.processes.get(name)
        if old is not None:
            end_group(old, grace=0.0)
        command = self._commands[name]
        return self.spawn(name, command.args, command.env)

    def uptime(self, name: str) -> float:
        """Seconds since `name` was last (re)started."""
        return time.monotonic() - self._commands[name].started_at

    def start(self, timeout: float = 60.0,
              stop_requested: Callable[[], bool] | None = None) -> float:
        """Create databases, migrate, start everything; returns seconds until all were ready.

        Raises StartCancelled as soon as `stop_requested()` is true (the launcher's Ctrl-C);
        whatever started by then is stopped by `stop()`, which the caller runs in any case."""
        started = time.monotonic()
        self.create_databases()
        _raise_if_stop_requested(stop_requested)
        self.migrate(stop_requested=stop_requested)
        env = self.env()
        if not any(env.get(key) for key in _EMAIL_PROVIDER_SETTINGS):
            self.mail_catcher, mail_env = start_local_mail_catcher()
            env.update(mail_env)
        stripe_missing = not env.get("STRIPE_SECRET_KEY")
        paypal_missing = not env.get("PAYPAL_CLIENT_ID")
        if stripe_missing or paypal_missing:
            self.payments, payment_env = start_local_payments(
                self.gateway_url, stripe=stripe_missing, paypal=paypal_missing)
            env.update(payment_env)
        if not env.get("CLAMAV_URL") and env.get("FILES_MALWARE_SCAN") != "off":
            # Room for social-media's 50 MB videos (clamd's own default is 25 MB).
            self.clamd = FakeClamd(stream_max_length=64 * 1024 * 1024).start()
            env["CLAMAV_URL"] = self.clamd.url
        if not any(env.get(key) for key in PROVIDER_KEYS):
            self.llms, llm_env = start_local_llms()
            env.update(llm_env)
        if not env.get("FILES_DATA_DIR"):
            self._files_dir = Path(tempfile.mkdtemp(prefix="career-files-"))
            env["FILES_DATA_DIR"] = str(self._files_dir)
        for name in SERVICES:
            self.spawn(name, ["-m", f"{name}.main", "serve"], env)
        self.spawn("gateway", ["-m", "gateway.main"], env)
        self.wait_ready(timeout - (time.monotonic() - started), stop_requested)
        return time.monotonic() - started

    def wait_ready(self, timeout: float,
                   stop_requested: Callable[[], bool] | None = None) -> dict:
        """Poll the gateway's /readyz until the gateway's Redis and every service answer, and
        until its public port does too (the ops port starts first, in the app's lifespan)."""
        deadline = time.monotonic() + max(timeout, 1.0)
        last: object = None
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                _raise_if_stop_requested(stop_requested)
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        raise RuntimeError(
                            f"{name} exited with {process.returncode}{self._log_hint(name)}"
                        )
                try:
                    response = client.get(f"{self.gateway_metrics_url}/readyz")
                    last = response.json()
                    # "ready", not merely 200: the gateway stays in service while degraded.
                    if last.get("status") == "ready" and \
                            client.get(f"{self.gateway_url}/healthz").status_code == 200:
                        return last
                except httpx.HTTPError as exc:
                    last = repr(exc)
                time.sleep(0.2)
        raise TimeoutError(f"the platform was not ready after {timeout:.0f}s: {last}")

    def _log_hint(self, name: str) -> str:
        if self.log_dir is None:
            return ""
        log = self.log_dir / f"{name}.log"
        return f"; last lines of {log}:\n" + "\n".join(log.read_text().splitlines()[-20:])

    def stop(self, grace: float = 15.0) -> dict[str, int | None]:
        """SIGTERM the gateway's process group, then every other one; SIGKILL each group that
        has not ended after `grace`, and wait until it has. Returns each child's exit code.

        Safe to call at any point of `start()` and more than once."""
        if gateway := self.processes.get("gateway"):
            # First and alone: no new requests reach services that are draining.
            end_group(gateway, grace)
        others = [name for name in self.processes if name != "gateway"]
        for name in others:
            signal_group(self.processes[name], signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name in others:
            end_group(self.processes[name], max(0.0, deadline - time.monotonic()))
        codes = {name: p.returncode for name, p in self.processes.items()}
        self.processes.clear()
        self._commands.clear()
        if self.mail_catcher is not None:
            self.mail_catcher.stop()
            self.mail_catcher = None
        if self.payments is not None:
            self.payments.stop()
            self.payments = None
        if self.clamd is not None:
            self.clamd.stop()
            self.clamd = None
        if self.llms is not None:
            self.llms.stop()
            self.llms = None
        if self._files_dir is not None:
            shutil.rmtree(self._files_dir, ignore_errors=True)
            self._files_dir = None
        return codes


class StartCancelled(Exception):
    """`Stack.start()` saw `stop_requested()` and stopped starting."""


def _raise_if_stop_requested(stop_requested: Callable[[], bool] | None) -> None:
    if stop_requested is not None and stop_requested():
        raise StartCancelled("stopped while starting")


@dataclass(frozen=True)
class _Command:
    args: list[str]
    env: dict[str, str]
    started_at: float  # time.monotonic()
