"""What the billing service publishes: domains `subscription` and `payment`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from billing.models import Customer
from billing.plans import PLAN_NAMES
from billing.providers.base import STATUS_NAMES
from career.billing.v1 import events_pb2
from career_kit.conversions import money, timestamp
from career_kit.events import Event

SUBSCRIPTION_UPDATED = "subscription.updated"
SUBSCRIPTION_STARTED = "subscription.started"
SUBSCRIPTION_CANCELLED = "subscription.cancelled"
PAYMENT_FAILED = "payment.failed"
PAYMENT_SUCCEEDED = "payment.succeeded"

PUBLISHED_DOMAINS = ("subscription", "payment")


def recipient(customer: Customer | None) -> events_pb2.Recipient:
    if customer is None:
        return events_pb2.Recipient()
    return events_pb2.Recipient(email=customer.email or "", name=customer.name or "",
                                language=customer.language or "en")


def subscription_updated(user_id: str, *, plan: str, entitled_plan: str, status: str,
                         current_period_end: datetime | None, cancel_at_period_end: bool,
                         version: int) -> Event:
    payload = events_pb2.SubscriptionUpdated(
        user_id=user_id, plan=PLAN_NAMES.value_of(plan),
        entitled_plan=PLAN_NAMES.value_of(entitled_plan), status=STATUS_NAMES.value_of(status),
        current_period_end=timestamp(current_period_end), version=version,
        cancel_at_period_end=cancel_at_period_end)
    return Event(SUBSCRIPTION_UPDATED, payload, subject=user_id)


def subscription_started(user_id: str, *, plan: str, amount: Decimal | None,
                         currency: str | None, current_period_end: datetime | None,
                         customer: Customer | None) -> Event:
    payload = events_pb2.SubscriptionStarted(
        user_id=user_id, plan=PLAN_NAMES.value_of(plan),
        current_period_end=timestamp(current_period_end), recipient=recipient(customer))
    if amount is not None:   # unset rather than a misleading zero
        payload.price.CopyFrom(money(amount, currency))
    return Event(SUBSCRIPTION_STARTED, payload, subject=user_id)


def subscription_cancelled(user_id: str, *, plan: str, at_period_end: bool,
                           ends_at: datetime | None, customer: Customer | None) -> Event:
    payload = events_pb2.SubscriptionCancelled(
        user_id=user_id, plan=PLAN_NAMES.value_of(plan), at_period_end=at_period_end,
        ends_at=timestamp(ends_at), recipient=recipient(customer))
    return Event(SUBSCRIPTION_CANCELLED, payload, subject=user_id)


def payment_failed(user_id: str, *, invoice_id: str, amount: Decimal, currency: str,
                   hosted_invoice_url: str | None, next_attempt_at: datetime | None,
                   customer: Customer | None) -> Event:
    payload = events_pb2.PaymentFailed(
        user_id=user_id, invoice_id=invoice_id, amount=money(amount, currency),
        hosted_invoice_url=hosted_invoice_url or "", next_attempt_at=timestamp(next_attempt_at),
        recipient=recipient(customer))
    return Event(PAYMENT_FAILED, payload, subject=user_id)


def payment_succeeded(user_id: str, *, payment_id: str, invoice_id: str | None,
                      amount: Decimal, currency: str, description: str,
                      customer: Customer | None) -> Event:
    payload = events_pb2.PaymentSucceeded(
        user_id=user_id, payment_id=payment_id, invoice_id=invoice_id or "",
        amount=money(amount, currency), description=description, recipient=recipient(customer))
    return Event(PAYMENT_SUCCEEDED, payload, subject=user_id)
