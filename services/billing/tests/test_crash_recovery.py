"""Crash recovery of Stripe webhook handling, with billing as a real process.

The service is SIGKILLed while it handles checkout.session.completed: its transaction is open,
the event id is recorded in it, the subscription's advisory lock is held, and the re-read of the
subscription from Stripe is in flight (the fake Stripe holds that request). Nothing of it may
survive; after a restart, Stripe's redeliveries of every event (each twice) must end in the state
an uninterrupted run ends in.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from career.billing.v1 import billing_pb2, billing_pb2_grpc, events_pb2
from career_kit import context
from career_kit.db import sync_url
from career_kit.grpc.client import create_channel
from devstack.fakes.stripe import FakeStripe
from devstack.servers import free_port

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
SECRET = "billing-crash-test-internal-secret"
WEBHOOK_SECRET = "whsec_billing_crash_tests"
STRIPE_KEY = "sk_test_billing_crash"
PRICES = {"pro": "price_pro_crash", "premium": "price_premium_crash",
          "cv_review_pack": "price_cv_pack_crash"}
# Variables of the test's own environment that must not leak into the service's.
FOREIGN = ("BILLING_", "STRIPE_", "PAYPAL_")
PLATFORM = ("ENVIRONMENT", "LOG_LEVEL", "NATS_URL", "REDIS_URL", "INTERNAL_SECRET",
            "EVENTS_NAMESPACE", "REDIS_KEY_PREFIX")


class BillingProcess:
    """`python -m billing.main serve` in a process of its own, on ports of its own."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.grpc_port = free_port()
        self.http_port = free_port()
        self.log_path = log_path
        self._env = env | {"BILLING_GRPC_PORT": str(self.grpc_port),
                           "BILLING_HTTP_PORT": str(self.http_port)}
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/webhooks/stripe"

    def start(self) -> BillingProcess:
        with self.log_path.open("wb") as log:
            # The working directory holds no .env, so only the variables given here count.
            self._process = subprocess.Popen(
                [sys.executable, "-m", "billing.main", "serve"], env=self._env,
                cwd=self.log_path.parent, stdout=log, stderr=subprocess.STDOUT)
        return self

    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("call start() first")
        return self._process

    async def wait_ready(self, within: float = 90.0) -> None:
        """Until /readyz answers 200 (database, NATS and Redis reached, servers up). Generous:
        a process starting while the other test worker runs the whole platform can take half
        a minute on two cores."""
        async with httpx.AsyncClient(timeout=2.0) as client:
            async def ready() -> bool:
                if self.process.poll() is not None:
                    raise AssertionError(f"billing exited with {self.process.returncode}:\n"
                                         f"{self.log_tail()}")
                try:
                    response = await client.get(f"http://127.0.0.1:{self.http_port}/readyz")
                except httpx.TransportError:
                    return False
                return response.status_code == 200

            try:
                await wait_until(ready, within, "billing ready")
            except AssertionError as exc:  # the log as it is now, not as it was at the start
                raise AssertionError(f"{exc}\n{self.log_tail()}") from None

    def kill(self) -> None:
        """SIGKILL: no drain, no rollback from our side; the process is gone when this returns."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Teardown: drain if it still runs, kill if it does not stop in time."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


async def wait_until(probe: Callable[[], Awaitable[Any]], within: float, what: str) -> Any:
    """Poll `probe()` until it returns something truthy; fail after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not reached within {within}s: {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
def stripe() -> Iterator[FakeStripe]:
    # No webhook URL: events are recorded, and the test delivers them itself. A long delivery
    # timeout, so that the one in flight at the kill fails on the kill, not on a timeout.
    fake = FakeStripe(secret_key=STRIPE_KEY, webhook_secret=WEBHOOK_SECRET, webhook_timeout=60.0)
    fake.add_price(PRICES["pro"], product="prod_pro", unit_amount=2999, interval="month")
    fake.add_price(PRICES["premium"], product="prod_premium", unit_amount=4999,
                   interval="month")
    fake.add_price(PRICES["cv_review_pack"], product="prod_cv_pack", unit_amount=1999,
                   interval=None)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def database_url(migrated_database) -> str:
    """A migrated database of this test's own, for the billing processes it spawns."""
    return migrated_database(MIGRATIONS)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """The migrated database, seen from outside the service (one plain connection)."""
    conn = await asyncpg.connect(sync_url(database_url))
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def spawn_billing(infra, database_url, events_namespace, redis_key_prefix, stripe,
                  tmp_path) -> Iterator[Callable[[], BillingProcess]]:
    """Start billing processes against the test's database, NATS, Redis and fake Stripe; every
    one still running is stopped at teardown, whatever the test did."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(FOREIGN) and key not in PLATFORM}
    env |= {
        "ENVIRONMENT": "test", "LOG_LEVEL": "INFO",
        "NATS_URL": infra.nats_url, "REDIS_URL": infra.redis_url,
        "EVENTS_NAMESPACE": events_namespace, "REDIS_KEY_PREFIX": redis_key_prefix,
        "INTERNAL_SECRET": SECRET,
        "BILLING_DATABASE_URL": database_url, "BILLING_HOST": "127.0.0.1",
        "BILLING_APP_BASE_URL": "http://app.test", "BILLING_SHUTDOWN_GRACE_SECONDS": "2",
        # The held re-read must outlast the test's steps, not time out inside billing.
        "BILLING_PROVIDER_TIMEOUT_SECONDS": "60",
        "STRIPE_SECRET_KEY": STRIPE_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe.url, "STRIPE_PRO_PRICE_ID": PRICES["pro"],
        "STRIPE_PREMIUM_PRICE_ID": PRICES["premium"],
        "STRIPE_CV_REVIEW_PACK_PRICE_ID": PRICES["cv_review_pack"],
    }
    started: list[BillingProcess] = []

    def spawn() -> BillingProcess:
        process = BillingProcess(env, tmp_path / f"billing-{len(started) + 1}.log")
        started.append(process)
        return process.start()

    try:
        yield spawn
    finally:
        for process in started:
            process.stop()
        for process in started:   # shown by pytest when the test failed
            print(f"--- {process.log_path.name}\n{process.log_tail()}")


async def _checkout(billing: BillingProcess, user_id: str) -> str:
    """CreateCheckout as the gateway calls it for a signed-in user: the session id."""
    channel = create_channel(f"127.0.0.1:{billing.grpc_port}", SECRET, default_timeout=15.0)
    token = context.caller.set(context.Caller(user_id))
    try:
        reply = await billing_pb2_grpc.BillingServiceStub(channel).CreateCheckout(
            billing_pb2.CreateCheckoutRequest(purchase=billing_pb2.PURCHASE_PRO))
    finally:
        context.caller.reset(token)
        await channel.close()
    return reply.id


async def _count(db: asyncpg.Connection, sql: str, *args: Any) -> int:
    return await db.fetchval(sql, *args)


async def _other_sessions(db: asyncpg.Connection, condition: str = "true") -> int:
    """Client connections to this test's database other than the test's own."""
    return await _count(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND backend_type = 'client backend' "
                            f"AND pid <> pg_backend_pid() AND ({condition})")


async def _advisory_locks(db: asyncpg.Connection) -> int:
    return await _count(db, "SELECT count(*) FROM pg_locks l JOIN pg_database d ON "
                            "d.oid = l.database WHERE d.datname = current_database() "
                            "AND l.locktype = 'advisory' AND l.granted")


async def test_killed_mid_webhook_then_redelivered_leaves_a_consistent_state(
        db, stripe, spawn_billing):
    user_id = str(uuid.uuid4())
    # Billing has heard of the user (user.registered): the contact it gives Stripe.
    await db.execute("INSERT INTO customers (user_id, email, name, language) "
                     "VALUES ($1, $2, 'Ada', 'en')", uuid.UUID(user_id), "ada@example.com")
    first = spawn_billing()
    await first.wait_ready()
    session_id = await _checkout(first, user_id)
    stripe.complete_checkout(session_id)
    events = stripe.events()
    event_ids = {event["id"] for event in events}
    completed = next(e for e in events if e["type"] == "checkout.session.completed")
    sub_id = completed["data"]["object"]["subscription"]
    assert [e["type"] for e in events] == [
        "customer.created", "checkout.session.completed", "customer.subscription.created",
        "invoice.paid", "invoice.payment_succeeded"]
    assert stripe.deliveries() == []            # recorded, nothing delivered

    # Deliver checkout.session.completed and stop billing at the re-read of the subscription.
    held = stripe.hold("/v1/subscriptions/")
    stripe.set_webhook_url(first.webhook_url)
    delivery = asyncio.create_task(asyncio.to_thread(stripe.deliver, completed))
    assert await asyncio.to_thread(held.wait, 1, 20.0) == [f"/v1/subscriptions/{sub_id}"]
    # Billing is inside its transaction: webhook recorded, subscription lock taken.
    await wait_until(lambda: _other_sessions(db, "state = 'idle in transaction'"), 10,
                     "billing's transaction open while Stripe holds the re-read")
    assert await _advisory_locks(db) == 1

    first.kill()

    with pytest.raises(httpx.TransportError):   # Stripe saw the connection drop: no answer
        await asyncio.wait_for(delivery, 20)
    # PostgreSQL noticed the dead client: its sessions are gone, their transaction rolled back
    # and the lock released.
    async def connections_closed() -> bool:
        return await _other_sessions(db) == 0

    await wait_until(connections_closed, 20, "the killed process's sessions end")
    assert await _advisory_locks(db) == 0
    assert await _count(db, "SELECT count(*) FROM webhook_events") == 0
    assert await _count(db, "SELECT count(*) FROM subscriptions") == 0
    assert await _count(db, "SELECT count(*) FROM event_outbox "
                            "WHERE event_type LIKE 'subscription.%'") == 0
    assert await _count(db, "SELECT count(*) FROM payments") == 0

    # Stripe answers again; a new billing process gets every event, each twice.
    held.release()
    second = spawn_billing()
    await second.wait_ready()
    stripe.set_webhook_url(second.webhook_url)
    outcomes: list[list[str]] = []
    for _ in range(2):
        answers = [await asyncio.to_thread(stripe.deliver, event) for event in events]
        assert [a.status_code for a in answers] == [200] * len(events), [a.text for a in answers]
        outcomes.append([a.json()["outcome"] for a in answers])

    assert "duplicate" not in outcomes[0]       # the killed delivery left nothing behind
    assert outcomes[0][1] == "handled"          # checkout.session.completed, applied now
    assert outcomes[1] == ["duplicate"] * len(events)
    subs = await db.fetch("SELECT user_id, provider_subscription_id, plan, status "
                          "FROM subscriptions")
    assert [tuple(row) for row in subs] == [(uuid.UUID(user_id), sub_id, "pro", "active")]
    recorded = await db.fetch("SELECT event_id FROM webhook_events")
    assert sorted(row["event_id"] for row in recorded) == sorted(event_ids)
    outbox = await db.fetch("SELECT event_type, payload FROM event_outbox ORDER BY seq")
    types = [row["event_type"] for row in outbox]
    assert types.count("subscription.started") == 1
    assert types.count("payment.succeeded") == 1
    updates = [events_pb2.SubscriptionUpdated.FromString(row["payload"]) for row in outbox
               if row["event_type"] == "subscription.updated"]
    versions = [update.version for update in updates]
    assert updates and versions == sorted(set(versions))   # strictly increasing
    assert {update.user_id for update in updates} == {user_id}
    assert (updates[-1].plan, updates[-1].status) == (
        events_pb2.PLAN_PRO, events_pb2.SUBSCRIPTION_STATUS_ACTIVE)
