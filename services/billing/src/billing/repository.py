"""All SQL of the billing service: one repository per aggregate, bound to the session of the unit
of work it serves (`Customers(session).get(user_id)`, career_kit.repository); none commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from billing.models import (
    CreditGrant,
    Customer,
    Invoice,
    Payment,
    QuotaConsumption,
    QuotaUsage,
    Subscription,
    WebhookEvent,
)
from career_kit.pagination import Page
from career_kit.repository import Repository

# Statuses in which a subscription still counts (the user has, or is being asked to pay for,
# the plan); the newest such subscription is the user's effective one.
LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "incomplete")


class Customers(Repository):
    async def upsert_contact(self, user_id: uuid.UUID, *, email: str, name: str,
                             language: str) -> None:
        stmt = insert(Customer).values(user_id=user_id, email=email, name=name,
                                       language=language or "en")
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[Customer.user_id],
            set_={"email": stmt.excluded.email, "name": stmt.excluded.name,
                  "language": stmt.excluded.language, "updated_at": func.now()},
            where=Customer.erased_at.is_(None)))

    async def get_for_update(self, user_id: uuid.UUID) -> Customer:
        """The user's row, created empty if billing has not heard of them (locked)."""
        await self._ensure(user_id)
        row = await self.session.execute(
            select(Customer).where(Customer.user_id == user_id).with_for_update())
        return row.scalar_one()

    async def get(self, user_id: uuid.UUID) -> Customer | None:
        return await self.session.get(Customer, user_id)

    async def by_stripe_customer(self, customer_id: str) -> Customer | None:
        row = await self.session.execute(
            select(Customer).where(Customer.stripe_customer_id == customer_id))
        return row.scalar_one_or_none()

    async def bump_version(self, user_id: uuid.UUID) -> int:
        row = await self.session.execute(
            update(Customer).where(Customer.user_id == user_id)
            .values(subscription_version=Customer.subscription_version + 1,
                    updated_at=func.now())
            .returning(Customer.subscription_version))
        return row.scalar_one()

    async def erase(self, user_id: uuid.UUID) -> None:
        await self._ensure(user_id)
        await self.session.execute(update(Customer).where(Customer.user_id == user_id).values(
            email=None, name=None, erased_at=func.now(), updated_at=func.now()))

    async def _ensure(self, user_id: uuid.UUID) -> None:
        await self.session.execute(insert(Customer).values(user_id=user_id)
                                   .on_conflict_do_nothing(index_elements=[Customer.user_id]))


class Subscriptions(Repository):
    async def get(self, provider: str, subscription_id: str) -> Subscription | None:
        row = await self.session.execute(select(Subscription).where(
            Subscription.provider == provider,
            Subscription.provider_subscription_id == subscription_id))
        return row.scalar_one_or_none()

    async def lock(self, provider: str, subscription_id: str) -> None:
        """Serialise everything done to one provider subscription until the transaction ends,
        including before its row exists (two first deliveries racing)."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"subscription:{provider}:{subscription_id}"})

    async def effective(self, user_id: uuid.UUID) -> Subscription | None:
        """The user's live subscription (newest first), else None."""
        row = await self.session.execute(
            select(Subscription).where(Subscription.user_id == user_id,
                                       Subscription.status.in_(LIVE_STATUSES))
            .order_by(Subscription.created_at.desc()).limit(1))
        return row.scalar_one_or_none()

    async def latest(self, user_id: uuid.UUID) -> Subscription | None:
        row = await self.session.execute(
            select(Subscription).where(Subscription.user_id == user_id)
            .order_by(Subscription.updated_at.desc()).limit(1))
        return row.scalar_one_or_none()

    async def for_user(self, user_id: uuid.UUID) -> list[Subscription]:
        """Every subscription of the user, in a stable order (lock them in this order)."""
        rows = await self.session.execute(
            select(Subscription).where(Subscription.user_id == user_id)
            .order_by(Subscription.provider, Subscription.provider_subscription_id))
        return list(rows.scalars())

    def add(self, subscription: Subscription) -> None:
        self.session.add(subscription)

    async def erase(self, user_id: uuid.UUID) -> None:
        await self.session.execute(delete(Subscription).where(Subscription.user_id == user_id))


class WebhookEvents(Repository):
    async def record(self, *, provider: str, event_id: str, type: str, created: datetime,
                     payload: dict[str, Any]) -> bool:
        """Insert the delivery; False if this event id was recorded before."""
        row = await self.session.execute(
            insert(WebhookEvent).values(provider=provider, event_id=event_id, type=type,
                                        created=created, outcome="handled", payload=payload)
            .on_conflict_do_nothing().returning(WebhookEvent.event_id))
        return row.scalar_one_or_none() is not None

    async def set_outcome(self, provider: str, event_id: str, outcome: str) -> None:
        await self.session.execute(update(WebhookEvent).where(
            WebhookEvent.provider == provider, WebhookEvent.event_id == event_id)
            .values(outcome=outcome))

    async def forget_payloads(self, user_id: uuid.UUID,
                              stripe_customer_id: str | None) -> None:
        """A deleted user's personal data in stored payloads goes; the ids (dedupe) stay."""
        conditions = ["payload -> 'data' -> 'object' ->> 'client_reference_id' = :user",
                      "payload -> 'data' -> 'object' -> 'metadata' ->> 'user_id' = :user",
                      "payload -> 'resource' ->> 'custom_id' = :user"]
        params: dict[str, Any] = {"user": str(user_id)}
        if stripe_customer_id:
            conditions.append("payload -> 'data' -> 'object' ->> 'customer' = :customer")
            conditions.append("payload -> 'data' -> 'object' ->> 'id' = :customer")
            params["customer"] = stripe_customer_id
        await self.session.execute(text(
            f"UPDATE webhook_events SET payload = NULL WHERE {' OR '.join(conditions)}"), params)


