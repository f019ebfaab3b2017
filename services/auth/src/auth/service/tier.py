"""The user's tier, which follows billing. Billing owns the rule of which plan a subscription
entitles its user to (paid, trialing, a failed payment being retried, canceled...) and sends
the outcome as subscription.updated's `entitled_plan`; auth only applies it, in billing's order
(its per-user version), and never takes away the admin tier, which staff grant."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from auth import events
from auth.models import TIERS
from auth.repository import Users
from auth.service.dependencies import Dependencies

ADMIN = "admin"

log = logging.getLogger(__name__)


class Tier:
    """Applies billing's entitled plan to the user's tier."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def follow_subscription(self, session: AsyncSession, *, user_id: str,
                                  entitled_plan: str, version: int) -> None:
        """Follow billing's subscription.updated. Versions older than (or equal to) the one
        applied are ignored, so redelivered and reordered events change nothing; an admin
        keeps the admin tier; a deleted user is ignored."""
        try:
            user_uuid = uuid.UUID(user_id)
        except ValueError:
            return  # not a user of ours; a retry could not change that
        if entitled_plan not in TIERS or entitled_plan == ADMIN:
            # A plan with no tier here (billing sells something auth has not been taught yet;
            # never admin, which is not billing's to give): keep the tier rather than take
            # away what the user pays for, and say so.
            log.warning("subscription.updated entitles to a plan auth has no tier for; tier "
                        "kept", extra={"user_id": user_id, "entitled_plan": entitled_plan,
                                       "version": version})
            return
        users = Users(session)
        user = await users.get_for_update(user_uuid)
        if user is None:
            return
        if user.subscription_version is not None and version <= user.subscription_version:
            return
        old_tier = user.tier
        new_tier = ADMIN if old_tier == ADMIN else entitled_plan
        now = self.deps.clock()
        await users.set_tier(user, tier=new_tier, subscription_version=version, now=now)
        if new_tier != old_tier:
            await self.deps.outbox.add(session, events.tier_changed(user.id, old_tier, new_tier,
                                                                    now))
