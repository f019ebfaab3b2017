"""What the auth service reacts to: billing's subscription.updated decides the user's tier.

Handlers run in the kit's inbox transaction (each event once per consumer); the service's rule
ignores stale versions, so reordered deliveries are harmless too."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from auth.service import AuthService
from career.billing.v1 import events_pb2 as billing_events
from career_kit.events import ReceivedEvent, Subscription

SUBSCRIPTION_UPDATED = "subscription.updated"

_PLANS = {billing_events.PLAN_FREE: "free", billing_events.PLAN_PRO: "pro",
          billing_events.PLAN_PREMIUM: "premium"}
_STATUSES = {
    billing_events.SUBSCRIPTION_STATUS_ACTIVE: "active",
    billing_events.SUBSCRIPTION_STATUS_TRIALING: "trialing",
    billing_events.SUBSCRIPTION_STATUS_PAST_DUE: "past_due",
    billing_events.SUBSCRIPTION_STATUS_CANCELED: "canceled",
    billing_events.SUBSCRIPTION_STATUS_UNPAID: "unpaid",
}


def subscriptions(service: AuthService) -> list[Subscription]:
    async def on_subscription_updated(session: AsyncSession, event: ReceivedEvent) -> None:
        update = event.parse(billing_events.SubscriptionUpdated)
        await service.apply_subscription(
            session, user_id=update.user_id, plan=_PLANS.get(update.plan, "unspecified"),
            status=_STATUSES.get(update.status, "unspecified"), version=update.version)

    return [Subscription(SUBSCRIPTION_UPDATED, on_subscription_updated)]
