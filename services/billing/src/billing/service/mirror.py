"""Our copy of each subscription, kept equal to the provider's.

Provider state is the truth: webhook handling (provider_events.py) and subscription management
re-read a subscription from its provider under a per-subscription lock and apply that, never
an event's copy, so duplicated, reordered or late deliveries all end in the provider's current
state. Applying a change tells it: subscription.updated (what the user has now), .started and
.cancelled.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from billing import events
from billing.models import Customer, Subscription
from billing.providers.base import (
    ACTIVE,
    CANCELED,
    TRIALING,
    ProviderError,
    SubscriptionSnapshot,
)
from billing.repository import Customers, Subscriptions
from billing.service.entitlements import entitled_plan
from billing.service.payment_providers import Prices, Providers
from career_kit.events import Outbox

log = logging.getLogger(__name__)


class SubscriptionMirror:
    def __init__(self, *, outbox: Outbox, prices: Prices, providers: Providers,
                 clock: Callable[[], datetime]) -> None:
        self.outbox = outbox
        self.prices = prices
        self.providers = providers
        self.clock = clock

    async def refresh(self, session: AsyncSession, provider: str, subscription_id: str, *,
                      hint_user: uuid.UUID | None = None) -> Subscription | None:
        """Re-read a subscription from its provider under its lock and apply it."""
        await Subscriptions(session).lock(provider, subscription_id)
        try:
            snapshot = await self.providers.holding(provider).fetch_subscription(
                subscription_id)
        except ProviderError as exc:
            if exc.transient:
                raise
            log.warning("subscription not readable; ignored",
                        extra={"provider": provider, "subscription": subscription_id,
                               "error": str(exc)})
            return None
        return await self.apply(session, snapshot, hint_user=hint_user)

    async def apply(self, session: AsyncSession, snapshot: SubscriptionSnapshot, *,
                    hint_user: uuid.UUID | None) -> Subscription | None:
        """Make our copy of one subscription equal the provider's, and tell what changed.
        The caller holds the subscription's lock."""
        customers, subscriptions = Customers(session), Subscriptions(session)
        plan = self.prices.plan_of(snapshot.provider, snapshot.price_id)
        user = await _user_of(session, snapshot, hint_user)
        if plan is None or user is None:
            log.warning("subscription of an unknown price or user; ignored",
                        extra={"subscription": snapshot.subscription_id,
                               "price": snapshot.price_id})
            return None
        customer = await customers.get_for_update(user)
        if customer.erased_at is not None:
            return None   # e.g. the cancellation erase_user itself caused
        if snapshot.provider == "stripe" and snapshot.customer_id \
                and not customer.stripe_customer_id:
            customer.stripe_customer_id = snapshot.customer_id
        sub = await subscriptions.get(snapshot.provider, snapshot.subscription_id)
        after = (plan, snapshot.status, snapshot.cancel_at_period_end,
                 snapshot.current_period_end)
        before = None if sub is None else (sub.plan, sub.status, sub.cancel_at_period_end,
                                           sub.current_period_end)
        if sub is not None and before == after:
            # Most re-reads (every invoice event re-reads its subscription) find nothing new:
            # keep the details current, skip the effective-plan queries.
            _copy_details(sub, snapshot)
            return sub
        # Read before any change is flushed: what subscription.updated said last.
        announced_before = await _announced_state(session, user)
        if sub is None:
            sub = Subscription(user_id=user, provider=snapshot.provider,
                               provider_subscription_id=snapshot.subscription_id,
                               started_announced=False)
            subscriptions.add(sub)
        _copy_details(sub, snapshot)
        sub.plan, sub.status, sub.cancel_at_period_end, sub.current_period_end = after
        sub.updated_at = self.clock()
        await session.flush()
        uid = str(user)
        announced_after = await _announced_state(session, user)
        if announced_after != announced_before or before is None:
            version = await customers.bump_version(user)
            entitled, status, period_end, cancelling = announced_after
            # `plan` has always been the entitled plan as well (free while incomplete or
            # unpaid); `entitled_plan` says so, for consumers to read rather than re-derive.
            await self.outbox.add(session, events.subscription_updated(
                uid, plan=entitled, entitled_plan=entitled, status=status,
                current_period_end=period_end, cancel_at_period_end=cancelling,
                version=version))
        if not sub.started_announced and sub.status in (ACTIVE, TRIALING) and customer.email:
            # Without the user's contact (the webhook beat user.registered here) the
            # announcement waits for it: CustomerService.remember_user makes it then.
            await announce_start(session, self.outbox, sub, customer)
        was_cancelling = before is not None and before[2]
        was_canceled = before is not None and before[1] == CANCELED
        if sub.status == CANCELED and not was_canceled and sub.started_announced:
            await self.outbox.add(session, events.subscription_cancelled(
                uid, plan=plan, at_period_end=False,
                ends_at=sub.canceled_at or self.clock(), customer=customer))
        elif sub.cancel_at_period_end and not was_cancelling and sub.status != CANCELED:
            await self.outbox.add(session, events.subscription_cancelled(
                uid, plan=plan, at_period_end=True, ends_at=sub.current_period_end,
                customer=customer))
        return sub


async def _user_of(session: AsyncSession, snapshot: SubscriptionSnapshot,
                   hint_user: uuid.UUID | None) -> uuid.UUID | None:
    for candidate in (snapshot.user_id, hint_user):
        if candidate:
            try:
                return uuid.UUID(str(candidate))
            except ValueError:
                continue
    existing = await Subscriptions(session).get(snapshot.provider, snapshot.subscription_id)
    if existing is not None:
        return existing.user_id
    if snapshot.provider == "stripe" and snapshot.customer_id:
        customer = await Customers(session).by_stripe_customer(snapshot.customer_id)
        if customer is not None:
            return customer.user_id
    return None


async def _announced_state(session: AsyncSession, user: uuid.UUID
                           ) -> tuple[str, str, datetime | None, bool]:
    """(entitled plan, status, period end, cancelling) as subscription.updated tells it: of
    the user's live subscription, else free (and canceled, if their last one was)."""
    subscriptions = Subscriptions(session)
    sub = await subscriptions.effective(user)
    if sub is None:
        latest = await subscriptions.latest(user)
        status = CANCELED if latest is not None and latest.status == CANCELED else ACTIVE
        return entitled_plan(None), status, None, False
    return entitled_plan(sub), sub.status, sub.current_period_end, sub.cancel_at_period_end


def _copy_details(sub: Subscription, snapshot: SubscriptionSnapshot) -> None:
    """The provider's fields that do not decide what the user has (those are compared)."""
    sub.provider_customer_id = snapshot.customer_id
    sub.item_id = snapshot.item_id
    sub.price_id = snapshot.price_id
    sub.amount = snapshot.amount
    sub.currency = snapshot.currency
    sub.current_period_start = snapshot.current_period_start
    sub.canceled_at = snapshot.canceled_at


async def announce_start(session: AsyncSession, outbox: Outbox, sub: Subscription,
                         customer: Customer) -> None:
    """subscription.started, once per subscription: the paid plan is active (the
    confirmation e-mail goes to `customer`)."""
    sub.started_announced = True
    await outbox.add(session, events.subscription_started(
        str(sub.user_id), plan=sub.plan, amount=sub.amount, currency=sub.currency,
        current_period_end=sub.current_period_end, customer=customer))
