"""The JSON shapes of /api/plans (requests and answers) and the conversions from billing's
protobuf messages to them. Money, pages and the names of the proto's enums come from
gateway/conversions.py, like every router's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from career.billing.v1 import billing_pb2
from gateway.conversions import (
    FEATURES,
    PAYMENT_PROVIDERS,
    PLANS,
    SUBSCRIPTION_STATUSES,
    Money,
    datetime_of,
    money_out,
)


class LimitOut(BaseModel):
    feature: str
    limit: int = Field(description="-1 means unlimited")
    metered: bool = Field(description="Used up per billing period (else a standing cap)")
    used: int


class PlanOut(BaseModel):
    plan: str
    name: str
    price: Money
    interval: str | None
    features: list[str]
    limits: list[LimitOut]
    premium_templates: bool
    api_access: bool
    rate_limit_tier: int


class CheckoutIn(BaseModel):
    purchase: Literal["pro", "premium", "cv_review_pack"]
    provider: Literal["stripe", "paypal"] = "stripe"


class CheckoutOut(BaseModel):
    id: str
    url: str = Field(description="Send the browser here to pay")
    provider: str
    expires_at: datetime | None


class PortalOut(BaseModel):
    url: str = Field(description="Short-lived and single-use: open it at once")


class SubscriptionOut(BaseModel):
    plan: str
    status: str
    provider: str | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    price: Money | None


class ChangePlanIn(BaseModel):
    plan: Literal["pro", "premium"]


class InvoiceOut(BaseModel):
    id: str
    number: str | None
    status: str
    amount_due: Money
    amount_paid: Money
    hosted_invoice_url: str | None
    invoice_pdf: str | None
    period_start: datetime | None
    period_end: datetime | None
    created_at: datetime | None


class InvoicesOut(BaseModel):
    invoices: list[InvoiceOut]
    next_page_token: str | None


class PaymentOut(BaseModel):
    id: str
    provider: str
    amount: Money
    status: str
    description: str
    invoice_id: str | None
    created_at: datetime | None


class PaymentsOut(BaseModel):
    payments: list[PaymentOut]
    next_page_token: str | None


class EntitlementsOut(BaseModel):
    plan: str
    status: str
    limits: list[LimitOut]
    premium_templates: bool
    api_access: bool
    rate_limit_tier: int
    period_start: datetime | None
    period_end: datetime | None


def limits_out(limits: Iterable[billing_pb2.Limit]) -> list[LimitOut]:
    return [LimitOut(feature=FEATURES.name_of(x.feature) or "unknown", limit=x.limit,
                     metered=x.metered, used=x.used) for x in limits]


def plan_out(plan: billing_pb2.PlanInfo) -> PlanOut:
    return PlanOut(plan=PLANS.name_of(plan.plan) or "free", name=plan.name,
                   price=money_out(plan.price), interval=plan.interval or None,
                   features=list(plan.features), limits=limits_out(plan.limits),
                   premium_templates=plan.premium_templates, api_access=plan.api_access,
                   rate_limit_tier=plan.rate_limit_tier)


def subscription_out(sub: billing_pb2.Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        plan=PLANS.name_of(sub.plan) or "free",
        status=SUBSCRIPTION_STATUSES.name_of(sub.status) or "active",
        provider=PAYMENT_PROVIDERS.name_of(sub.provider),
        current_period_start=datetime_of(sub, "current_period_start"),
        current_period_end=datetime_of(sub, "current_period_end"),
        cancel_at_period_end=sub.cancel_at_period_end, canceled_at=datetime_of(sub, "canceled_at"),
        price=money_out(sub.price) if sub.HasField("price") else None)


def entitlements_out(e: billing_pb2.Entitlements) -> EntitlementsOut:
    return EntitlementsOut(
        plan=PLANS.name_of(e.plan) or "free",
        status=SUBSCRIPTION_STATUSES.name_of(e.status) or "active",
        limits=limits_out(e.limits), premium_templates=e.premium_templates,
        api_access=e.api_access, rate_limit_tier=e.rate_limit_tier,
        period_start=datetime_of(e, "period_start"), period_end=datetime_of(e, "period_end"))


def invoice_out(i: billing_pb2.Invoice) -> InvoiceOut:
    return InvoiceOut(
        id=i.id, number=i.number or None, status=i.status, amount_due=money_out(i.amount_due),
        amount_paid=money_out(i.amount_paid), hosted_invoice_url=i.hosted_invoice_url or None,
        invoice_pdf=i.invoice_pdf or None, period_start=datetime_of(i, "period_start"),
        period_end=datetime_of(i, "period_end"), created_at=datetime_of(i, "created_at"))


def payment_out(p: billing_pb2.Payment) -> PaymentOut:
    return PaymentOut(
        id=p.id, provider=PAYMENT_PROVIDERS.name_of(p.provider) or "stripe",
        amount=money_out(p.amount), status=p.status, description=p.description,
        invoice_id=p.invoice_id or None, created_at=datetime_of(p, "created_at"))
