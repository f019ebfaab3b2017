"""What a user's plan allows them, and the quotas they consume of it.

The entitlement rule is billing's alone and is `entitled_plan`: GetEntitlements, the quotas,
checkout's "already subscribed", subscription management and subscription.updated's
`entitled_plan` (which auth's tier follows) all answer from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from billing import plans
from billing.models import QuotaConsumption, Subscription
from billing.providers.base import ACTIVE, PAST_DUE, TRIALING
from billing.repository import Quotas, Subscriptions
from career_kit.context import id_argument
from career_kit.errors import InvalidArgument, QuotaExceeded, Unavailable
from career_kit.idempotency import IdempotencyKeyReused

# Statuses that keep the paid plan's entitlements: paid, on trial, or being retried.
_ENTITLED_STATUSES = frozenset({ACTIVE, TRIALING, PAST_DUE})

# Credits never reset: they are counted in one period that starts at the epoch.
CREDIT_PERIOD = datetime(1970, 1, 1, tzinfo=UTC)


def entitled_plan(sub: Subscription | None) -> str:
    """The plan `sub` entitles its user to: its own plan while it is paid for, on trial or a
    failed payment is being retried (past_due); free while it is incomplete, unpaid or
    canceled, and without a subscription."""
    if sub is not None and sub.status in _ENTITLED_STATUSES:
        return sub.plan
    return plans.FREE


async def effective_plan(session: AsyncSession,
                         user: uuid.UUID) -> tuple[plans.Plan, Subscription | None]:
    """The plan the user has now, and their live subscription (entitling or not), if any."""
    sub = await Subscriptions(session).effective(user)
    return plans.PLANS[entitled_plan(sub)], sub


def month_period(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) around `now`: the metering period without a paid plan."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 \
        else start.replace(month=start.month + 1)
    return start, end


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
    released: bool = False

    @property
    def remaining(self) -> int:
        return -1 if self.limit < 0 else max(0, self.limit - self.used)


class EntitlementService:
    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    def list_plans(self) -> list[plans.Plan]:
        return list(plans.PLANS.values())

    def _period(self, sub: Subscription | None) -> tuple[datetime, datetime]:
        """The metering period: the paid subscription's, else the calendar month."""
        if sub is not None and entitled_plan(sub) != plans.FREE \
                and sub.current_period_start and sub.current_period_end \
                and sub.current_period_start <= self.clock() < sub.current_period_end:
            return sub.current_period_start, sub.current_period_end
        return month_period(self.clock())

    async def for_user(self, session: AsyncSession, *, user_id: str) -> EntitlementsView:
        user = id_argument(user_id, "user id")
        quotas = Quotas(session)
        plan, sub = await effective_plan(session, user)
        start, end = self._period(sub)
        limits = []
        for feature in (plans.AI_REQUESTS, plans.SCHEDULED_POSTS, plans.CONNECTED_ACCOUNTS,
                        plans.JOB_ALERTS):
            metered = feature in plans.METERED
            used = await quotas.used(user, feature, start) if metered else 0
            limits.append(Limit(feature, plan.limits.get(feature, 0), metered, used))
        credits = await quotas.credits(user, plans.CV_REVIEWS)
        limits.append(Limit(plans.CV_REVIEWS, credits, True,
                            await quotas.used(user, plans.CV_REVIEWS, CREDIT_PERIOD)))
        status = sub.status if sub is not None and plan.name != plans.FREE else ACTIVE
        return EntitlementsView(str(user), plan, status, limits, start, end)

    async def _quota_frame(self, session: AsyncSession, user: uuid.UUID,
                           feature: str) -> tuple[int, datetime, datetime | None]:
        """(limit, period start, period end) of a consumable feature."""
        if feature in plans.CREDITS:
            return await Quotas(session).credits(user, feature), CREDIT_PERIOD, None
        if feature not in plans.METERED:
            raise InvalidArgument(f"{feature} is a standing limit, not a metered quota: "
                                  "compare your count with GetEntitlements")
        plan, sub = await effective_plan(session, user)
        start, end = self._period(sub)
        return plan.limits.get(feature, 0), start, end

    async def check_quota(self, session: AsyncSession, *, user_id: str, feature: str,
                          amount: int) -> QuotaView:
        user = id_argument(user_id, "user id")
        if amount < 0:
            raise InvalidArgument("amount must not be negative")
        limit, start, end = await self._quota_frame(session, user, feature)
        used = await Quotas(session).used(user, feature, start)
        allowed = limit < 0 or used + max(amount, 1) <= limit
        return QuotaView(feature, allowed, limit, used, end)

    async def consume_quota(self, session: AsyncSession, *, user_id: str, feature: str,
                            amount: int, idempotency_key: str) -> QuotaView:
        user = id_argument(user_id, "user id")
        if amount < 1:
            raise InvalidArgument("amount must be at least 1")
        key = idempotency_key.strip()
        if not key or len(key) > 255:
            raise InvalidArgument("an idempotency key of 1 to 255 characters is required")
        quotas = Quotas(session)
        earlier = await quotas.consumption(user, key)
        if earlier is not None:
            return _replay(earlier, feature, amount)
        limit, start, end = await self._quota_frame(session, user, feature)
        used = await quotas.take(user, feature, start, amount, limit)
        if used is None:
            current = await quotas.used(user, feature, start)
            raise QuotaExceeded(
                f"{feature}: {current} of {limit} used this period; {amount} more would "
                "exceed the plan's limit", problem_type="quota-exceeded")
        claimed = await quotas.claim_key({
            "user_id": user, "idempotency_key": key, "feature": feature, "amount": amount,
            "period_start": start, "period_end": end, "used_after": used, "limit": limit})
        if not claimed:
            # A concurrent call with the same key got there first: undo ours by failing the
            # transaction; the caller's retry replays the winner.
            raise Unavailable("a call with this idempotency key is in flight; retry")
        return QuotaView(feature, True, limit, used, end)

    async def release_quota(self, session: AsyncSession, *, user_id: str,
                            idempotency_key: str) -> QuotaView | None:
        """Give back what the ConsumeQuota with this key used, once; None when no such
        consumption exists (nothing to give back)."""
        user = id_argument(user_id, "user id")
        quotas = Quotas(session)
        earlier = await quotas.consumption(user, idempotency_key.strip(), for_update=True)
        if earlier is None:
            return None
        if earlier.released_at is not None:
            used = await quotas.used(user, earlier.feature, earlier.period_start)
            return QuotaView(earlier.feature, True, earlier.limit, used, earlier.period_end)
        earlier.released_at = self.clock()
        used = await quotas.give_back(user, earlier.feature, earlier.period_start,
                                      earlier.amount)
        return QuotaView(earlier.feature, True, earlier.limit, used, earlier.period_end,
                         released=True)


def _replay(earlier: QuotaConsumption, feature: str, amount: int) -> QuotaView:
    if earlier.feature != feature or earlier.amount != amount:
        raise IdempotencyKeyReused("this idempotency key was used with other parameters")
    if earlier.released_at is not None:
        raise IdempotencyKeyReused("this idempotency key's use was released; use a new key")
    return QuotaView(feature, True, earlier.limit, earlier.used_after, earlier.period_end,
                     replayed=True)
