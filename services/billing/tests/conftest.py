"""A real billing service for each test, built and started by the kit's runtime from
`billing.main.compose` (devstack's `start_service`): a migrated database of its own, real NATS
and Redis, its webhook routes on a real HTTP port, and the fake Stripe API server those
webhooks come from."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from billing.config import Settings
from billing.main import compose
from career.billing.v1 import billing_pb2, billing_pb2_grpc
from devstack.fakes.stripe import FakeStripe
from devstack.servers import free_port
from devstack.service_harness import ServiceHarness, eventually

WEBHOOK_SECRET = "whsec_billing_tests"
STRIPE_KEY = "sk_test_billing"
PRICES = {"pro": "price_pro_test", "premium": "price_premium_test",
          "cv_review_pack": "price_cv_pack_test"}


def stripe_settings(stripe_url: str) -> dict[str, Any]:
    """Billing's settings for the fake Stripe at `stripe_url` and the test prices."""
    return {"app_base_url": "http://app.test", "stripe_secret_key": SecretStr(STRIPE_KEY),
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET), "stripe_api_base": stripe_url,
            "stripe_pro_price_id": PRICES["pro"], "stripe_premium_price_id": PRICES["premium"],
            "stripe_cv_review_pack_price_id": PRICES["cv_review_pack"]}


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
def stripe() -> Iterator[FakeStripe]:
    """The fake Stripe API, sending its webhooks to the `billing` fixture's service."""
    fake = start_fake_stripe()
    try:
        yield fake
    finally:
        fake.stop()


class BillingHarness(ServiceHarness):
    stripe: FakeStripe

    @property
    def webhook_url(self) -> str:
        return f"{self.http_url}/webhooks/stripe"

    async def new_user(self, email: str | None = None) -> str:
        """A user billing heard of through user.registered."""
        user_id = str(uuid.uuid4())
        async with self.db.transaction() as session:
            await self.domain.remember_user(
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
        return await eventually(lambda: probe(*args), within)

    async def webhooks_settled(self) -> None:
        """Wait until the fake has no delivery in flight (each was answered)."""
        await asyncio.to_thread(self.stripe.wait_for_deliveries, 10.0)


@pytest.fixture
def billing_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def billing(stripe, start_service, billing_overrides) -> BillingHarness:
    # `stripe` first, so that it stops after the service: a webhook it is still delivering
    # gets a refused connection at once, rather than billing's re-read of the subscription
    # waiting out its timeout against a fake that is gone.
    http_port = free_port()
    stripe.set_webhook_url(f"http://127.0.0.1:{http_port}/webhooks/stripe")
    harness = await start_service(
        compose, Settings, billing_pb2_grpc.BillingServiceStub, harness=BillingHarness,
        http_port=http_port, db_pool_size=20,
        **{**stripe_settings(stripe.url), **billing_overrides})
    harness.stripe = stripe
    return harness
