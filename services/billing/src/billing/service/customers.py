"""Who a user is to billing: the contact from user.registered (for Stripe customers and the
recipients of billing's e-mails), and erasing them on user.deleted."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from billing.providers.base import ACTIVE, TRIALING
from billing.repository import (
    LIVE_STATUSES,
    Customers,
    Quotas,
    Subscriptions,
    WebhookEvents,
)
from billing.service.mirror import announce_start
from billing.service.payment_providers import Providers
from career_kit.context import id_argument
from career_kit.events import Outbox


class CustomerService:
    def __init__(self, providers: Providers, outbox: Outbox) -> None:
        self.providers = providers
        self.outbox = outbox

    async def remember_user(self, session: AsyncSession, *, user_id: str, email: str,
                            name: str, language: str) -> None:
        """user.registered: the contact billing sends to Stripe and puts on its events. A
        subscription that started before billing heard of the user (its webhook came first)
        is announced now, with the contact its confirmation e-mail needs."""
        user = id_argument(user_id, "user id")
        customers, subscriptions = Customers(session), Subscriptions(session)
        # Locks in the order webhook handling takes them (subscription, then customer), and
        # re-read under them: a webhook that announced meanwhile is seen, nothing goes twice.
        owned = await subscriptions.for_user(user)
        for sub in owned:
            await subscriptions.lock(sub.provider, sub.provider_subscription_id)
            await session.refresh(sub)
        await customers.upsert_contact(user, email=email, name=name, language=language)
        customer = await customers.get_for_update(user)
        if customer.erased_at is not None or not customer.email:
            return
        for sub in owned:
            if not sub.started_announced and sub.status in (ACTIVE, TRIALING):
                await announce_start(session, self.outbox, sub, customer)

    async def erase_user(self, session: AsyncSession, *, user_id: str) -> None:
        """user.deleted: end live subscriptions at the provider (nobody pays for a deleted
        account), then erase everything but invoices and payments, which accounting law
        requires us to keep; those keep only the user id, no contact."""
        user = id_argument(user_id, "user id")
        customers, subscriptions = Customers(session), Subscriptions(session)
        # Locks in the order webhook handling takes them (subscription, then customer): the
        # cancellations below send webhooks for these very subscriptions while we work.
        owned = await subscriptions.for_user(user)
        for sub in owned:
            await subscriptions.lock(sub.provider, sub.provider_subscription_id)
        customer = await customers.get_for_update(user)
        for sub in owned:
            if sub.status in LIVE_STATUSES:
                await self.providers.holding(sub.provider).cancel_now(
                    sub.provider_subscription_id, f"erase:{sub.provider_subscription_id}")
        await WebhookEvents(session).forget_payloads(user, customer.stripe_customer_id)
        await subscriptions.erase(user)
        await Quotas(session).erase(user)
        await customers.erase(user)
