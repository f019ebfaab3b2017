"""All SQL of the billing service. Functions take the caller's session and never commit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

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

# Statuses in which a subscription still counts (the user has, or is being asked to pay for,
# the plan); the newest such subscription is the user's effective one.
LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "incomplete")


class Customers:
    async def upsert_contact(self, session: AsyncSession, user_id: uuid.UUID, *, email: str,
                             name: str, language: str) -> None:
        stmt = insert(Customer).values(user_id=user_id, email=email, name=name,
                                       language=language or "en")
        await session.execute(stmt.on_conflict_do_update(
            index_elements=[Customer.user_id],
            set_={"email": stmt.excluded.email, "name": stmt.excluded.name,
                  "language": stmt.excluded.language, "updated_at": func.now()},
            where=Customer.erased_at.is_(None)))

    async def get_for_update(self, session: AsyncSession, user_id: uuid.UUID) -> Customer:
        """The user's row, created empty if billing has not heard of them (locked)."""
        await session.execute(insert(Customer).values(user_id=user_id)
                              .on_conflict_do_nothing(index_elements=[Customer.user_id]))
        row = await session.execute(select(Customer).where(Customer.user_id == user_id)
                                    .with_for_update())
        return row.scalar_one()

    async def get(self, session: AsyncSession, user_id: uuid.UUID) -> Customer | None:
        return await session.get(Customer, user_id)

    async def by_stripe_customer(self, session: AsyncSession,
                                 customer_id: str) -> Customer | None:
        row = await session.execute(select(Customer).where(
            Customer.stripe_customer_id == customer_id))
        return row.scalar_one_or_none()

    async def bump_version(self, session: AsyncSession, user_id: uuid.UUID) -> int:
        row = await session.execute(
            update(Customer).where(Customer.user_id == user_id)
            .values(subscription_version=Customer.subscription_version + 1,
                    updated_at=func.now())
            .returning(Customer.subscription_version))
        return row.scalar_one()

    async def erase(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        await session.execute(insert(Customer).values(user_id=user_id)
                              .on_conflict_do_nothing(index_elements=[Customer.user_id]))
        await session.execute(update(Customer).where(Customer.user_id == user_id).values(
            email=None, name=None, erased_at=func.now(), updated_at=func.now()))


class Subscriptions:
    async def get(self, session: AsyncSession, provider: str,
                  subscription_id: str) -> Subscription | None:
        row = await session.execute(select(Subscription).where(
            Subscription.provider == provider,
            Subscription.provider_subscription_id == subscription_id))
        return row.scalar_one_or_none()

    async def lock(self, session: AsyncSession, provider: str, subscription_id: str) -> None:
        """Serialise everything done to one provider subscription until the transaction ends,
        including before its row exists (two first deliveries racing)."""
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                              {"key": f"subscription:{provider}:{subscription_id}"})

    async def effective(self, session: AsyncSession, user_id: uuid.UUID) -> Subscription | None:
        """The user's live subscription (newest first), else None."""
        row = await session.execute(
            select(Subscription).where(Subscription.user_id == user_id,
                                       Subscription.status.in_(LIVE_STATUSES))
            .order_by(Subscription.created_at.desc()).limit(1))
        return row.scalar_one_or_none()

    async def latest(self, session: AsyncSession, user_id: uuid.UUID) -> Subscription | None:
        row = await session.execute(
            select(Subscription).where(Subscription.user_id == user_id)
            .order_by(Subscription.updated_at.desc()).limit(1))
        return row.scalar_one_or_none()

    async def for_user(self, session: AsyncSession, user_id: uuid.UUID) -> list[Subscription]:
        """Every subscription of the user, in a stable order (lock them in this order)."""
        rows = await session.execute(select(Subscription).where(
            Subscription.user_id == user_id).order_by(Subscription.provider,
                                                      Subscription.provider_subscription_id))
        return list(rows.scalars())

    def add(self, session: AsyncSession, subscription: Subscription) -> None:
        session.add(subscription)

    async def erase(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        await session.execute(delete(Subscription).where(Subscription.user_id == user_id))


class WebhookEvents:
    async def record(self, session: AsyncSession, *, provider: str, event_id: str, type: str,
                     created: datetime, payload: dict[str, Any]) -> bool:
        """Insert the delivery; False if this event id was recorded before."""
        row = await session.execute(
            insert(WebhookEvent).values(provider=provider, event_id=event_id, type=type,
                                        created=created, outcome="handled", payload=payload)
            .on_conflict_do_nothing().returning(WebhookEvent.event_id))
        return row.scalar_one_or_none() is not None

    async def set_outcome(self, session: AsyncSession, provider: str, event_id: str,
                          outcome: str) -> None:
        await session.execute(update(WebhookEvent).where(
            WebhookEvent.provider == provider, WebhookEvent.event_id == event_id)
            .values(outcome=outcome))

    async def forget_payloads(self, session: AsyncSession, user_id: uuid.UUID,
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
        await session.execute(text(
            f"UPDATE webhook_events SET payload = NULL WHERE {' OR '.join(conditions)}"), params)


class Invoices:
    async def upsert(self, session: AsyncSession, values: dict[str, Any]) -> None:
        stmt = insert(Invoice).values(**values)
        # Invoices only move forward (draft -> open -> paid/void/uncollectible): an older copy
        # arriving late must not turn a paid invoice back into an open one.
        rank = ("CASE {s} WHEN 'draft' THEN 0 WHEN 'open' THEN 1 ELSE 2 END")
        await session.execute(stmt.on_conflict_do_update(
            index_elements=[Invoice.id],
            set_={key: stmt.excluded[key] for key in values if key != "id"} | {
                "updated_at": func.now()},
            where=text(rank.format(s="invoices.status") + " <= "
                       + rank.format(s="excluded.status"))))

    async def page(self, session: AsyncSession, user_id: uuid.UUID, *, limit: int,
                   before: tuple[datetime, str] | None) -> list[Invoice]:
        query = select(Invoice).where(Invoice.user_id == user_id)
        if before is not None:
            query = query.where(func.row(Invoice.created, Invoice.id) < func.row(*before))
        rows = await session.execute(
            query.order_by(Invoice.created.desc(), Invoice.id.desc()).limit(limit))
        return list(rows.scalars())


class Payments:
    async def add_once(self, session: AsyncSession, values: dict[str, Any]) -> bool:
        """Record a payment; False if one with this id exists (a redelivered signal)."""
        row = await session.execute(insert(Payment).values(**values).on_conflict_do_nothing()
                                    .returning(Payment.id))
        return row.scalar_one_or_none() is not None

    async def page(self, session: AsyncSession, user_id: uuid.UUID, *, limit: int,
                   before: tuple[datetime, str] | None) -> list[Payment]:
        query = select(Payment).where(Payment.user_id == user_id)
        if before is not None:
            query = query.where(func.row(Payment.created, Payment.id) < func.row(*before))
        rows = await session.execute(
            query.order_by(Payment.created.desc(), Payment.id.desc()).limit(limit))
        return list(rows.scalars())


class Quotas:
    async def used(self, session: AsyncSession, user_id: uuid.UUID, feature: str,
                   period_start: datetime) -> int:
        row = await session.execute(select(QuotaUsage.used).where(
            QuotaUsage.user_id == user_id, QuotaUsage.feature == feature,
            QuotaUsage.period_start == period_start))
        return row.scalar_one_or_none() or 0

    async def take(self, session: AsyncSession, user_id: uuid.UUID, feature: str,
                   period_start: datetime, amount: int, limit: int) -> int | None:
        """Add `amount` to the period's usage if it stays within `limit` (-1: unlimited);
        the new usage, or None if it would not fit. The row lock makes concurrent takes queue,
        and each re-checks the condition against the committed usage before it (READ
        COMMITTED re-evaluates the WHERE of a waiting UPDATE)."""
        await session.execute(insert(QuotaUsage).values(
            user_id=user_id, feature=feature, period_start=period_start, used=0)
            .on_conflict_do_nothing())
        condition = [QuotaUsage.user_id == user_id, QuotaUsage.feature == feature,
                     QuotaUsage.period_start == period_start]
        if limit >= 0:
            condition.append(QuotaUsage.used + amount <= limit)
        row = await session.execute(update(QuotaUsage).where(*condition)
                                    .values(used=QuotaUsage.used + amount)
                                    .returning(QuotaUsage.used))
        return row.scalar_one_or_none()

    async def claim_key(self, session: AsyncSession, consumption: dict[str, Any]) -> bool:
        row = await session.execute(insert(QuotaConsumption).values(**consumption)
                                    .on_conflict_do_nothing()
                                    .returning(QuotaConsumption.idempotency_key))
        return row.scalar_one_or_none() is not None

    async def consumption(self, session: AsyncSession, user_id: uuid.UUID,
                          key: str) -> QuotaConsumption | None:
        return await session.get(QuotaConsumption, (user_id, key))

    async def credits(self, session: AsyncSession, user_id: uuid.UUID, feature: str) -> int:
        row = await session.execute(select(func.coalesce(func.sum(CreditGrant.credits), 0))
                                    .where(CreditGrant.user_id == user_id,
                                           CreditGrant.feature == feature))
        return int(row.scalar_one())

    async def grant_once(self, session: AsyncSession, *, payment_id: str, user_id: uuid.UUID,
                         feature: str, credits: int) -> bool:
        row = await session.execute(insert(CreditGrant).values(
            payment_id=payment_id, user_id=user_id, feature=feature, credits=credits)
            .on_conflict_do_nothing().returning(CreditGrant.payment_id))
        return row.scalar_one_or_none() is not None

    async def erase(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        for table in (QuotaUsage, QuotaConsumption, CreditGrant):
            await session.execute(delete(table).where(table.user_id == user_id))
