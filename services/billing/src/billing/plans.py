"""The plans and what each allows: the one table every entitlement answer comes from.

Prices are what the SPA shows; what Stripe charges is the Price behind STRIPE_*_PRICE_ID, and
the two must agree (the fake Stripe in the dev stack is set up from this table). Limits of -1
mean unlimited. Metered features reset every billing period; standing limits cap a count the
owning service keeps (connected accounts in social, job alerts in jobs), which it compares with
`GetEntitlements` itself.

The plans' names are the proto's (`Plan.PLAN_PRO` is "pro", career_kit.conversions.EnumNames):
a plan here without a value there, or the other way round, stops the service at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from career.billing.v1 import events_pb2
from career_kit.conversions import EnumNames

PLAN_NAMES = EnumNames(events_pb2.Plan, "PLAN_")

FREE, PRO, PREMIUM = "free", "pro", "premium"
PAID_PLANS = (PRO, PREMIUM)

AI_REQUESTS = "ai_requests"
SCHEDULED_POSTS = "scheduled_posts"
CONNECTED_ACCOUNTS = "connected_accounts"
JOB_ALERTS = "job_alerts"
CV_REVIEWS = "cv_reviews"

METERED = frozenset({AI_REQUESTS, SCHEDULED_POSTS})
# Bought, never reset: the limit is what the user has bought (see CREDIT_PACKS).
CREDITS = frozenset({CV_REVIEWS})
UNLIMITED = -1


@dataclass(frozen=True)
class Plan:
    name: str
    title: str
    price: Decimal
    currency: str
    interval: str | None
    features: tuple[str, ...]
    limits: dict[str, int]
    premium_templates: bool
    api_access: bool
    # Multiplier of the gateway's per-user rate limits (gateway: GATEWAY_RATE_LIMIT_TIER_*).
    rate_limit_tier: int


PLANS: dict[str, Plan] = {
    FREE: Plan(
        name=FREE, title="Free", price=Decimal("0"), currency="USD", interval=None,
        features=("Basic CV templates", "Job search", "Social media basics"),
        limits={AI_REQUESTS: 3, SCHEDULED_POSTS: 5, CONNECTED_ACCOUNTS: 1, JOB_ALERTS: 3},
        premium_templates=False, api_access=False, rate_limit_tier=1),
    PRO: Plan(
        name=PRO, title="Pro", price=Decimal("29.99"), currency="USD", interval="month",
        features=("Everything in Free", "AI CV enhancement", "Advanced analytics",
                  "Premium templates"),
        limits={AI_REQUESTS: 100, SCHEDULED_POSTS: 60, CONNECTED_ACCOUNTS: 3, JOB_ALERTS: 20},
        premium_templates=True, api_access=False, rate_limit_tier=3),
    PREMIUM: Plan(
        name=PREMIUM, title="Premium", price=Decimal("49.99"), currency="USD", interval="month",
        features=("Everything in Pro", "Team collaboration", "API access"),
        limits={AI_REQUESTS: 500, SCHEDULED_POSTS: UNLIMITED, CONNECTED_ACCOUNTS: 10,
                JOB_ALERTS: 100},
        premium_templates=True, api_access=True, rate_limit_tier=5),
}

if set(PLANS) != set(PLAN_NAMES.names):
    raise RuntimeError(f"billing's plans {sorted(PLANS)} are not the proto's Plan values "
                       f"{sorted(PLAN_NAMES.names)}")


@dataclass(frozen=True)
class CreditPack:
    name: str
    title: str
    price: Decimal
    currency: str
    feature: str
    credits: int


CV_REVIEW_PACK = "cv_review_pack"
CREDIT_PACKS: dict[str, CreditPack] = {
    CV_REVIEW_PACK: CreditPack(name=CV_REVIEW_PACK, title="CV review pack (5 reviews)",
                               price=Decimal("19.99"), currency="USD", feature=CV_REVIEWS,
                               credits=5),
}


def limit_for(plan: str, feature: str) -> int:
    return PLANS[plan].limits.get(feature, 0)