class Invoices(Repository):
    async def upsert(self, values: dict[str, Any]) -> None:
        stmt = insert(Invoice).values(**values)
        # Invoices only move forward (draft -> open -> paid/void/uncollectible): an older copy
        # arriving late must not turn a paid invoice back into an open one.
        rank = ("CASE {s} WHEN 'draft' THEN 0 WHEN 'open' THEN 1 ELSE 2 END")
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[Invoice.id],
            set_={key: stmt.excluded[key] for key in values if key != "id"} | {
                "updated_at": func.now()},
            where=text(rank.format(s="invoices.status") + " <= "
                       + rank.format(s="excluded.status"))))

    async def page(self, user_id: uuid.UUID, page: Page) -> list[Invoice]:
        """The user's invoices, newest first (career_kit.pagination)."""
        query = select(Invoice).where(Invoice.user_id == user_id)
        if page.before is not None:
            query = query.where(func.row(Invoice.created, Invoice.id)
                                < func.row(page.before.created, page.before.key))
        rows = await self.session.execute(
            query.order_by(Invoice.created.desc(), Invoice.id.desc()).limit(page.rows_to_read))
        return list(rows.scalars())


class Payments(Repository):
    async def add_once(self, values: dict[str, Any]) -> bool:
        """Record a payment; False if one with this id exists (a redelivered signal)."""
        row = await self.session.execute(
            insert(Payment).values(**values).on_conflict_do_nothing().returning(Payment.id))
        return row.scalar_one_or_none() is not None

    async def page(self, user_id: uuid.UUID, page: Page) -> list[Payment]:
        """The user's payments, newest first (career_kit.pagination)."""
        query = select(Payment).where(Payment.user_id == user_id)
        if page.before is not None:
            query = query.where(func.row(Payment.created, Payment.id)
                                < func.row(page.before.created, page.before.key))
        rows = await self.session.execute(
            query.order_by(Payment.created.desc(), Payment.id.desc()).limit(page.rows_to_read))
        return list(rows.scalars())


class Quotas(Repository):
    async def used(self, user_id: uuid.UUID, feature: str, period_start: datetime) -> int:
        row = await self.session.execute(select(QuotaUsage.used).where(
            QuotaUsage.user_id == user_id, QuotaUsage.feature == feature,
            QuotaUsage.period_start == period_start))
        return row.scalar_one_or_none() or 0

    async def take(self, user_id: uuid.UUID, feature: str, period_start: datetime,
                   amount: int, limit: int) -> int | None:
        """Add `amount` to the period's usage if it stays within `limit` (-1: unlimited);
        the new usage, or None if it would not fit. The row lock makes concurrent takes queue,
        and each re-checks the condition against the committed usage before it (READ
        COMMITTED re-evaluates the WHERE of a waiting UPDATE)."""
        await self.session.execute(insert(QuotaUsage).values(
            user_id=user_id, feature=feature, period_start=period_start, used=0)
            .on_conflict_do_nothing())
        condition = [QuotaUsage.user_id == user_id, QuotaUsage.feature == feature,
                     QuotaUsage.period_start == period_start]
        if limit >= 0:
            condition.append(QuotaUsage.used + amount <= limit)
        row = await self.session.execute(
            update(QuotaUsage).where(*condition).values(used=QuotaUsage.used + amount)
            .returning(QuotaUsage.used))
        return row.scalar_one_or_none()

    async def claim_key(self, consumption: dict[str, Any]) -> bool:
        row = await self.session.execute(
            insert(QuotaConsumption).values(**consumption).on_conflict_do_nothing()
            .returning(QuotaConsumption.idempotency_key))
        return row.scalar_one_or_none() is not None

    async def consumption(self, user_id: uuid.UUID, key: str, *,
                          for_update: bool = False) -> QuotaConsumption | None:
        return await self.session.get(QuotaConsumption, (user_id, key),
                                      with_for_update=for_update)

    async def give_back(self, user_id: uuid.UUID, feature: str, period_start: datetime,
                        amount: int) -> int:
        """Take `amount` off the period's usage (never below zero); the usage after."""
        row = await self.session.execute(
            update(QuotaUsage).where(QuotaUsage.user_id == user_id,
                                     QuotaUsage.feature == feature,
                                     QuotaUsage.period_start == period_start)
            .values(used=func.greatest(QuotaUsage.used - amount, 0))
            .returning(QuotaUsage.used))
        return row.scalar_one_or_none() or 0

    async def credits(self, user_id: uuid.UUID, feature: str) -> int:
        row = await self.session.execute(
            select(func.coalesce(func.sum(CreditGrant.credits), 0))
            .where(CreditGrant.user_id == user_id, CreditGrant.feature == feature))
        return int(row.scalar_one())

    async def grant_once(self, *, payment_id: str, user_id: uuid.UUID, feature: str,
                         credits: int) -> bool:
        row = await self.session.execute(insert(CreditGrant).values(
            payment_id=payment_id, user_id=user_id, feature=feature, credits=credits)
            .on_conflict_do_nothing().returning(CreditGrant.payment_id))
        return row.scalar_one_or_none() is not None

    async def erase(self, user_id: uuid.UUID) -> None:
        for table in (QuotaUsage, QuotaConsumption, CreditGrant):
            await self.session.execute(delete(table).where(table.user_id == user_id))
