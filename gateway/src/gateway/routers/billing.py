"""/api/plans: the plans, checkout (Stripe, or PayPal for subscriptions), the Stripe Customer
Portal, the signed-in user's subscription (cancel at period end, resume, change plan), invoices,
payments and entitlements. Everything is the billing service's gRPC API; nothing here is
provisioned from a redirect — plans change when the provider's webhooks say so.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, Field

from career.billing.v1 import billing_pb2, events_pb2
from career.common.v1 import money_pb2, pagination_pb2
from career_kit.conversions import datetime_of, decimal_of
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep

router = APIRouter(tags=["billing"])

PLAN_NAMES = {events_pb2.PLAN_FREE: "free", events_pb2.PLAN_PRO: "pro",
              events_pb2.PLAN_PREMIUM: "premium"}
STATUS_NAMES = {
    events_pb2.SUBSCRIPTION_STATUS_ACTIVE: "active",
    events_pb2.SUBSCRIPTION_STATUS_TRIALING: "trialing",
    events_pb2.SUBSCRIPTION_STATUS_PAST_DUE: "past_due",
    events_pb2.SUBSCRIPTION_STATUS_CANCELED: "canceled",
    events_pb2.SUBSCRIPTION_STATUS_UNPAID: "unpaid",
    events_pb2.SUBSCRIPTION_STATUS_INCOMPLETE: "incomplete",
}
FEATURE_NAMES = {
    billing_pb2.FEATURE_AI_REQUESTS: "ai_requests",
    billing_pb2.FEATURE_SCHEDULED_POSTS: "scheduled_posts",
    billing_pb2.FEATURE_CONNECTED_ACCOUNTS: "connected_accounts",
    billing_pb2.FEATURE_JOB_ALERTS: "job_alerts",
    billing_pb2.FEATURE_CV_REVIEWS: "cv_reviews",
}
PROVIDER_NAMES = {billing_pb2.PAYMENT_PROVIDER_STRIPE: "stripe",
                  billing_pb2.PAYMENT_PROVIDER_PAYPAL: "paypal"}
PURCHASES = {"pro": billing_pb2.PURCHASE_PRO, "premium": billing_pb2.PURCHASE_PREMIUM,
             "cv_review_pack": billing_pb2.PURCHASE_CV_REVIEW_PACK}
PROVIDERS = {"stripe": billing_pb2.PAYMENT_PROVIDER_STRIPE,
             "paypal": billing_pb2.PAYMENT_PROVIDER_PAYPAL}
PLANS = {"pro": events_pb2.PLAN_PRO, "premium": events_pb2.PLAN_PREMIUM}


class Money(BaseModel):
    amount: Decimal = Field(examples=["29.99"])
    currency: str = Field(examples=["USD"])


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


def _money(value: money_pb2.Money) -> Money:
    return Money(amount=decimal_of(value).quantize(Decimal("0.01")),
                 currency=value.currency_code or "USD")


def _limits(limits: list[billing_pb2.Limit]) -> list[LimitOut]:
    return [LimitOut(feature=FEATURE_NAMES.get(x.feature, "unknown"), limit=x.limit,
                     metered=x.metered, used=x.used) for x in limits]


def _subscription(sub: billing_pb2.Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        plan=PLAN_NAMES.get(sub.plan, "free"), status=STATUS_NAMES.get(sub.status, "active"),
        provider=PROVIDER_NAMES.get(sub.provider),
        current_period_start=datetime_of(sub, "current_period_start"),
        current_period_end=datetime_of(sub, "current_period_end"),
        cancel_at_period_end=sub.cancel_at_period_end, canceled_at=datetime_of(sub, "canceled_at"),
        price=_money(sub.price) if sub.HasField("price") else None)


def _page(page_size: int, page_token: str | None) -> pagination_pb2.PageRequest:
    return pagination_pb2.PageRequest(page_size=page_size, page_token=page_token or "")


PageSize = Annotated[int, Query(ge=1, le=100)]
PageToken = Annotated[str | None, Query(max_length=512)]


@router.get("/api/plans", response_model=list[PlanOut], summary="Plans, prices and limits")
async def list_plans(clients: ClientsDep) -> list[PlanOut]:
    reply = await clients.billing.ListPlans(billing_pb2.ListPlansRequest())
    return [PlanOut(plan=PLAN_NAMES.get(p.plan, "free"), name=p.name, price=_money(p.price),
                    interval=p.interval or None, features=list(p.features),
                    limits=_limits(p.limits), premium_templates=p.premium_templates,
                    api_access=p.api_access, rate_limit_tier=p.rate_limit_tier)
            for p in reply.plans]


@router.post("/api/plans/checkout", response_model=CheckoutOut,
             summary="Start paying: a subscription or a one-time purchase")
async def checkout(body: CheckoutIn, caller: CurrentCaller, clients: ClientsDep,
                   idempotency_key: Annotated[str | None, Header(max_length=255)] = None
                   ) -> CheckoutOut:
    session = await clients.billing.CreateCheckout(billing_pb2.CreateCheckoutRequest(
        purchase=PURCHASES[body.purchase], provider=PROVIDERS[body.provider],
        idempotency_key=idempotency_key or ""))
    return CheckoutOut(id=session.id, url=session.url,
                       provider=PROVIDER_NAMES.get(session.provider, body.provider),
                       expires_at=datetime_of(session, "expires_at"))


@router.post("/api/plans/portal", response_model=PortalOut,
             summary="A Stripe Customer Portal session")
async def portal(caller: CurrentCaller, clients: ClientsDep) -> PortalOut:
    reply = await clients.billing.CreatePortalSession(billing_pb2.CreatePortalSessionRequest())
    return PortalOut(url=reply.url)


@router.get("/api/plans/subscription", response_model=SubscriptionOut,
            summary="The signed-in user's subscription")
async def get_subscription(caller: CurrentCaller, clients: ClientsDep) -> SubscriptionOut:
    return _subscription(await clients.billing.GetSubscription(
        billing_pb2.GetSubscriptionRequest()))


@router.post("/api/plans/subscription/cancel", response_model=SubscriptionOut,
             summary="Cancel at the end of the current period")
async def cancel_subscription(caller: CurrentCaller, clients: ClientsDep) -> SubscriptionOut:
    return _subscription(await clients.billing.CancelSubscription(
        billing_pb2.CancelSubscriptionRequest()))


@router.post("/api/plans/subscription/resume", response_model=SubscriptionOut,
             summary="Undo a cancellation before the period ends")
async def resume_subscription(caller: CurrentCaller, clients: ClientsDep) -> SubscriptionOut:
    return _subscription(await clients.billing.ResumeSubscription(
        billing_pb2.ResumeSubscriptionRequest()))


@router.put("/api/plans/subscription/plan", response_model=SubscriptionOut,
            summary="Upgrade or downgrade between pro and premium (prorated)")
async def change_plan(body: ChangePlanIn, caller: CurrentCaller,
                      clients: ClientsDep) -> SubscriptionOut:
    return _subscription(await clients.billing.ChangePlan(
        billing_pb2.ChangePlanRequest(plan=PLANS[body.plan])))


@router.get("/api/plans/entitlements", response_model=EntitlementsOut,
            summary="What the signed-in user's plan allows, and what is used")
async def entitlements(caller: CurrentCaller, clients: ClientsDep) -> EntitlementsOut:
    e = await clients.billing.GetEntitlements(billing_pb2.GetEntitlementsRequest())
    return EntitlementsOut(
        plan=PLAN_NAMES.get(e.plan, "free"), status=STATUS_NAMES.get(e.status, "active"),
        limits=_limits(e.limits), premium_templates=e.premium_templates,
        api_access=e.api_access, rate_limit_tier=e.rate_limit_tier,
        period_start=datetime_of(e, "period_start"), period_end=datetime_of(e, "period_end"))


@router.get("/api/plans/invoices", response_model=InvoicesOut,
            summary="The signed-in user's invoices, newest first")
async def invoices(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                   page_token: PageToken = None) -> InvoicesOut:
    reply = await clients.billing.ListInvoices(billing_pb2.ListInvoicesRequest(
        page=_page(page_size, page_token)))
    return InvoicesOut(invoices=[InvoiceOut(
        id=i.id, number=i.number or None, status=i.status, amount_due=_money(i.amount_due),
        amount_paid=_money(i.amount_paid), hosted_invoice_url=i.hosted_invoice_url or None,
        invoice_pdf=i.invoice_pdf or None, period_start=datetime_of(i, "period_start"),
        period_end=datetime_of(i, "period_end"), created_at=datetime_of(i, "created_at"),
    ) for i in reply.invoices], next_page_token=reply.page.next_page_token or None)


@router.get("/api/plans/payments", response_model=PaymentsOut,
            summary="The signed-in user's payments, newest first")
async def payments(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                   page_token: PageToken = None) -> PaymentsOut:
    reply = await clients.billing.ListPayments(billing_pb2.ListPaymentsRequest(
        page=_page(page_size, page_token)))
    return PaymentsOut(payments=[PaymentOut(
        id=p.id, provider=PROVIDER_NAMES.get(p.provider, "stripe"), amount=_money(p.amount),
        status=p.status, description=p.description, invoice_id=p.invoice_id or None,
        created_at=datetime_of(p, "created_at"),
    ) for p in reply.payments], next_page_token=reply.page.next_page_token or None)
