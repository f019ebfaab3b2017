"""The service runtime: one composition shape for every service.

A service's main.py gives its settings and a `compose(resources)` function that wires its
domain (gRPC servicers, event subscriptions, HTTP routes, background jobs) onto what the
runtime built. The runtime owns the rest: logging, the database, NATS, Redis, streams, the
outbox relay, consumers, the gRPC and ops HTTP servers, and a graceful drain on SIGTERM.

Building and running are two steps: `await ServiceRuntime(settings, compose).build()` connects
the resources and composes the service (nothing listens yet); `await built.start()` starts
every server and loop, `await built.stop()` drains them. `serve` does both around the stop
signal; a service's tests start exactly the same built service (devstack.service_harness).
`python -m <service>.main serve` runs it; `... migrate` applies its migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import grpc
import redis.asyncio as aioredis
import uvloop
from nats.aio.client import Client
from nats.js import JetStreamContext
from starlette.routing import BaseRoute

from career_kit.db import Database
from career_kit.events.connection import connect_nats
from career_kit.events.consumer import EventConsumer, Subscription
from career_kit.events.outbox import Outbox
from career_kit.events.relay import OutboxRelay
from career_kit.events.streams import ensure_dead_letter_stream, ensure_stream
from career_kit.grpc.health import LiveHealthServicer, Readiness
from career_kit.grpc.server import GrpcService, start_grpc_server
from career_kit.idempotency import delete_expired
from career_kit.logs import configure_logging
from career_kit.ops_http import EmbeddedServer, embedded_http_server, ops_app
from career_kit.settings import ServiceSettings

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)


@dataclass
class Resources(Generic[S]):
    """What the runtime built, handed to the service's `compose`."""

    settings: S
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
    # What to close after the drain, before the runtime's own resources (clients of storage,
    # channels to other services).
    closers: Sequence[Callable[[], Awaitable[None]]] = ()
    # The domain object compose() built (its service), so that the service's own tests can
    # set up state through the same rules the servicer uses. The runtime never reads it.
    domain: Any = None


Compose = Callable[[Resources[S]], Components]


def without_domain(resources: Resources[Any]) -> Components:
    """The `compose` of a service whose domain is not written yet: the runtime alone (health,
    readiness, metrics, drain), so that it deploys and is probed like every other."""
    return Components()


class ServiceRuntime(Generic[S]):
    """Builds and runs one service: `main()` parses `serve` / `migrate`."""

    def __init__(self, settings: S, compose: Compose[S]) -> None:
        self.settings = settings
        self.compose = compose
        self.name = settings.service_name

    @property
    def migrations_dir(self) -> Path:
        """services/<name>/migrations: beside the sources in a checkout (editable install),
        under the working directory in the container image (installed as a package)."""
        return migrations_dir(self.settings)

    def main(self, argv: Sequence[str] | None = None) -> None:
        parser = argparse.ArgumentParser(prog=f"python -m {self.name}.main")
        parser.add_argument("command", choices=["serve", "migrate"])
        args = parser.parse_args(argv)
        configure_logging(self.name, self.settings.platform.log_level)
        if args.command == "migrate":
            # Imported here: Alembic (with Mako and Pygments) is a tenth of a service's
            # import time, and `serve` never needs it.
            from career_kit.migrations import upgrade

            upgrade(self.migrations_dir, self.settings.database_url)
            log.info("migrations applied")
            return
        try:
            # uvloop: a bare gRPC call cost 0.47 ms of server CPU on it, 0.63 ms on asyncio's.
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(self.serve())
        except KeyboardInterrupt:
            pass

    async def build(self) -> BuiltService[S]:
        """Connect the resources, compose the service and declare its streams; nothing
        listens or consumes until `start()`."""
        settings, platform = self.settings, self.settings.platform
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        nc = await connect_nats(platform.nats_url, self.name)
        js = nc.jetstream()
        redis = aioredis.from_url(platform.redis_url)
        resources = Resources(settings, db, nc, js, redis, Outbox(self.name))
        try:
            components = self.compose(resources)
            await ensure_dead_letter_stream(js, platform.events_namespace)
            for domain in {*components.publishes, *(s.event_type.split(".")[0]
                                                    for s in components.subscriptions)}:
                await ensure_stream(js, domain, platform.events_namespace)
        except BaseException:
            await _close(resources)
            raise
        return BuiltService(self.name, resources, components)

    async def serve(self, stop: asyncio.Event | None = None) -> None:
        """Run until SIGTERM/SIGINT (or until `stop` is set), then drain."""
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        built = await self.build()
        await built.start()
        freeze_startup_objects()
        try:
            failed = await built.wait(stop)
        finally:
            await built.stop()
        if failed:
            sys.exit(1)


