"""Tables of the billing service. Alembic compares migrations against `metadata`.

Kept after a user is deleted (accounting law): `invoices` and `payments`, keyed by the user id
only, with no name or e-mail, and the `customers` row reduced to ids and `erased_at`. Everything
else about the user is erased (see service/customers.py, erase_user).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from career_kit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def _now() -> Any:
    return text("now()")


class Customer(Base):
    """A user as billing knows them: contact (from user.registered) and provider customers."""

    __tablename__ = "customers"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    email: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(Text, server_default=text("'en'"))
    stripe_customer_id: Mapped[str | None] = mapped_column(Text, unique=True)
    # Grows with every change of the user's effective subscription (subscription.updated).
    subscription_version: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # Set when the user was deleted: the contact is gone, and webhooks that arrive later (the
    # cancellation we caused) are acknowledged without bringing anything back.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Subscription(Base):
    """A provider's subscription as last read from the provider (never from an event copy)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("provider", "provider_subscription_id",
                         name="uq_subscriptions_provider_subscription_id"),
        CheckConstraint("provider IN ('stripe', 'paypal')", name="provider"),
        CheckConstraint("plan IN ('pro', 'premium')", name="plan"),
        CheckConstraint("status IN ('incomplete', 'trialing', 'active', 'past_due', 'unpaid', "
                        "'canceled')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    provider: Mapped[str] = mapped_column(Text)
    provider_subscription_id: Mapped[str] = mapped_column(Text)
    provider_customer_id: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(Text)
    price_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(Text)
    current_period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    canceled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # subscription.started is told once per subscription.
    started_announced: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class WebhookEvent(Base):
    """Every verified webhook delivery, once: a redelivered id is acknowledged and ignored."""

    __tablename__ = "webhook_events"

    provider: Mapped[str] = mapped_column(Text, primary_key=True)
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    type: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # handled, or ignored (a type we do not act on, recorded all the same)
    outcome: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (Index("ix_invoices_user_id_created", "user_id", "created"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)   # provider's invoice id
    provider: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    provider_subscription_id: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(Text)
    amount_due: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    amount_paid: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    hosted_invoice_url: Mapped[str | None] = mapped_column(Text)
    invoice_pdf: Mapped[str | None] = mapped_column(Text)
    period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Payment(Base):
    """Money taken or a charge that failed. One row per (source, attempt)."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("status IN ('succeeded', 'failed')", name="status"),
        Index("ix_payments_user_id_created", "user_id", "created"),
    )

    # "in_...": an invoice paid; "in_...#failed-<attempt>": a failed attempt; "cs_...": a
    # one-time checkout; "paypal sale id": a PayPal payment.
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    provider: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    invoice_id: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuotaUsage(Base):
    """How much of a metered feature a user has used in one billing period."""

    __tablename__ = "quota_usage"
    __table_args__ = (CheckConstraint("used >= 0", name="used"),)

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    feature: Mapped[str] = mapped_column(Text, primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class QuotaConsumption(Base):
    """A granted ConsumeQuota, by idempotency key: a retry returns this instead of using more."""

    __tablename__ = "quota_consumptions"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(Text, primary_key=True)
    feature: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_after: Mapped[int] = mapped_column(BigInteger)
    limit: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    # Set when ReleaseQuota gave the amount back (the work it paid for failed).
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CreditGrant(Base):
    """Credits bought one-time (e.g. CV reviews), once per payment."""

    __tablename__ = "credit_grants"

    payment_id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    feature: Mapped[str] = mapped_column(Text)
    credits: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
