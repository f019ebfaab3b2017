"""The BillingService servicer: protobuf <-> domain, one unit of work per call."""

from __future__ import annotations

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from billing import plans
from billing.models import Invoice, Payment
from billing.plans import PLAN_NAMES
from billing.providers.base import STATUS_NAMES
from billing.service import (
    BillingService,
    EntitlementsView,
    QuotaView,
    SubscriptionView,
)
from career.billing.v1 import billing_pb2, billing_pb2_grpc
from career_kit import context
from career_kit.context import caller_id, signed_in_user
from career_kit.conversions import money, timestamp
from career_kit.errors import InvalidArgument
from career_kit.idempotency import IdempotencyKey, run_once
from career_kit.pagination import Cursor, Page
from career_kit.unit_of_work import UnitOfWork

SERVICE_NAME = "career.billing.v1.BillingService"

FEATURES = {
    billing_pb2.FEATURE_AI_REQUESTS: plans.AI_REQUESTS,
    billing_pb2.FEATURE_SCHEDULED_POSTS: plans.SCHEDULED_POSTS,
    billing_pb2.FEATURE_CONNECTED_ACCOUNTS: plans.CONNECTED_ACCOUNTS,
    billing_pb2.FEATURE_JOB_ALERTS: plans.JOB_ALERTS,
    billing_pb2.FEATURE_CV_REVIEWS: plans.CV_REVIEWS,
}
FEATURE_ENUM = {name: value for value, name in FEATURES.items()}
PURCHASES = {billing_pb2.PURCHASE_PRO: plans.PRO, billing_pb2.PURCHASE_PREMIUM: plans.PREMIUM,
             billing_pb2.PURCHASE_CV_REVIEW_PACK: plans.CV_REVIEW_PACK}
PROVIDERS = {billing_pb2.PAYMENT_PROVIDER_UNSPECIFIED: "stripe",
             billing_pb2.PAYMENT_PROVIDER_STRIPE: "stripe",
             billing_pb2.PAYMENT_PROVIDER_PAYPAL: "paypal"}
PROVIDER_ENUM = {"stripe": billing_pb2.PAYMENT_PROVIDER_STRIPE,
                 "paypal": billing_pb2.PAYMENT_PROVIDER_PAYPAL}


def _user(requested: str) -> str:
    """The user a read or quota call is about: as named (service to service; a malformed id is
    INVALID_ARGUMENT), else the caller (a malformed one is UNAUTHENTICATED)."""
    caller = context.caller.get()
    if not requested:
        if caller is None:
            raise InvalidArgument("user_id is required")
        return str(signed_in_user(caller.user_id))
    # Through the gateway a user asks about themselves only; admins may ask about anyone.
    if caller is not None and requested != caller.user_id and "admin" not in caller.roles:
        raise InvalidArgument("user_id must be your own")
    return requested


def _feature(value: int) -> str:
    if value not in FEATURES:
        raise InvalidArgument("feature is required")
    return FEATURES[value]


def limit_message(feature: str, limit: int, metered: bool, used: int) -> billing_pb2.Limit:
    return billing_pb2.Limit(feature=FEATURE_ENUM[feature], limit=limit, metered=metered,
                             used=used)


def plan_message(plan: plans.Plan) -> billing_pb2.PlanInfo:
    return billing_pb2.PlanInfo(
        plan=PLAN_NAMES.value_of(plan.name), name=plan.title,
        price=money(plan.price, plan.currency),
        interval=plan.interval or "", features=list(plan.features),
        limits=[limit_message(f, n, f in plans.METERED, 0) for f, n in plan.limits.items()],
        premium_templates=plan.premium_templates, api_access=plan.api_access,
        rate_limit_tier=plan.rate_limit_tier)


def entitlements_message(view: EntitlementsView) -> billing_pb2.Entitlements:
    return billing_pb2.Entitlements(
        user_id=view.user_id, plan=PLAN_NAMES.value_of(view.plan.name),
        status=STATUS_NAMES.value_of(view.status),
        limits=[limit_message(x.feature, x.limit, x.metered, x.used) for x in view.limits],
        premium_templates=view.plan.premium_templates, api_access=view.plan.api_access,
        rate_limit_tier=view.plan.rate_limit_tier, period_start=timestamp(view.period_start),
        period_end=timestamp(view.period_end))