def freeze_startup_objects() -> None:
    """Move what start-up made (modules, protobuf descriptors, mappers, routes and schemas) out
    of the garbage collector's reach: none of it is garbage, and each full collection walked all
    of it, 38 ms in the gateway (~100k objects), a pause for every request then in flight."""
    gc.collect()
    gc.freeze()


def migrations_dir(settings: ServiceSettings | type[ServiceSettings]) -> Path:
    """The migrations of the service these settings (or this settings class) are for."""
    settings_type = settings if isinstance(settings, type) else type(settings)
    module = sys.modules[settings_type.__module__]
    candidates = [Path(module.__file__).resolve().parents[2] / "migrations",
                  Path.cwd() / "services" / settings_type.service_name / "migrations"]
    for candidate in candidates:
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(f"no migrations for {settings_type.service_name} in {candidates}")


class BuiltService(Generic[S]):
    """A composed service: `start()` serves it, `stop()` drains it and closes its resources.
    Also an async context manager doing both."""

    def __init__(self, name: str, resources: Resources[S], components: Components) -> None:
        self.name = name
        self.resources = resources
        self.components = components
        settings = resources.settings
        db, nc = resources.db, resources.nats

        async def nats_probe() -> None:
            if not nc.is_connected:
                raise ConnectionError("not connected")
            await nc.flush(timeout=1)

        # Only the service's own database is required (career_kit.grpc.health says why).
        self.readiness = Readiness(
            {"database": db.ping, "nats": nats_probe, "redis": resources.redis.ping},
            required={"database"})
        namespace = settings.platform.events_namespace
        self.relay = OutboxRelay(db, resources.js, namespace=namespace)
        self.consumer = EventConsumer(name, db, resources.js, components.subscriptions,
                                      namespace=namespace)
        self._grpc: grpc.aio.Server | None = None
        self._health: LiveHealthServicer | None = None
        self._http: EmbeddedServer | None = None
        self._tasks: list[asyncio.Task] = []

    @property
    def settings(self) -> S:
        return self.resources.settings

    @property
    def db(self) -> Database:
        return self.resources.db

    async def start(self) -> None:
        """Start the gRPC and ops HTTP servers (both listening when this returns), the outbox
        relay, the consumers and the background jobs."""
        settings, db = self.settings, self.resources.db
        self._grpc, self._health = await start_grpc_server(
            host=settings.host, port=settings.grpc_port,
            services=self.components.grpc_services, readiness=self.readiness,
            internal_secret=settings.platform.internal_secret.get_secret_value())
        self._http = embedded_http_server(
            ops_app(self.readiness, self.components.http_routes), settings.host,
            settings.http_port)
        http_task = asyncio.create_task(self._http.serve(), name="http")
        self._tasks = [
            http_task,
            asyncio.create_task(self.relay.run(), name="outbox-relay"),
            asyncio.create_task(self.consumer.run(), name="consumers"),
            *(asyncio.create_task(job(), name=getattr(job, "__name__", "job"))
              for job in (_sweep_idempotency_keys(db), *self.components.background)),
        ]
        # uvicorn offers no event to await; its `started` flips once the socket listens.
        while not self._http.started and not http_task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if http_task.done():
            await self.stop()
            http_task.result()  # the reason it could not start
            raise OSError(f"{self.name}: the ops HTTP server stopped while starting")
        log.info("serving", extra={"grpc_port": settings.grpc_port,
                                   "http_port": settings.http_port})

    async def wait(self, stop: asyncio.Event) -> bool:
        """Wait for `stop`; True if a component crashed first."""
        stopped = asyncio.create_task(stop.wait())
        try:
            return await _until_stopped_or_failed(stopped, self._tasks)
        finally:
            stopped.cancel()

    async def stop(self) -> None:
        """Drain: stop being ready, finish in-flight calls and messages, publish what is
        committed; then close the resources."""
        grace = self.settings.shutdown_grace_seconds
        log.info("draining")
        self.readiness.draining = True
        if self._health is not None:
            await self._health.enter_graceful_shutdown()
        self.consumer.stop()
        if self._grpc is not None:
            await self._grpc.stop(grace)
        self.relay.stop()
        if self._http is not None:
            self._http.request_exit()
        for task in self._tasks[3:]:  # background jobs loop forever: cancel them
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
        for close in self.components.closers:
            try:
                await close()
            except Exception:
                log.exception("closing failed")
        await _close(self.resources)
        log.info("stopped")

    async def __aenter__(self) -> BuiltService[S]:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def _close(resources: Resources[Any]) -> None:
    with contextlib.suppress(Exception):
        await resources.nats.drain()
    await resources.redis.aclose()
    await resources.db.dispose()


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
