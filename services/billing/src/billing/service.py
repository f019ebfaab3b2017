"""The billing rules. Methods take the caller's session and never commit: the servicer, the
webhook endpoint or the consumer runs each call in one transaction, so a state change and the
events it publishes (outbox) commit together or not at all.

Provider state is the truth: webhook handlers (provider_events.py) re-read the subscription from
the provider under a per-subscription lock instead of applying the event's copy, so duplicated,
reordered or late deliveries all end in the provider's current state.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from billing import events, plans
from billing.models import Invoice, Payment, Subscription
from billing.providers.base import (
    ACTIVE,
    CANCELED,
    TRIALING,
    ProviderError,
    SubscriptionSnapshot,
)
from billing.providers.stripe import StripeProvider
from billing.repository import (
    LIVE_STATUSES,
    Customers,
    Invoices,
    Payments,
    Quotas,
    Subscriptions,
    WebhookEvents,
)
from career_kit.conversions import utc_now
from career_kit.errors import (
    FailedPrecondition,
    InvalidArgument,
    QuotaExceeded,
    Unauthenticated,
    Unavailable,
)
from career_kit.events import Outbox
from career_kit.idempotency import IdempotencyKeyReused

log = logging.getLogger(__name__)

# Statuses that keep the paid plan's entitlements: paid, on trial, or being retried.
ENTITLED_STATUSES = ("active", "trialing", "past_due")
MAX_PAGE = 100
DEFAULT_PAGE = 20



def month_period(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) around `now`: the metering period without a paid plan."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 \
        else start.replace(month=start.month + 1)
    return start, end


# Credits never reset: they are counted in one period that starts at the epoch.
CREDIT_PERIOD = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Urls:
    checkout_success: str
    checkout_cancel: str
    portal_return: str


@dataclass(frozen=True)
class Prices:
    """Provider price/plan ids <-> our plans and packs."""

    stripe: dict[str, str]              # plan or pack name -> Stripe price id
    paypal: dict[str, str]              # plan name -> PayPal plan id

    def plan_of(self, provider: str, price_id: str) -> str | None:
        table = self.stripe if provider == "stripe" else self.paypal
        for name, candidate in table.items():
            if candidate == price_id and name in plans.PAID_PLANS:
                return name
        return None


@dataclass(frozen=True)
class Limit:
    feature: str
    limit: int
    metered: bool
    used: int


@dataclass(frozen=True)
class EntitlementsView:
    user_id: str
    plan: plans.Plan
    status: str
    limits: list[Limit]
    period_start: datetime
    period_end: datetime


@dataclass(frozen=True)
class QuotaView:
    feature: str
    allowed: bool
    limit: int
    used: int
    period_end: datetime | None
    replayed: bool = False

    @property
    def remaining(self) -> int:
        return -1 if self.limit < 0 else max(0, self.limit - self.used)


@dataclass(frozen=True)
class SubscriptionView:
    plan: str
    status: str
    provider: str | None
    subscription: Subscription | None


def parse_uuid(value: str, what: str = "user id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise InvalidArgument(f"{what} is not a UUID") from None


def _caller(user_id: str | None) -> uuid.UUID:
    if not user_id:
        raise Unauthenticated("sign in first")
    return parse_uuid(user_id)


def _unavailable(exc: ProviderError) -> Exception:
    """A provider failure as the caller should see it: retry later, or a clear refusal."""
    if exc.transient:
        return Unavailable("the payment provider is not reachable; try again shortly")
    return FailedPrecondition(f"the payment provider refused: {exc}")


class BillingService:
    def __init__(self, *, outbox: Outbox, prices: Prices, urls: Urls,
                 stripe: StripeProvider | None, paypal: Any | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.outbox = outbox
        self.prices = prices
        self.urls = urls
        self.stripe = stripe
        self.paypal = paypal
        self.clock = clock
        self.customers = Customers()
        self.subscriptions = Subscriptions()
        self.webhook_events = WebhookEvents()
        self.invoices = Invoices()
        self.payments = Payments()
        self.quotas = Quotas()

    def _provider(self, name: str) -> Any:
        provider = self.stripe if name == "stripe" else self.paypal
        if provider is None:
            raise FailedPrecondition(f"payments through {name} are not configured")
        return provider

    # Users ---------------------------------------------------------------------------------

    async def remember_user(self, session: AsyncSession, *, user_id: str, email: str,
                            name: str, language: str) -> None:
        """user.registered: the contact billing sends to Stripe and puts on its events."""
        await self.customers.upsert_contact(session, parse_uuid(user_id), email=email, name=name,
                                            language=language)

    async def erase_user(self, session: AsyncSession, *, user_id: str) -> None:
        """user.deleted: end live subscriptions at the provider (nobody pays for a deleted
        account), then erase everything but invoices and payments, which accounting law
        requires us to keep; those keep only the user id, no contact."""
        user = parse_uuid(user_id)
        # Locks in the order webhook handling takes them (subscription, then customer): the
        # cancellations below send webhooks for these very subscriptions while we work.
        subscriptions = await self.subscriptions.for_user(session, user)
        for sub in subscriptions:
            await self.subscriptions.lock(session, sub.provider, sub.provider_subscription_id)
        customer = await self.customers.get_for_update(session, user)
        for sub in subscriptions:
            if sub.status in LIVE_STATUSES:
                await self._provider(sub.provider).cancel_now(
                    sub.provider_subscription_id, f"erase:{sub.provider_subscription_id}")
        await self.webhook_events.forget_payloads(
            session, user, customer.stripe_customer_id)
        await self.subscriptions.erase(session, user)
        await self.quotas.erase(session, user)
        await self.customers.erase(session, user)

    # Plans and entitlements ----------------------------------------------------------------

    def list_plans(self) -> list[plans.Plan]:
        return list(plans.PLANS.values())

    async def _effective(self, session: AsyncSession,
                         user: uuid.UUID) -> tuple[plans.Plan, Subscription | None]:
        sub = await self.subscriptions.effective(session, user)
        if sub is not None and sub.status in ENTITLED_STATUSES:
            return plans.PLANS[sub.plan], sub
        return plans.PLANS[plans.FREE], sub

    def _period(self, sub: Subscription | None) -> tuple[datetime, datetime]:
        """The metering period: the paid subscription's, else the calendar month."""
        if sub is not None and sub.status in ENTITLED_STATUSES \
                and sub.current_period_start and sub.current_period_end \
                and sub.current_period_start <= self.clock() < sub.current_period_end:
            return sub.current_period_start, sub.current_period_end
        return month_period(self.clock())

    async def entitlements(self, session: AsyncSession, *, user_id: str) -> EntitlementsView:
        user = parse_uuid(user_id)
        plan, sub = await self._effective(session, user)
        start, end = self._period(sub)
        limits = []
        for feature in (plans.AI_REQUESTS, plans.SCHEDULED_POSTS, plans.CONNECTED_ACCOUNTS,
                        plans.JOB_ALERTS):
            metered = feature in plans.METERED
            used = await self.quotas.used(session, user, feature, start) if metered else 0
            limits.append(Limit(feature, plan.limits.get(feature, 0), metered, used))
        credits = await self.quotas.credits(session, user, plans.CV_REVIEWS)
        limits.append(Limit(plans.CV_REVIEWS, credits, True,
                            await self.quotas.used(session, user, plans.CV_REVIEWS,
                                                   CREDIT_PERIOD)))
        status = sub.status if sub is not None and plan.name != plans.FREE else ACTIVE
        return EntitlementsView(str(user), plan, status, limits, start, end)

    async def _quota_frame(self, session: AsyncSession, user: uuid.UUID,
                           feature: str) -> tuple[int, datetime, datetime | None]:
        """(limit, period start, period end) of a consumable feature."""
        if feature in plans.CREDITS:
            return await self.quotas.credits(session, user, feature), CREDIT_PERIOD, None
        if feature not in plans.METERED:
            raise InvalidArgument(f"{feature} is a standing limit, not a metered quota: "
                                  "compare your count with GetEntitlements")
        plan, sub = await self._effective(session, user)
        start, end = self._period(sub)
        return plan.limits.get(feature, 0), start, end

    async def check_quota(self, session: AsyncSession, *, user_id: str, feature: str,
                          amount: int) -> QuotaView:
        user = parse_uuid(user_id)
        if amount < 0:
            raise InvalidArgument("amount must not be negative")
        limit, start, end = await self._quota_frame(session, user, feature)
        used = await self.quotas.used(session, user, feature, start)
        allowed = limit < 0 or used + max(amount, 1) <= limit
        return QuotaView(feature, allowed, limit, used, end)

    async def consume_quota(self, session: AsyncSession, *, user_id: str, feature: str,
                            amount: int, idempotency_key: str) -> QuotaView:
        user = parse_uuid(user_id)
        if amount < 1:
            raise InvalidArgument("amount must be at least 1")
        key = idempotency_key.strip()
        if not key or len(key) > 255:
            raise InvalidArgument("an idempotency key of 1 to 255 characters is required")
        earlier = await self.quotas.consumption(session, user, key)
        if earlier is not None:
            return self._replay(earlier, feature, amount)
        limit, start, end = await self._quota_frame(session, user, feature)
        used = await self.quotas.take(session, user, feature, start, amount, limit)
        if used is None:
            current = await self.quotas.used(session, user, feature, start)
            raise QuotaExceeded(
                f"{feature}: {current} of {limit} used this period; {amount} more would "
                "exceed the plan's limit", problem_type="quota-exceeded")
        claimed = await self.quotas.claim_key(session, {
            "user_id": user, "idempotency_key": key, "feature": feature, "amount": amount,
            "period_start": start, "period_end": end, "used_after": used, "limit": limit})
        if not claimed:
            # A concurrent call with the same key got there first: undo ours by failing the
            # transaction; the caller's retry replays the winner.
            raise Unavailable("a call with this idempotency key is in flight; retry")
        return QuotaView(feature, True, limit, used, end)

    @staticmethod
    def _replay(earlier: Any, feature: str, amount: int) -> QuotaView:
        if earlier.feature != feature or earlier.amount != amount:
            raise IdempotencyKeyReused("this idempotency key was used with other parameters")
        return QuotaView(feature, True, earlier.limit, earlier.used_after, earlier.period_end,
                         replayed=True)

    # Checkout, portal, subscription management --------------------------------------------

    async def _stripe_customer(self, session: AsyncSession, user: uuid.UUID) -> str:
        """The user's one Stripe customer, created on first need. The row lock and the
        idempotency key both make sure concurrent checkouts do not create two."""
        customer = await self.customers.get_for_update(session, user)
        if customer.stripe_customer_id:
            return customer.stripe_customer_id
        stripe = self._provider("stripe")
        try:
            customer.stripe_customer_id = await stripe.create_customer(
                user_id=str(user), email=customer.email, name=customer.name,
                idempotency_key=f"customer:{user}")
        except ProviderError as exc:
            raise _unavailable(exc) from exc
        return customer.stripe_customer_id

    async def checkout(self, session: AsyncSession, *, caller_id: str | None, purchase: str,
                       provider: str, provider_key: str | None) -> Any:
        """Start paying for `purchase`. `provider_key` is the provider's idempotency key: the
        scoped form of the client's Idempotency-Key (career_kit.idempotency), or None for a
        call the client will not retry."""
        user = _caller(caller_id)
        key = provider_key or f"checkout:{uuid.uuid4()}"
        if purchase in plans.PAID_PLANS:
            live = await self.subscriptions.effective(session, user)
            if live is not None and live.status in ENTITLED_STATUSES:
                raise FailedPrecondition(
                    f"you already have the {live.plan} plan; change plans instead",
                    problem_type="already-subscribed")
        elif purchase not in plans.CREDIT_PACKS:
            raise InvalidArgument(f"unknown purchase {purchase!r}")
        if provider == "paypal":
            if purchase not in plans.PAID_PLANS:
                raise InvalidArgument("PayPal takes subscriptions only")
            paypal = self._provider("paypal")
            customer = await self.customers.get(session, user)
            try:
                return await paypal.create_subscription(
                    purchase, user_id=str(user), email=customer.email if customer else None,
                    return_url=self.urls.checkout_success.replace(
                        "{CHECKOUT_SESSION_ID}", "paypal"),
                    cancel_url=self.urls.checkout_cancel, idempotency_key=key)
            except ProviderError as exc:
                raise _unavailable(exc) from exc
        customer_id = await self._stripe_customer(session, user)
        try:
            return await self._provider("stripe").create_checkout(
                customer_id=customer_id, user_id=str(user),
                price_id=self.prices.stripe[purchase], recurring=purchase in plans.PAID_PLANS,
                purchase=purchase, success_url=self.urls.checkout_success,
                cancel_url=self.urls.checkout_cancel, idempotency_key=key)
        except ProviderError as exc:
            raise _unavailable(exc) from exc

    async def portal(self, session: AsyncSession, *, caller_id: str | None) -> str:
        user = _caller(caller_id)
        customer_id = await self._stripe_customer(session, user)
        try:
            return await self._provider("stripe").create_portal(
                customer_id=customer_id, return_url=self.urls.portal_return)
        except ProviderError as exc:
            raise _unavailable(exc) from exc

    async def subscription(self, session: AsyncSession, *,
                           caller_id: str | None) -> SubscriptionView:
        user = _caller(caller_id)
        plan, sub = await self._effective(session, user)
        if sub is None:
            sub = await self.subscriptions.latest(session, user)
        if sub is None:
            return SubscriptionView(plans.FREE, ACTIVE, None, None)
        return SubscriptionView(plan.name, sub.status, sub.provider, sub)

    async def _live(self, session: AsyncSession, caller_id: str | None) -> Subscription:
        user = _caller(caller_id)
        sub = await self.subscriptions.effective(session, user)
        if sub is None or sub.status not in ENTITLED_STATUSES:
            raise FailedPrecondition("you have no active subscription",
                                     problem_type="no-subscription")
        await self.subscriptions.lock(session, sub.provider, sub.provider_subscription_id)
        await session.refresh(sub)
        return sub

    async def cancel(self, session: AsyncSession, *, caller_id: str | None) -> SubscriptionView:
        sub = await self._live(session, caller_id)
        provider = self._provider(sub.provider)
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
            raise _unavailable(exc) from exc
        if snapshot is not None:
            await self._apply(session, snapshot, hint_user=sub.user_id)
        return await self.subscription(session, caller_id=caller_id)

    async def resume(self, session: AsyncSession, *, caller_id: str | None) -> SubscriptionView:
        sub = await self._live(session, caller_id)
        if not sub.cancel_at_period_end:
            raise FailedPrecondition("the subscription is not cancelled",
                                     problem_type="not-cancelled")
        try:
            snapshot = await self._provider(sub.provider).cancel_at_period_end(
                sub.provider_subscription_id, False, f"resume:{uuid.uuid4()}")
        except ProviderError as exc:
            raise _unavailable(exc) from exc
        await self._apply(session, snapshot, hint_user=sub.user_id)
        return await self.subscription(session, caller_id=caller_id)

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
            snapshot = await self._provider("stripe").change_price(
                sub.provider_subscription_id, item_id=sub.item_id,
                price_id=self.prices.stripe[plan], idempotency_key=f"change:{uuid.uuid4()}")
        except ProviderError as exc:
            raise _unavailable(exc) from exc
        await self._apply(session, snapshot, hint_user=sub.user_id)
        return await self.subscription(session, caller_id=caller_id)

    async def list_invoices(self, session: AsyncSession, *, caller_id: str | None,
                            page_size: int, before: tuple[datetime, str] | None
                            ) -> list[Invoice]:
        return await self.invoices.page(session, _caller(caller_id),
                                        limit=_rows_for(page_size), before=before)

    async def list_payments(self, session: AsyncSession, *, caller_id: str | None,
                            page_size: int, before: tuple[datetime, str] | None
                            ) -> list[Payment]:
        return await self.payments.page(session, _caller(caller_id),
                                        limit=_rows_for(page_size), before=before)

    # Subscriptions as the providers hold them -------------------------------------------

    async def refresh_subscription(self, session: AsyncSession, provider: str,
                                   subscription_id: str, *,
                                   hint_user: uuid.UUID | None = None) -> Subscription | None:
        """Re-read a subscription from its provider under its lock and apply it."""
        await self.subscriptions.lock(session, provider, subscription_id)
        try:
            snapshot = await self._provider(provider).fetch_subscription(subscription_id)
        except ProviderError as exc:
            if exc.transient:
                raise
            log.warning("subscription not readable; ignored",
                        extra={"provider": provider, "subscription": subscription_id,
                               "error": str(exc)})
            return None
        return await self._apply(session, snapshot, hint_user=hint_user)

    async def _user_of(self, session: AsyncSession, snapshot: SubscriptionSnapshot,
                       hint_user: uuid.UUID | None) -> uuid.UUID | None:
        for candidate in (snapshot.user_id, hint_user):
            if candidate:
                try:
                    return uuid.UUID(str(candidate))
                except ValueError:
                    continue
        existing = await self.subscriptions.get(session, snapshot.provider,
                                                snapshot.subscription_id)
        if existing is not None:
            return existing.user_id
        if snapshot.provider == "stripe" and snapshot.customer_id:
            customer = await self.customers.by_stripe_customer(session, snapshot.customer_id)
            if customer is not None:
                return customer.user_id
        return None

    async def _apply(self, session: AsyncSession, snapshot: SubscriptionSnapshot, *,
                     hint_user: uuid.UUID | None) -> Subscription | None:
        """Make our copy of one subscription equal the provider's, and tell what changed.
        The caller holds the subscription's lock."""
        plan = self.prices.plan_of(snapshot.provider, snapshot.price_id)
        user = await self._user_of(session, snapshot, hint_user)
        if plan is None or user is None:
            log.warning("subscription of an unknown price or user; ignored",
                        extra={"subscription": snapshot.subscription_id,
                               "price": snapshot.price_id})
            return None
        customer = await self.customers.get_for_update(session, user)
        if customer.erased_at is not None:
            return None   # e.g. the cancellation erase_user itself caused
        if snapshot.provider == "stripe" and snapshot.customer_id \
                and not customer.stripe_customer_id:
            customer.stripe_customer_id = snapshot.customer_id
        sub = await self.subscriptions.get(session, snapshot.provider, snapshot.subscription_id)
        after = (plan, snapshot.status, snapshot.cancel_at_period_end,
                 snapshot.current_period_end)
        before = None if sub is None else (sub.plan, sub.status, sub.cancel_at_period_end,
                                           sub.current_period_end)
        if before == after:
            # Most re-reads (every invoice event re-reads its subscription) find nothing new:
            # keep the details current, skip the effective-plan queries.
            _copy_details(sub, snapshot)
            return sub
        # Read before any change is flushed: what subscription.updated said last.
        effective_before = await self._effective_state(session, user)
        if sub is None:
            sub = Subscription(user_id=user, provider=snapshot.provider,
                               provider_subscription_id=snapshot.subscription_id,
                               started_announced=False)
            self.subscriptions.add(session, sub)
        _copy_details(sub, snapshot)
        sub.plan, sub.status, sub.cancel_at_period_end, sub.current_period_end = after
        sub.updated_at = self.clock()
        await session.flush()
        uid = str(user)
        effective_after = await self._effective_state(session, user)
        if effective_after != effective_before or before is None:
            version = await self.customers.bump_version(session, user)
            plan_name, status, period_end, cancelling = effective_after
            await self.outbox.add(session, events.subscription_updated(
                uid, plan=plan_name, status=status, current_period_end=period_end,
                cancel_at_period_end=cancelling, version=version))
        if not sub.started_announced and sub.status in (ACTIVE, TRIALING):
            sub.started_announced = True
            await self.outbox.add(session, events.subscription_started(
                uid, plan=plan, amount=sub.amount, currency=sub.currency,
                current_period_end=sub.current_period_end, customer=customer))
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

    async def _effective_state(self, session: AsyncSession, user: uuid.UUID
                               ) -> tuple[str, str, datetime | None, bool]:
        """(plan, status, period end, cancelling) as subscription.updated tells it."""
        plan, sub = await self._effective(session, user)
        if sub is None:
            latest = await self.subscriptions.latest(session, user)
            status = latest.status if latest is not None else ACTIVE
            return plans.FREE, status if status == CANCELED else ACTIVE, None, False
        return plan.name, sub.status, sub.current_period_end, sub.cancel_at_period_end

def _copy_details(sub: Subscription, snapshot: SubscriptionSnapshot) -> None:
    """The provider's fields that do not decide what the user has (those are compared)."""
    sub.provider_customer_id = snapshot.customer_id
    sub.item_id = snapshot.item_id
    sub.price_id = snapshot.price_id
    sub.amount = snapshot.amount
    sub.currency = snapshot.currency
    sub.current_period_start = snapshot.current_period_start
    sub.canceled_at = snapshot.canceled_at


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size must not be negative")
    return min(requested or DEFAULT_PAGE, MAX_PAGE)



def _rows_for(requested: int) -> int:
    """A page and one row more, to tell whether another page follows."""
    return page_size(requested) + 1
