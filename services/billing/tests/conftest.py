"""A real billing service for each test: a freshly migrated database, real NATS and Redis, the
servicer from `billing.main.compose` behind the kit's gRPC server, its webhook routes on a real
HTTP port, and the fake Stripe API server those webhooks come from."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from billing.config import Settings
from billing.main import compose
from billing.service import BillingService
from career.billing.v1 import billing_pb2, billing_pb2_grpc
from career_kit.db import Database
from career_kit.events.connection import connect_nats
from career_kit.events.outbox import Outbox
from career_kit.grpc.client import create_channel
from career_kit.grpc.health import Readiness
from career_kit.grpc.server import start_grpc_server
from career_kit.migrations import upgrade
from career_kit.ops_http import embedded_http_server, ops_app
from career_kit.service import Resources
from career_kit.settings import PlatformSettings
from devstack.fakes.stripe import FakeStripe
from devstack.servers import free_port
from devstack.service_harness import ServiceHarness

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
SECRET = "billing-test-internal-secret"
WEBHOOK_SECRET = "whsec_billing_tests"
STRIPE_KEY = "sk_test_billing"
PRICES = {"pro": "price_pro_test", "premium": "price_premium_test",
          "cv_review_pack": "price_cv_pack_test"}


def make_settings(database_url: str, infra: Any, *, stripe_url: str,
                  events_namespace: str = "", redis_key_prefix: str = "",
                  **overrides: Any) -> Settings:
    platform = PlatformSettings(
        redis_url=infra.redis_url, nats_url=infra.nats_url, redis_key_prefix=redis_key_prefix,
        events_namespace=events_namespace, internal_secret=SecretStr(SECRET))
    return Settings(
        database_url=database_url, grpc_port=free_port(), http_port=free_port(),
        host="127.0.0.1", platform=platform, app_base_url="http://app.test",
        stripe_secret_key=SecretStr(STRIPE_KEY), stripe_webhook_secret=SecretStr(WEBHOOK_SECRET),
        stripe_api_base=stripe_url, stripe_pro_price_id=PRICES["pro"],
        stripe_premium_price_id=PRICES["premium"],
        stripe_cv_review_pack_price_id=PRICES["cv_review_pack"], **overrides)


def start_fake_stripe(webhook_url: str | None = None) -> FakeStripe:
    fake = FakeStripe(secret_key=STRIPE_KEY, webhook_url=webhook_url,
                      webhook_secret=WEBHOOK_SECRET)
    fake.add_price(PRICES["pro"], product="prod_pro", unit_amount=2999, interval="month")
    fake.add_price(PRICES["premium"], product="prod_premium", unit_amount=4999,
                   interval="month")
    fake.add_price(PRICES["cv_review_pack"], product="prod_cv_pack", unit_amount=1999,
                   interval=None)
    return fake.start()


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    fake = start_fake_stripe()
    try:
        yield fake
    finally:
        fake.stop()


@dataclass
class BillingHarness(ServiceHarness):
    settings: Settings
    service: BillingService
    stripe: FakeStripe
    webhook_url: str

    async def new_user(self, email: str | None = None) -> str:
        """A user billing heard of through user.registered."""
        user_id = str(uuid.uuid4())
        async with self.db.transaction() as session:
            await self.service.remember_user(
                session, user_id=user_id, email=email or f"{user_id[:8]}@example.com",
                name="Ada", language="en")
        return user_id

    async def checkout(self, user_id: str, purchase: int = billing_pb2.PURCHASE_PRO) -> str:
        reply = await self.call("CreateCheckout", billing_pb2.CreateCheckoutRequest(
            purchase=purchase), as_user=user_id)
        return reply.id

    async def subscribe(self, user_id: str, purchase: int = billing_pb2.PURCHASE_PRO,
                        **complete: Any) -> str:
        """Checkout, pay at the fake, and wait until the webhooks are applied: the
        subscription id."""
        session_id = await self.checkout(user_id, purchase)
        self.stripe.complete_checkout(session_id, **complete)
        return await self.wait_for(self._active_subscription, user_id)

    async def _active_subscription(self, user_id: str) -> str | None:
        rows = await self.rows(
            "SELECT provider_subscription_id FROM subscriptions WHERE user_id = :u "
            "AND status = 'active'", u=uuid.UUID(user_id))
        return rows[0][0] if rows else None

    async def wait_for(self, probe: Any, *args: Any, within: float = 10.0) -> Any:
        """Poll `probe(*args)` until it returns something truthy."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            value = await probe(*args)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{probe.__name__}{args} stayed falsy for {within}s")
            await asyncio.sleep(0.05)

    async def webhooks_settled(self) -> None:
        """Wait until the fake has no delivery in flight (each was answered)."""
        await asyncio.to_thread(self.stripe.wait_for_deliveries, 10.0)


@pytest.fixture
def billing_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def billing(infra, database_url, events_namespace, redis_key_prefix,
                  billing_overrides) -> AsyncIterator[BillingHarness]:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    stripe = start_fake_stripe()
    settings = make_settings(database_url, infra, stripe_url=stripe.url,
                             events_namespace=events_namespace,
                             redis_key_prefix=redis_key_prefix, **billing_overrides)
    webhook_url = f"http://127.0.0.1:{settings.http_port}/webhooks/stripe"
    stripe.set_webhook_url(webhook_url)
    db = Database(database_url, pool_size=20)
    redis = aioredis.from_url(infra.redis_url)
    nc = await connect_nats(infra.nats_url, "billing-tests")
    resources = Resources(settings, db, nc, nc.jetstream(), redis, Outbox("billing"))
    components = compose(resources)
    readiness = Readiness({"database": db.ping})
    server, _ = await start_grpc_server(
        host="127.0.0.1", port=settings.grpc_port, services=components.grpc_services,
        readiness=readiness, internal_secret=SECRET)
    http = embedded_http_server(ops_app(readiness, components.http_routes), "127.0.0.1",
                                settings.http_port)
    http_task = asyncio.create_task(http.serve())
    while not http.started:  # uvicorn offers no event to wait on  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    channel = create_channel(f"127.0.0.1:{settings.grpc_port}", SECRET, default_timeout=15.0)
    service = _service_of(components)
    try:
        yield BillingHarness(billing_pb2_grpc.BillingServiceStub(channel), db, settings,
                             service, stripe, webhook_url)
    finally:
        stripe.stop()
        await channel.close()
        await server.stop(None)
        http.should_exit = True
        await asyncio.wait_for(http_task, 10)
        with contextlib.suppress(Exception):
            await nc.close()
        await redis.aclose()
        await db.dispose()


def _service_of(components: Any) -> BillingService:
    """The BillingService compose() built (the servicer holds it)."""
    servicer = components.grpc_services[0].add_to_server.__self__
    return servicer.service
