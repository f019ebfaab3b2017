"""What each provider's webhook events mean for billing.

`ProviderEvents.handle` applies one verified delivery once (the event id is recorded first, so
a redelivery is a no-op) inside the caller's transaction. Subscription events never apply the
event's copy: they have the mirror re-read the subscription from the provider
(`SubscriptionMirror.refresh`, billing/service/mirror.py), so reordered deliveries end in the
current state.
Payment events record the payment once per invoice (or attempt) and tell it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from billing import events, plans
from billing.models import Customer
from billing.providers.base import WebhookEvent
from billing.providers.stripe import invoice_subscription_id
from billing.repository import Customers, Invoices, Payments, Quotas, WebhookEvents
from billing.service.mirror import SubscriptionMirror
from career_kit.context import id_argument
from career_kit.events import Outbox


class ProviderEvents:
    def __init__(self, *, mirror: SubscriptionMirror, outbox: Outbox,
                 clock: Callable[[], datetime]) -> None:
        self.mirror = mirror
        self.outbox = outbox
        self.clock = clock

    async def handle(self, session: AsyncSession, event: WebhookEvent) -> str:
        """Apply one verified delivery once: 'duplicate', 'handled' or 'ignored'. Raising
        rolls everything back; the endpoint then answers 5xx so the provider retries."""
        deliveries = WebhookEvents(session)
        fresh = await deliveries.record(
            provider=event.provider, event_id=event.id, type=event.type,
            created=event.created, payload=event.payload)
        if not fresh:
            return "duplicate"
        handler = (self._stripe_handlers if event.provider == "stripe"
                   else self._paypal_handlers).get(event.type)
        if handler is None:
            outcome = "ignored"
        else:
            outcome = await handler(self, session, event.object) or "handled"
        if outcome != "handled":   # the row was inserted as handled
            await deliveries.set_outcome(event.provider, event.id, outcome)
        return outcome

    async def _customer_user(self, session: AsyncSession, obj: dict[str, Any]
                             ) -> tuple[uuid.UUID | None, Customer | None]:
        """Whose Stripe object this is: its customer, else the user named in metadata."""
        customer_id = obj.get("customer")
        if isinstance(customer_id, str):
            customer = await Customers(session).by_stripe_customer(customer_id)
            if customer is not None:
                return customer.user_id, customer
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        for metadata in (obj.get("metadata") or {}, details.get("metadata") or {}):
            if metadata.get("user_id"):
                try:
                    user = uuid.UUID(metadata["user_id"])
                except ValueError:
                    continue
                return user, await Customers(session).get(user)
        return None, None

    # Stripe ---

    async def _on_checkout_completed(self, session: AsyncSession, obj: dict[str, Any]) -> str:
        hint = obj.get("client_reference_id")
        user = id_argument(hint, "user id") if hint else None
        if obj.get("mode") == "subscription" and obj.get("subscription"):
            await self.mirror.refresh(session, "stripe", obj["subscription"], hint_user=user)
            return "handled"
        if obj.get("mode") == "payment":
            if obj.get("payment_status") != "paid":
                return "awaiting_payment"   # async methods: wait for async_payment_succeeded
            return await self._one_time_paid(session, obj, user)
        return "ignored"

    async def _one_time_paid(self, session: AsyncSession, obj: dict[str, Any],
                             user: uuid.UUID | None) -> str:
        pack = plans.CREDIT_PACKS.get((obj.get("metadata") or {}).get("purchase", ""))
        if user is None or pack is None:
            return "unattributed"
        amount = Decimal(obj.get("amount_total") or 0) / 100
        currency = (obj.get("currency") or "usd").upper()
        payment_id = obj["id"]
        if await Payments(session).add_once({
                "id": payment_id, "provider": "stripe", "user_id": user, "status": "succeeded",
                "currency": currency, "amount": amount, "description": pack.title,
                "invoice_id": obj.get("invoice"), "created": self.clock()}):
            await Quotas(session).grant_once(payment_id=payment_id, user_id=user,
                                             feature=pack.feature, credits=pack.credits)
            customer = await Customers(session).get(user)
            await self.outbox.add(session, events.payment_succeeded(
                str(user), payment_id=payment_id, invoice_id=obj.get("invoice"),
                amount=amount, currency=currency, description=pack.title, customer=customer))
        return "handled"

    async def _on_customer_created(self, session: AsyncSession, obj: dict[str, Any]) -> str:
        user_id = (obj.get("metadata") or {}).get("user_id")
        if not user_id:
            return "ignored"
        customer = await Customers(session).get_for_update(id_argument(user_id, "user id"))
        if not customer.stripe_customer_id:
            customer.stripe_customer_id = obj["id"]
        return "handled"

    async def _on_subscription_event(self, session: AsyncSession, obj: dict[str, Any]) -> str:
        await self.mirror.refresh(session, "stripe", obj["id"])
        return "handled"

    async def _save_invoice(self, session: AsyncSession, obj: dict[str, Any],
                            user: uuid.UUID) -> None:
        def when(key: str) -> datetime | None:
            value = obj.get(key)
            return datetime.fromtimestamp(value, UTC) if value else None

        await Invoices(session).upsert({
            "id": obj["id"], "provider": "stripe", "user_id": user,
            "provider_subscription_id": invoice_subscription_id(obj),
            "number": obj.get("number"), "status": obj.get("status") or "open",
            "currency": (obj.get("currency") or "usd").upper(),
            "amount_due": Decimal(obj.get("amount_due") or 0) / 100,
            "amount_paid": Decimal(obj.get("amount_paid") or 0) / 100,
            "hosted_invoice_url": obj.get("hosted_invoice_url"),
            "invoice_pdf": obj.get("invoice_pdf"),
            "period_start": when("period_start"), "period_end": when("period_end"),
            "created": when("created") or self.clock()})

    async def _on_invoice_paid(self, session: AsyncSession, obj: dict[str, Any]) -> str:
        user, customer = await self._customer_user(session, obj)
        if user is None:
            return "unattributed"
        await self._save_invoice(session, obj, user)
        paid = Decimal(obj.get("amount_paid") or 0) / 100
        currency = (obj.get("currency") or "usd").upper()
        # invoice.paid and invoice.payment_succeeded describe one payment: the invoice id
        # keys it, so whichever comes second records nothing.
        if paid > 0 and await Payments(session).add_once({
                "id": obj["id"], "provider": "stripe", "user_id": user, "status": "succeeded",
                "currency": currency, "amount": paid,
                "description": f"Invoice {obj.get('number') or obj['id']}",
                "invoice_id": obj["id"], "created": self.clock()}):
            await self.outbox.add(session, events.payment_succeeded(
                str(user), payment_id=obj["id"], invoice_id=obj["id"], amount=paid,
                currency=currency, description=f"Invoice {obj.get('number') or obj['id']}",
                customer=customer))
        if (sub_id := invoice_subscription_id(obj)) is not None:
            await self.mirror.refresh(session, "stripe", sub_id, hint_user=user)
        return "handled"

    async def _on_invoice_failed(self, session: AsyncSession, obj: dict[str, Any]) -> str:
        user, customer = await self._customer_user(session, obj)
        if user is None:
            return "unattributed"
        await self._save_invoice(session, obj, user)
        due = Decimal(obj.get("amount_due") or 0) / 100
        currency = (obj.get("currency") or "usd").upper()
        attempt = obj.get("attempt_count") or 1
        next_attempt = obj.get("next_payment_attempt")
        if await Payments(session).add_once({
                "id": f"{obj['id']}#failed-{attempt}", "provider": "stripe", "user_id": user,
                "status": "failed", "currency": currency, "amount": due,
                "description": f"Invoice {obj.get('number') or obj['id']} (attempt {attempt})",
                "invoice_id": obj["id"], "created": self.clock()}):
            await self.outbox.add(session, events.payment_failed(
                str(user), invoice_id=obj["id"], amount=due, currency=currency,
                hosted_invoice_url=obj.get("hosted_invoice_url"),
                next_attempt_at=datetime.fromtimestamp(next_attempt, UTC) if next_attempt
                else None, customer=customer))
        if (sub_id := invoice_subscription_id(obj)) is not None:
            await self.mirror.refresh(session, "stripe", sub_id, hint_user=user)
        return "handled"

    _stripe_handlers: dict[str, Any] = {
        "checkout.session.completed": _on_checkout_completed,
        "checkout.session.async_payment_succeeded": _on_checkout_completed,
        "customer.created": _on_customer_created,
        "customer.subscription.created": _on_subscription_event,
        "customer.subscription.updated": _on_subscription_event,
        "customer.subscription.deleted": _on_subscription_event,
        "invoice.paid": _on_invoice_paid,
        "invoice.payment_succeeded": _on_invoice_paid,
        "invoice.payment_failed": _on_invoice_failed,
    }

    # PayPal ---

    async def _on_paypal_subscription(self, session: AsyncSession, obj: dict[str, Any]) -> str:
        await self.mirror.refresh(session, "paypal", obj["id"])
        return "handled"

    async def _paypal_owner(self, session: AsyncSession, subscription_id: str
                            ) -> tuple[uuid.UUID | None, Customer | None]:
        sub = await self.mirror.refresh(session, "paypal", subscription_id)
        if sub is None:
            return None, None
        return sub.user_id, await Customers(session).get(sub.user_id)

    async def _on_paypal_sale(self, session: AsyncSession, obj: dict[str, Any]) -> str:
        subscription_id = obj.get("billing_agreement_id")
        if not subscription_id:
            return "ignored"
        user, customer = await self._paypal_owner(session, subscription_id)
        if user is None:
            return "unattributed"
        amount = obj.get("amount") or {}
        value = Decimal(str(amount.get("total") or amount.get("value") or "0"))
        currency = (amount.get("currency") or amount.get("currency_code") or "USD").upper()
        if await Payments(session).add_once({
                "id": obj["id"], "provider": "paypal", "user_id": user, "status": "succeeded",
                "currency": currency, "amount": value, "description": "PayPal subscription",
                "invoice_id": None, "created": self.clock()}):
            await self.outbox.add(session, events.payment_succeeded(
                str(user), payment_id=obj["id"], invoice_id=None, amount=value,
                currency=currency, description="PayPal subscription", customer=customer))
        return "handled"

    async def _on_paypal_payment_failed(self, session: AsyncSession,
                                        obj: dict[str, Any]) -> str:
        user, customer = await self._paypal_owner(session, obj["id"])
        if user is None:
            return "unattributed"
        billing = obj.get("billing_info") or {}
        failed = billing.get("last_failed_payment") or {}
        amount = failed.get("amount") or billing.get("outstanding_balance") or {}
        value = Decimal(str(amount.get("value") or "0"))
        currency = (amount.get("currency_code") or "USD").upper()
        count = billing.get("failed_payments_count") or 1
        if await Payments(session).add_once({
                "id": f"{obj['id']}#failed-{count}", "provider": "paypal", "user_id": user,
                "status": "failed", "currency": currency, "amount": value,
                "description": f"PayPal subscription (attempt {count})", "invoice_id": None,
                "created": self.clock()}):
            await self.outbox.add(session, events.payment_failed(
                str(user), invoice_id="", amount=value, currency=currency,
                hosted_invoice_url=None, next_attempt_at=None, customer=customer))
        return "handled"

    _paypal_handlers: dict[str, Any] = {
        "BILLING.SUBSCRIPTION.CREATED": _on_paypal_subscription,
        "BILLING.SUBSCRIPTION.ACTIVATED": _on_paypal_subscription,
        "BILLING.SUBSCRIPTION.UPDATED": _on_paypal_subscription,
        "BILLING.SUBSCRIPTION.SUSPENDED": _on_paypal_subscription,
        "BILLING.SUBSCRIPTION.CANCELLED": _on_paypal_subscription,
        "BILLING.SUBSCRIPTION.EXPIRED": _on_paypal_subscription,
        "BILLING.SUBSCRIPTION.RE-ACTIVATED": _on_paypal_subscription,
        "BILLING.SUBSCRIPTION.PAYMENT.FAILED": _on_paypal_payment_failed,
        "PAYMENT.SALE.COMPLETED": _on_paypal_sale,
    }
