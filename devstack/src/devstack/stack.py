"""The whole system as real processes: seven services and the gateway.

`make run` (devstack.run) and the end-to-end tests (tests/e2e) both start the platform through
`Stack`, so what the tests exercise is what a developer runs. Given the URLs of PostgreSQL, NATS
and Redis, a Stack creates each service's database, applies its migrations, starts every
process with its settings in the environment, waits for the gateway's /readyz (on its ops
port, GATEWAY_METRICS_PORT), and stops them in reverse order (gateway first) on `stop()`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from career_kit.db import sync_url
from devstack.fakes.email import SmtpCatcher, start_local_mail_catcher
from devstack.fakes.payments import LocalPayments, start_local_payments
from devstack.servers import free_port

SERVICES = ("auth", "cv", "jobs", "social", "billing", "notify", "blog")
# The services that receive third-party webhooks on their HTTP port.
WEBHOOK_OWNERS = {"billing": "BILLING", "social": "SOCIAL"}
# Any of these set means real e-mail is configured; otherwise mail goes to a local catcher.
_EMAIL_PROVIDER_SETTINGS = ("NOTIFY_EMAIL_PROVIDER", "RESEND_API_KEY", "SENDGRID_API_KEY",
                            "MAILGUN_API_KEY")


@dataclass(frozen=True)
class ServicePorts:
    grpc: int
    http: int


@dataclass
class StackPorts:
    """Where each process listens; `defaults()` matches the services' own setting defaults."""

    gateway: int
    # The gateway's ops port: /metrics, /healthz and /readyz, apart from the public API.
    gateway_metrics: int
    services: dict[str, ServicePorts]

    @classmethod
    def defaults(cls) -> StackPorts:
        return cls(
            gateway=8000, gateway_metrics=9000,
            services={name: ServicePorts(50051 + i, 8101 + i) for i, name in enumerate(SERVICES)},
        )

    @classmethod
    def free(cls) -> StackPorts:
        return cls(
            gateway=free_port(), gateway_metrics=free_port(),
            services={name: ServicePorts(free_port(), free_port()) for name in SERVICES},
        )


@dataclass
class Stack:
    """Runs the platform's processes against the given servers."""

    postgres_url: str  # admin URL; the stack creates `<db_prefix><service>` databases
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

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.ports.gateway}"

    @property
    def gateway_metrics_url(self) -> str:
        """The gateway's ops port: /metrics, and /readyz with every service's health."""
        return f"http://{self.host}:{self.ports.gateway_metrics}"

    def database_url(self, service: str) -> str:
        base = self.postgres_url.rpartition("/")[0]
        return f"{base}/{self.db_prefix}{service}"

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
        for name in SERVICES:
            prefix = name.upper()
            ports = self.ports.services[name]
            env[f"{prefix}_DATABASE_URL"] = self.database_url(name)
            env[f"{prefix}_HOST"] = self.host
            env[f"{prefix}_GRPC_PORT"] = str(ports.grpc)
            env[f"{prefix}_HTTP_PORT"] = str(ports.http)
            env[f"GATEWAY_{prefix}_GRPC_TARGET"] = f"{self.host}:{ports.grpc}"
        for name, prefix in WEBHOOK_OWNERS.items():
            env[f"GATEWAY_{prefix}_WEBHOOK_URL"] = (
                f"http://{self.host}:{self.ports.services[name].http}"
            )
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
                    database = f"{self.db_prefix}{name}"
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
                        f'DROP DATABASE IF EXISTS "{self.db_prefix}{name}" WITH (FORCE)'
                    )
            finally:
                await conn.close()

        asyncio.run(drop())

    def migrate(self) -> None:
        """Apply every service's migrations, in parallel, each with its own command."""
        env = self.env()

        def run(name: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", f"{name}.main", "migrate"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )

        with ThreadPoolExecutor(len(SERVICES)) as pool:
            results = dict(zip(SERVICES, pool.map(run, SERVICES), strict=True))
        failed = {name: r.stdout + r.stderr for name, r in results.items() if r.returncode}
        if failed:
            raise RuntimeError(f"migrations failed: {failed}")

    # -- processes ----------------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
        else:
            out = None
        # Own session: Ctrl-C reaches the launcher only, which stops children in order.
        self.processes[name] = subprocess.Popen(
            [sys.executable, *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if out is not None:
            out.close()

    def start(self, timeout: float = 60.0) -> float:
        """Create databases, migrate, start everything; returns seconds until all were ready."""
        started = time.monotonic()
        self.create_databases()
        self.migrate()
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
        for name in SERVICES:
            self._spawn(name, ["-m", f"{name}.main", "serve"], env)
        self._spawn("gateway", ["-m", "gateway.main"], env)
        self.wait_ready(timeout - (time.monotonic() - started))
        return time.monotonic() - started

    def wait_ready(self, timeout: float) -> dict:
        """Poll the gateway's /readyz until the gateway's Redis and every service answer, and
        until its public port does too (the ops port starts first, in the app's lifespan)."""
        deadline = time.monotonic() + max(timeout, 1.0)
        last: object = None
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        raise RuntimeError(
                            f"{name} exited with {process.returncode}{self._log_hint(name)}"
                        )
                try:
                    response = client.get(f"{self.gateway_metrics_url}/readyz")
                    last = response.json()
                    if response.status_code == 200 and \
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
        """SIGTERM the gateway, then the services; SIGKILL what has not exited after `grace`."""
        order = ["gateway", *[name for name in SERVICES if name in self.processes]]
        for name in order:
            process = self.processes.get(name)
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
            if name == "gateway" and process:
                _wait(process, grace)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            _wait(process, max(0.1, deadline - time.monotonic()))
        codes = {name: p.returncode for name, p in self.processes.items()}
        self.processes.clear()
        if self.mail_catcher is not None:
            self.mail_catcher.stop()
            self.mail_catcher = None
        if self.payments is not None:
            self.payments.stop()
            self.payments = None
        return codes


def _wait(process: subprocess.Popen, timeout: float) -> None:
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