def quota_message(view: QuotaView) -> billing_pb2.QuotaStatus:
    return billing_pb2.QuotaStatus(
        feature=FEATURE_ENUM[view.feature], allowed=view.allowed, limit=view.limit,
        used=view.used, remaining=view.remaining, period_end=timestamp(view.period_end),
        replayed=view.replayed, released=view.released)


def subscription_message(view: SubscriptionView) -> billing_pb2.Subscription:
    sub = view.subscription
    reply = billing_pb2.Subscription(plan=PLAN_NAMES.value_of(view.plan),
                                     status=STATUS_NAMES.value_of(view.status))
    if sub is not None:
        reply.provider = PROVIDER_ENUM[sub.provider]
        reply.cancel_at_period_end = sub.cancel_at_period_end
        for field, value in (("current_period_start", sub.current_period_start),
                             ("current_period_end", sub.current_period_end),
                             ("canceled_at", sub.canceled_at)):
            if value is not None:
                getattr(reply, field).CopyFrom(timestamp(value))
        reply.price.CopyFrom(money(sub.amount, sub.currency))
    return reply


def invoice_message(invoice: Invoice) -> billing_pb2.Invoice:
    reply = billing_pb2.Invoice(
        id=invoice.id, number=invoice.number or "", status=invoice.status,
        amount_due=money(invoice.amount_due, invoice.currency),
        amount_paid=money(invoice.amount_paid, invoice.currency),
        hosted_invoice_url=invoice.hosted_invoice_url or "",
        invoice_pdf=invoice.invoice_pdf or "", created_at=timestamp(invoice.created))
    for field in ("period_start", "period_end"):
        if (value := getattr(invoice, field)) is not None:
            getattr(reply, field).CopyFrom(timestamp(value))
    return reply


def payment_message(payment: Payment) -> billing_pb2.Payment:
    return billing_pb2.Payment(
        id=payment.id, provider=PROVIDER_ENUM[payment.provider],
        amount=money(payment.amount, payment.currency), status=payment.status,
        description=payment.description, invoice_id=payment.invoice_id or "",
        created_at=timestamp(payment.created))


def _cursor(row: Invoice | Payment) -> Cursor:
    return Cursor(row.created, row.id)


