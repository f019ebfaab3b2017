"""What billing reacts to: who a user is (for Stripe customers and e-mails) and their deletion.

Handlers run in the kit's inbox transaction, so each event is applied once (the consumer
shape of every service: auth/consumers.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from billing.service import BillingService
from career.auth.v1 import events_pb2 as auth_events
from career_kit.events import ReceivedEvent, Subscription


class UserConsumers:
    """auth's user events: who a user is to billing, and their erasure."""

    def __init__(self, service: BillingService) -> None:
        self.service = service

    async def on_user_registered(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(auth_events.UserRegistered)
        await self.service.remember_user(session, user_id=data.user_id, email=data.email,
                                         name=data.name, language=data.language)

    async def on_user_deleted(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(auth_events.UserDeleted)
        await self.service.erase_user(session, user_id=data.user_id)

    def subscriptions(self, *, erase_backoff: list[float]) -> list[Subscription]:
        return [Subscription("user.registered", self.on_user_registered),
                # Cancelling at the provider may fail for a while: keep trying for hours.
                Subscription("user.deleted", self.on_user_deleted,
                             backoff=tuple(erase_backoff), max_deliver=20)]
