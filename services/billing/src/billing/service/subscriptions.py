"""A subscriber managing their subscription: what they have, the Stripe customer portal,
cancel (at period end; PayPal's end now), resume, and moving between the paid plans. Each
change is made at the provider and its answer applied through the mirror (mirror.py), as a
webhook would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from billing import plans
from billing.models import Subscription
from billing.providers.base import ACTIVE, ProviderError
from billing.repository import Subscriptions
from billing.service.checkout import stripe_customer
from billing.service.entitlements import effective_plan, entitled_plan
from billing.service.mirror import SubscriptionMirror
from billing.service.payment_providers import Prices, Providers, Urls, provider_failure
from career_kit.context import signed_in_user
from career_kit.errors import FailedPrecondition, InvalidArgument


@dataclass(frozen=True)
class SubscriptionView:
    plan: str
    status: str
    provider: str | None
    subscription: Subscription | None


class SubscriptionService:
    def __init__(self, *, mirror: SubscriptionMirror, prices: Prices, urls: Urls,
                 providers: Providers) -> None:
        self.mirror = mirror
        self.prices = prices
        self.urls = urls
        self.providers = providers

    async def current(self, session: AsyncSession, *,
                      caller_id: str | None) -> SubscriptionView:
        user = signed_in_user(caller_id)
        plan, sub = await effective_plan(session, user)
        if sub is None:
            sub = await Subscriptions(session).latest(user)
        if sub is None:
            return SubscriptionView(plans.FREE, ACTIVE, None, None)
        return SubscriptionView(plan.name, sub.status, sub.provider, sub)

    async def portal(self, session: AsyncSession, *, caller_id: str | None) -> str:
        user = signed_in_user(caller_id)
        customer_id = await stripe_customer(session, self.providers, user)
        try:
            return await self.providers.require_stripe().create_portal(
                customer_id=customer_id, return_url=self.urls.portal_return)
        except ProviderError as exc:
            raise provider_failure(exc) from exc

    async def _live(self, session: AsyncSession, caller_id: str | None) -> Subscription:
        """The caller's entitling subscription, locked as webhook handling locks it."""
        user = signed_in_user(caller_id)
        subscriptions = Subscriptions(session)
        sub = await subscriptions.effective(user)
        if sub is None or entitled_plan(sub) == plans.FREE:
            raise FailedPrecondition("you have no active subscription",
                                     problem_type="no-subscription")
        await subscriptions.lock(sub.provider, sub.provider_subscription_id)
        await session.refresh(sub)
        return sub

    async def cancel(self, session: AsyncSession, *, caller_id: str | None) -> SubscriptionView:
        sub = await self._live(session, caller_id)
        provider = self.providers.holding(sub.provider)
        try:
            if sub.provider == "paypal":
                # PayPal has no cancel-at-period-end: cancelling ends the subscription now.
                await provider.cancel_now(sub.provider_subscription_id,
                                          f"cancel:{sub.provider_subscription_id}")
                snapshot = await provider.fetch_subscription(sub.provider_subscription_id)
            elif sub.cancel_at_period_end:
                snapshot = None
            else:
                snapshot = await provider.cancel_at_period_end(
                    sub.provider_subscription_id, True, f"cancel:{uuid.uuid4()}")
        except ProviderError as exc:
            raise provider_failure(exc) from exc
        if snapshot is not None:
            await self.mirror.apply(session, snapshot, hint_user=sub.user_id)
        return await self.current(session, caller_id=caller_id)

    async def resume(self, session: AsyncSession, *, caller_id: str | None) -> SubscriptionView:
        sub = await self._live(session, caller_id)
        if not sub.cancel_at_period_end:
            raise FailedPrecondition("the subscription is not cancelled",
                                     problem_type="not-cancelled")
        try:
            snapshot = await self.providers.holding(sub.provider).cancel_at_period_end(
                sub.provider_subscription_id, False, f"resume:{uuid.uuid4()}")
        except ProviderError as exc:
            raise provider_failure(exc) from exc
        await self.mirror.apply(session, snapshot, hint_user=sub.user_id)
        return await self.current(session, caller_id=caller_id)

    async def change_plan(self, session: AsyncSession, *, caller_id: str | None,
                          plan: str) -> SubscriptionView:
        if plan not in plans.PAID_PLANS:
            raise InvalidArgument("choose pro or premium; to go back to free, cancel")
        sub = await self._live(session, caller_id)
        if sub.plan == plan:
            raise FailedPrecondition(f"you are on the {plan} plan already",
                                     problem_type="same-plan")
        if sub.provider != "stripe" or not sub.item_id:
            raise FailedPrecondition("plan changes of PayPal subscriptions are made by "
                                     "cancelling and subscribing again",
                                     problem_type="change-unsupported")
        try:
            snapshot = await self.providers.require_stripe().change_price(
                sub.provider_subscription_id, item_id=sub.item_id,
                price_id=self.prices.stripe[plan], idempotency_key=f"change:{uuid.uuid4()}")
        except ProviderError as exc:
            raise provider_failure(exc) from exc
        await self.mirror.apply(session, snapshot, hint_user=sub.user_id)
        return await self.current(session, caller_id=caller_id)