class BillingServicer(billing_pb2_grpc.BillingServiceServicer):
    def __init__(self, unit: UnitOfWork, service: BillingService) -> None:
        self.unit = unit
        self.service = service

    async def ListPlans(self, request: billing_pb2.ListPlansRequest,
                        ctx: grpc.aio.ServicerContext) -> billing_pb2.ListPlansResponse:
        return billing_pb2.ListPlansResponse(
            plans=[plan_message(p) for p in self.service.entitlements.list_plans()])

    async def GetEntitlements(self, request: billing_pb2.GetEntitlementsRequest,
                              ctx: grpc.aio.ServicerContext) -> billing_pb2.Entitlements:
        user = _user(request.user_id)
        view = await self.unit(lambda s: self.service.entitlements.for_user(s, user_id=user))
        return entitlements_message(view)

    async def CheckQuota(self, request: billing_pb2.CheckQuotaRequest,
                         ctx: grpc.aio.ServicerContext) -> billing_pb2.QuotaStatus:
        user, feature = _user(request.user_id), _feature(request.feature)
        view = await self.unit(lambda s: self.service.entitlements.check_quota(
            s, user_id=user, feature=feature, amount=request.amount))
        return quota_message(view)

    async def ConsumeQuota(self, request: billing_pb2.ConsumeQuotaRequest,
                           ctx: grpc.aio.ServicerContext) -> billing_pb2.QuotaStatus:
        user, feature = _user(request.user_id), _feature(request.feature)
        view = await self.unit(lambda s: self.service.entitlements.consume_quota(
            s, user_id=user, feature=feature, amount=request.amount,
            idempotency_key=request.idempotency_key))
        return quota_message(view)

    async def ReleaseQuota(self, request: billing_pb2.ReleaseQuotaRequest,
                           ctx: grpc.aio.ServicerContext) -> billing_pb2.QuotaStatus:
        user = _user(request.user_id)
        view = await self.unit(lambda s: self.service.entitlements.release_quota(
            s, user_id=user, idempotency_key=request.idempotency_key))
        return quota_message(view) if view is not None else billing_pb2.QuotaStatus()

    async def CreateCheckout(self, request: billing_pb2.CreateCheckoutRequest,
                             ctx: grpc.aio.ServicerContext) -> billing_pb2.CheckoutSession:
        if request.purchase not in PURCHASES:
            raise InvalidArgument("purchase must be pro, premium or cv_review_pack")
        if request.provider not in PROVIDERS:
            raise InvalidArgument("unknown payment provider")
        provider = PROVIDERS[request.provider]
        # The client's key is the caller's own, for this operation and this request only.
        key = IdempotencyKey.of("billing.checkout", owner=caller_id() or "",
                                key=request.idempotency_key, request=request)

        async def checkout(session: AsyncSession) -> billing_pb2.CheckoutSession:
            start = await self.service.checkout.start(
                session, caller_id=caller_id(), purchase=PURCHASES[request.purchase],
                provider=provider, provider_key=key.for_provider() if key else None)
            reply = billing_pb2.CheckoutSession(id=start.id, url=start.url,
                                                provider=PROVIDER_ENUM[provider])
            if start.expires_at is not None:
                reply.expires_at.CopyFrom(timestamp(start.expires_at))
            return reply

        return await self.unit(lambda s: run_once(
            s, key, billing_pb2.CheckoutSession, lambda: checkout(s)))

    async def CreatePortalSession(self, request: billing_pb2.CreatePortalSessionRequest,
                                  ctx: grpc.aio.ServicerContext) -> billing_pb2.PortalSession:
        url = await self.unit(lambda s: self.service.subscriptions.portal(
            s, caller_id=caller_id()))
        return billing_pb2.PortalSession(url=url)

    async def GetSubscription(self, request: billing_pb2.GetSubscriptionRequest,
                              ctx: grpc.aio.ServicerContext) -> billing_pb2.Subscription:
        view = await self.unit(lambda s: self.service.subscriptions.current(
            s, caller_id=caller_id()))
        return subscription_message(view)

    async def CancelSubscription(self, request: billing_pb2.CancelSubscriptionRequest,
                                 ctx: grpc.aio.ServicerContext) -> billing_pb2.Subscription:
        view = await self.unit(lambda s: self.service.subscriptions.cancel(
            s, caller_id=caller_id()))
        return subscription_message(view)

    async def ResumeSubscription(self, request: billing_pb2.ResumeSubscriptionRequest,
                                 ctx: grpc.aio.ServicerContext) -> billing_pb2.Subscription:
        view = await self.unit(lambda s: self.service.subscriptions.resume(
            s, caller_id=caller_id()))
        return subscription_message(view)

    async def ChangePlan(self, request: billing_pb2.ChangePlanRequest,
                         ctx: grpc.aio.ServicerContext) -> billing_pb2.Subscription:
        plan = PLAN_NAMES.name_of(request.plan) or ""
        view = await self.unit(lambda s: self.service.subscriptions.change_plan(
            s, caller_id=caller_id(), plan=plan))
        return subscription_message(view)

    async def ListInvoices(self, request: billing_pb2.ListInvoicesRequest,
                           ctx: grpc.aio.ServicerContext) -> billing_pb2.ListInvoicesResponse:
        page = Page.of(request.page)
        rows = await self.unit(lambda s: self.service.history.invoices(
            s, caller_id=caller_id(), page=page))
        shown, page_info = page.cut(rows, _cursor)
        return billing_pb2.ListInvoicesResponse(invoices=[invoice_message(i) for i in shown],
                                                page=page_info)

    async def ListPayments(self, request: billing_pb2.ListPaymentsRequest,
                           ctx: grpc.aio.ServicerContext) -> billing_pb2.ListPaymentsResponse:
        page = Page.of(request.page)
        rows = await self.unit(lambda s: self.service.history.payments(
            s, caller_id=caller_id(), page=page))
        shown, page_info = page.cut(rows, _cursor)
        return billing_pb2.ListPaymentsResponse(payments=[payment_message(p) for p in shown],
                                                page=page_info)

    def add_to_server(self, server: grpc.aio.Server) -> None:
        billing_pb2_grpc.add_BillingServiceServicer_to_server(self, server)
