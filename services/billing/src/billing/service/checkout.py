"""Starting to pay: a Stripe Checkout Session for a plan or a credit pack, or a PayPal
subscription for a plan. What is bought becomes ours when the provider's webhooks say it is
paid (provider_events.py), never on the browser's return."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from billing import plans
from billing.providers.base import CheckoutStart, ProviderError
from billing.repository import Customers, Subscriptions
from billing.service.entitlements import entitled_plan
from billing.service.payment_providers import Prices, Providers, Urls, provider_failure
from career_kit.context import signed_in_user
from career_kit.errors import FailedPrecondition, InvalidArgument


async def stripe_customer(session: AsyncSession, providers: Providers, user: uuid.UUID) -> str:
    """The user's one Stripe customer, created on first need. The row lock and the
    idempotency key both make sure concurrent checkouts do not create two."""
    customer = await Customers(session).get_for_update(user)
    if customer.stripe_customer_id:
        return customer.stripe_customer_id
    stripe = providers.require_stripe()
    try:
        customer.stripe_customer_id = await stripe.create_customer(
            user_id=str(user), email=customer.email, name=customer.name,
            idempotency_key=f"customer:{user}")
    except ProviderError as exc:
        raise provider_failure(exc) from exc
    return customer.stripe_customer_id


class CheckoutService:
    def __init__(self, *, prices: Prices, urls: Urls, providers: Providers) -> None:
        self.prices = prices
        self.urls = urls
        self.providers = providers

    async def start(self, session: AsyncSession, *, caller_id: str | None, purchase: str,
                    provider: str, provider_key: str | None) -> CheckoutStart:
        """Start paying for `purchase`. `provider_key` is the provider's idempotency key: the
        scoped form of the client's Idempotency-Key (career_kit.idempotency), or None for a
        call the client will not retry."""
        user = signed_in_user(caller_id)
        key = provider_key or f"checkout:{uuid.uuid4()}"
        if purchase in plans.PAID_PLANS:
            live = await Subscriptions(session).effective(user)
            if live is not None and entitled_plan(live) != plans.FREE:
                raise FailedPrecondition(
                    f"you already have the {live.plan} plan; change plans instead",
                    problem_type="already-subscribed")
        elif purchase not in plans.CREDIT_PACKS:
            raise InvalidArgument(f"unknown purchase {purchase!r}")
        if provider == "paypal":
            return await self._paypal(session, user, purchase, key)
        customer_id = await stripe_customer(session, self.providers, user)
        try:
            return await self.providers.require_stripe().create_checkout(
                customer_id=customer_id, user_id=str(user),
                price_id=self.prices.stripe[purchase], recurring=purchase in plans.PAID_PLANS,
                purchase=purchase, success_url=self.urls.checkout_success,
                cancel_url=self.urls.checkout_cancel, idempotency_key=key)
        except ProviderError as exc:
            raise provider_failure(exc) from exc

    async def _paypal(self, session: AsyncSession, user: uuid.UUID, purchase: str,
                      key: str) -> CheckoutStart:
        if purchase not in plans.PAID_PLANS:
            raise InvalidArgument("PayPal takes subscriptions only")
        paypal = self.providers.require_paypal()
        customer = await Customers(session).get(user)
        try:
            return await paypal.create_subscription(
                purchase, user_id=str(user), email=customer.email if customer else None,
                return_url=self.urls.checkout_success.replace("{CHECKOUT_SESSION_ID}", "paypal"),
                cancel_url=self.urls.checkout_cancel, idempotency_key=key)
        except ProviderError as exc:
            raise provider_failure(exc) from exc
