"""/api/plans: the plans, checkout (Stripe, or PayPal for subscriptions), the Stripe Customer
Portal, the signed-in user's subscription (cancel at period end, resume, change plan), invoices,
payments and entitlements. Everything is the billing service's gRPC API; nothing here is
provisioned from a redirect — plans change when the provider's webhooks say so.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from career.billing.v1 import billing_pb2
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep
from gateway.conversions import (
    PAYMENT_PROVIDERS,
    PLANS,
    PURCHASES,
    PageSize,
    PageToken,
    datetime_of,
    page_request,
)
from gateway.routers.billing_schemas import (
    ChangePlanIn,
    CheckoutIn,
    CheckoutOut,
    EntitlementsOut,
    InvoicesOut,
    PaymentsOut,
    PlanOut,
    PortalOut,
    SubscriptionOut,
    entitlements_out,
    invoice_out,
    payment_out,
    plan_out,
    subscription_out,
)

router = APIRouter(tags=["billing"])

@router.get("/api/plans", response_model=list[PlanOut], summary="Plans, prices and limits")
async def list_plans(clients: ClientsDep) -> list[PlanOut]:
    reply = await clients.billing.ListPlans(billing_pb2.ListPlansRequest())
    return [plan_out(p) for p in reply.plans]


@router.post("/api/plans/checkout", response_model=CheckoutOut,
             summary="Start paying: a subscription or a one-time purchase")
async def checkout(body: CheckoutIn, caller: CurrentCaller, clients: ClientsDep,
                   idempotency_key: Annotated[str | None, Header(max_length=255)] = None
                   ) -> CheckoutOut:
    session = await clients.billing.CreateCheckout(billing_pb2.CreateCheckoutRequest(
        purchase=PURCHASES.value_of(body.purchase),
        provider=PAYMENT_PROVIDERS.value_of(body.provider),
        idempotency_key=idempotency_key or ""))
    return CheckoutOut(id=session.id, url=session.url,
                       provider=PAYMENT_PROVIDERS.name_of(session.provider) or body.provider,
                       expires_at=datetime_of(session, "expires_at"))


@router.post("/api/plans/portal", response_model=PortalOut,
             summary="A Stripe Customer Portal session")
async def portal(caller: CurrentCaller, clients: ClientsDep) -> PortalOut:
    reply = await clients.billing.CreatePortalSession(billing_pb2.CreatePortalSessionRequest())
    return PortalOut(url=reply.url)


@router.get("/api/plans/subscription", response_model=SubscriptionOut,
            summary="The signed-in user's subscription")
async def get_subscription(caller: CurrentCaller, clients: ClientsDep) -> SubscriptionOut:
    return subscription_out(await clients.billing.GetSubscription(
        billing_pb2.GetSubscriptionRequest()))


@router.post("/api/plans/subscription/cancel", response_model=SubscriptionOut,
             summary="Cancel at the end of the current period")
async def cancel_subscription(caller: CurrentCaller, clients: ClientsDep) -> SubscriptionOut:
    return subscription_out(await clients.billing.CancelSubscription(
        billing_pb2.CancelSubscriptionRequest()))


@router.post("/api/plans/subscription/resume", response_model=SubscriptionOut,
             summary="Undo a cancellation before the period ends")
async def resume_subscription(caller: CurrentCaller, clients: ClientsDep) -> SubscriptionOut:
    return subscription_out(await clients.billing.ResumeSubscription(
        billing_pb2.ResumeSubscriptionRequest()))


@router.put("/api/plans/subscription/plan", response_model=SubscriptionOut,
            summary="Upgrade or downgrade between pro and premium (prorated)")
async def change_plan(body: ChangePlanIn, caller: CurrentCaller,
                      clients: ClientsDep) -> SubscriptionOut:
    return subscription_out(await clients.billing.ChangePlan(
        billing_pb2.ChangePlanRequest(plan=PLANS.value_of(body.plan))))


@router.get("/api/plans/entitlements", response_model=EntitlementsOut,
            summary="What the signed-in user's plan allows, and what is used")
async def entitlements(caller: CurrentCaller, clients: ClientsDep) -> EntitlementsOut:
    return entitlements_out(await clients.billing.GetEntitlements(
        billing_pb2.GetEntitlementsRequest()))


@router.get("/api/plans/invoices", response_model=InvoicesOut,
            summary="The signed-in user's invoices, newest first")
async def invoices(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                   page_token: PageToken = None) -> InvoicesOut:
    reply = await clients.billing.ListInvoices(billing_pb2.ListInvoicesRequest(
        page=page_request(page_size, page_token)))
    return InvoicesOut(invoices=[invoice_out(i) for i in reply.invoices],
                       next_page_token=reply.page.next_page_token or None)


@router.get("/api/plans/payments", response_model=PaymentsOut,
            summary="The signed-in user's payments, newest first")
async def payments(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                   page_token: PageToken = None) -> PaymentsOut:
    reply = await clients.billing.ListPayments(billing_pb2.ListPaymentsRequest(
        page=page_request(page_size, page_token)))
    return PaymentsOut(payments=[payment_out(p) for p in reply.payments],
                       next_page_token=reply.page.next_page_token or None)
