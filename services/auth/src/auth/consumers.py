"""What the auth service reacts to: billing's subscription.updated decides the user's tier.

Consumers are written one way in every service: a class per service whose events are
handled, its handlers as methods, and `subscriptions()` listing them for main.compose.
Handlers run in the kit's inbox transaction (each event once per consumer); the tier rule
ignores stale versions, so reordered deliveries are harmless too. Which plan a subscription
entitles its user to is billing's rule, carried in `entitled_plan`: auth never re-derives it
from the plan and status."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from auth.service import AuthService
from career.billing.v1 import events_pb2 as billing_events
from career_kit.conversions import EnumNames
from career_kit.events import ReceivedEvent, Subscription

SUBSCRIPTION_UPDATED = "subscription.updated"

PLANS = EnumNames(billing_events.Plan, "PLAN_")

log = logging.getLogger(__name__)


class BillingConsumers:
    """billing's events: the tier follows the plan a subscription entitles its user to."""

    def __init__(self, service: AuthService) -> None:
        self.service = service

    async def on_subscription_updated(self, session: AsyncSession,
                                      event: ReceivedEvent) -> None:
        update = event.parse(billing_events.SubscriptionUpdated)
        entitled_plan = PLANS.name_of(update.entitled_plan)
        if entitled_plan is None:
            # PLAN_UNSPECIFIED: sent by a billing that predates `entitled_plan` (field 7), or
            # a plan newer than this build's contract. Ignored, tier and version unchanged:
            # guessing from plan and status would be billing's rule again, and the next event
            # of an up-to-date billing carries the field (with a higher version).
            log.warning("subscription.updated without an entitled plan ignored",
                        extra={"event_id": str(event.id), "user_id": update.user_id,
                               "version": update.version})
            return
        await self.service.tier.follow_subscription(session, user_id=update.user_id,
                                                    entitled_plan=entitled_plan,
                                                    version=update.version)

    def subscriptions(self) -> list[Subscription]:
        return [Subscription(SUBSCRIPTION_UPDATED, self.on_subscription_updated)]
