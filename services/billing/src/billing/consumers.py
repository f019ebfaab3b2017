"""What billing reacts to: who a user is (for Stripe customers and e-mails) and their deletion.

Handlers run in the kit's inbox transaction, so each event is applied once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from billing.service import BillingService
from career.auth.v1 import events_pb2 as auth_events
from career_kit.events import ReceivedEvent, Subscription


def subscriptions(service: BillingService, *, erase_backoff: list[float]) -> list[Subscription]:
    async def on_user_registered(session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(auth_events.UserRegistered)
        await service.remember_user(session, user_id=data.user_id, email=data.email,
                                    name=data.name, language=data.language)

    async def on_user_deleted(session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(auth_events.UserDeleted)
        await service.erase_user(session, user_id=data.user_id)

    return [Subscription("user.registered", on_user_registered),
            # Cancelling at the provider may fail for a while: keep trying for hours.
            Subscription("user.deleted", on_user_deleted, backoff=tuple(erase_backoff),
                         max_deliver=20)]
