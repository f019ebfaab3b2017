"""The service runtime: one composition shape for every service.

A service's main.py gives its settings and a `compose(resources)`
function that wires its domain (gRPC servicers, event subscriptions, HTTP routes, background
jobs) onto what the runtime built. The runtime owns the rest: logging, the database, NATS, Redis,
streams, the outbox relay, consumers, the gRPC and ops HTTP servers, and a graceful drain on
SIGTERM. `python -m <service>.main serve` runs it; `... migrate` applies its migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import redis.asyncio as aioredis
from nats.aio.client import Client
from nats.js import JetStreamContext
from starlette.routing import BaseRoute

from career_kit.db import Database
from career_kit.events.connection import connect_nats
from career_kit.events.consumer import EventConsumer, Subscription
from career_kit.events.outbox import Outbox
from career_kit.events.relay import OutboxRelay
from career_kit.events.streams import ensure_dead_letter_stream, ensure_stream
from career_kit.grpc.health import Readiness
from career_kit.grpc.server import GrpcService, start_grpc_server
from career_kit.idempotency import delete_expired
from career_kit.logs import configure_logging
from career_kit.migrations import upgrade
from career_kit.ops_http import embedded_http_server, ops_app
from career_kit.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """What the runtime built, handed to the service's `compose`."""

    settings: ServiceSettings
    db: Database
    nats: Client
    js: JetStreamContext
    redis: aioredis.Redis
    outbox: Outbox


@dataclass
class Components:
    """What a service adds to the runtime. An empty one is a service with no domain yet."""

    grpc_services: Sequence[GrpcService] = ()
    subscriptions: Sequence[Subscription] = ()
    # Domains whose streams this service publishes to (it declares them at start-up).
    publishes: Sequence[str] = ()
    http_routes: Sequence[BaseRoute] = ()
    background: Sequence[Callable[[], Awaitable[None]]] = field(default_factory=tuple)


Compose = Callable[[Resources], Components]


class ServiceRuntime:
    """Runs one service: `main()` parses `serve` / `migrate`."""

    def __init__(self, settings: ServiceSettings, compose: Compose) -> None:
        self.settings = settings
        self.compose = compose
        self.name = settings.service_name

    @property
    def migrations_dir(self) -> Path:
        """services/<name>/migrations: beside the sources in a checkout (editable install),
        under the working directory in the container image (installed as a package)."""
        module = sys.modules[type(self.settings).__module__]
        candidates = [Path(module.__file__).resolve().parents[2] / "migrations",
                      Path.cwd() / "services" / self.name / "migrations"]
        for candidate in candidates:
            if (candidate / "env.py").is_file():
                return candidate
        raise FileNotFoundError(f"no migrations for {self.name} in {candidates}")

    def main(self, argv: Sequence[str] | None = None) -> None:
        parser = argparse.ArgumentParser(prog=f"python -m {self.name}.main")
        parser.add_argument("command", choices=["serve", "migrate"])
        args = parser.parse_args(argv)
        configure_logging(self.name, self.settings.platform.log_level)
        if args.command == "migrate":
            upgrade(self.migrations_dir, self.settings.database_url)
            log.info("migrations applied")
            return
        try:
            asyncio.run(self.serve())
        except KeyboardInterrupt:
            pass

    async def serve(self, stop: asyncio.Event | None = None) -> None:
        """Run until SIGTERM/SIGINT (or until `stop` is set), then drain."""
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)

        settings, platform = self.settings, self.settings.platform
        namespace = platform.events_namespace
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        nc = await connect_nats(platform.nats_url, self.name)
        js = nc.jetstream()
        redis = aioredis.from_url(platform.redis_url)
        resources = Resources(settings, db, nc, js, redis, Outbox(self.name))
        components = self.compose(resources)
        await ensure_dead_letter_stream(js, namespace)
        for domain in {*components.publishes, *(s.event_type.split(".")[0]
                                                for s in components.subscriptions)}:
            await ensure_stream(js, domain, namespace)

        async def nats_probe() -> None:
            if not nc.is_connected:
                raise ConnectionError("not connected")
            await nc.flush(timeout=1)

        # Only the service's own database is required (career_kit.grpc.health says why).
        readiness = Readiness({"database": db.ping, "nats": nats_probe, "redis": redis.ping},
                              required={"database"})
        grpc_server, health = await start_grpc_server(
            host=settings.host, port=settings.grpc_port, services=components.grpc_services,
            readiness=readiness, internal_secret=platform.internal_secret.get_secret_value(),
        )
        http_server = embedded_http_server(
            ops_app(readiness, components.http_routes), settings.host, settings.http_port)
        relay = OutboxRelay(db, js, namespace=namespace)
        consumer = EventConsumer(self.name, db, js, components.subscriptions, namespace=namespace)
        tasks = [
            asyncio.create_task(http_server.serve(), name="http"),
            asyncio.create_task(relay.run(), name="outbox-relay"),
            asyncio.create_task(consumer.run(), name="consumers"),
            *(asyncio.create_task(job(), name=getattr(job, "__name__", "job"))
              for job in (_sweep_idempotency_keys(db), *components.background)),
        ]
        log.info("serving", extra={"grpc_port": settings.grpc_port,
                                   "http_port": settings.http_port})
        stopped = asyncio.create_task(stop.wait())
        failed = await _until_stopped_or_failed(stopped, tasks)

        # Drain: stop being ready, finish in-flight calls and messages, publish what is committed.
        log.info("draining")
        readiness.draining = True
        await health.enter_graceful_shutdown()
        consumer.stop()
        await grpc_server.stop(settings.shutdown_grace_seconds)
        relay.stop()
        http_server.should_exit = True
        background = tasks[3:]
        for task in background:
            task.cancel()
        await asyncio.wait(tasks, timeout=settings.shutdown_grace_seconds)
        with contextlib.suppress(Exception):
            await nc.drain()
        await redis.aclose()
        await db.dispose()
        stopped.cancel()
        log.info("stopped")
        if failed:
            sys.exit(1)


def _sweep_idempotency_keys(db: Database, every_seconds: float = 3600.0
                            ) -> Callable[[], Awaitable[None]]:
    """A background job deleting expired idempotency keys (career_kit.idempotency), hourly;
    a failed sweep is logged and tried again at the next one."""

    async def sweep_idempotency_keys() -> None:
        while True:
            try:
                async with db.transaction() as session:
                    removed = await delete_expired(session)
                if removed:
                    log.info("expired idempotency keys removed", extra={"count": removed})
            except Exception:
                log.warning("idempotency key sweep failed", exc_info=True)
            await asyncio.sleep(every_seconds)

    return sweep_idempotency_keys


async def _until_stopped_or_failed(stopped: asyncio.Task, tasks: list[asyncio.Task]) -> bool:
    """Wait for the stop signal; True if a component crashed first (a finished one is fine:
    a service without subscriptions has a consumer that returns at once)."""
    running = set(tasks)
    while True:
        done, _ = await asyncio.wait({stopped, *running}, return_when=asyncio.FIRST_COMPLETED)
        if stopped in done:
            return False
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("component %s failed; shutting down", task.get_name(),
                          exc_info=task.exception())
                return True
        running -= done
