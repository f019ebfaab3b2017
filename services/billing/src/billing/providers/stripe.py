"""Stripe through its official SDK (async methods over httpx), pinned to the SDK's API version.

Every POST carries an idempotency key, so a retried call (ours, or the SDK's own network retries)
never creates a second customer, session or change. Objects are read in the post-2025 shapes:
a subscription's period is on its items, an invoice's subscription is under
`parent.subscription_details`.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import stripe

from billing.providers.base import (
    CANCELED,
    INCOMPLETE,
    PAST_DUE,
    STATUSES,
    CheckoutStart,
    InvalidWebhook,
    ProviderError,
    SubscriptionSnapshot,
    WebhookEvent,
)

log = logging.getLogger(__name__)

API_VERSION = stripe.api_version
# Stripe statuses without a twin of ours: what they mean for access.
_STATUS_ALIASES = {"incomplete_expired": CANCELED, "paused": PAST_DUE}


def _time(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def _amount(minor: int | None, currency: str | None) -> Decimal | None:
    """Stripe amounts are in the currency's minor unit (all our currencies have two decimals)."""
    return None if minor is None else (Decimal(minor) / 100).quantize(Decimal("0.01"))


def invoice_subscription_id(invoice: dict[str, Any]) -> str | None:
    """Where an invoice names its subscription since API version 2025-03-31.basil."""
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription")


def _error(exc: stripe.StripeError) -> ProviderError:
    status = exc.http_status
    transient = isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)) or (
        status is not None and status >= 500)
    log.warning("stripe call failed", extra={"stripe_request_id": exc.request_id,
                                             "status": status, "code": exc.code})
    return ProviderError(exc.user_message or str(exc), transient=transient, status=status,
                         code=exc.code)


class StripeProvider:
    name = "stripe"

    def __init__(self, *, api_key: str, webhook_secret: str, api_base: str,
                 tolerance_seconds: int = 300, timeout: float = 15.0) -> None:
        self.webhook_secret = webhook_secret
        self.tolerance = tolerance_seconds
        self.client = stripe.StripeClient(
            api_key, stripe_version=API_VERSION, base_addresses={"api": api_base},
            max_network_retries=2, http_client=stripe.HTTPXClient(timeout=timeout))

    async def _call(self, method: Any, *args: Any, params: dict[str, Any] | None = None,
                    idempotency_key: str | None = None) -> Any:
        options = {"idempotency_key": idempotency_key} if idempotency_key else {}
        try:
            return await method(*args, params=params or {}, options=options)
        except stripe.StripeError as exc:
            raise _error(exc) from exc

    # Customers, checkout, portal -----------------------------------------------------------

    async def create_customer(self, *, user_id: str, email: str | None, name: str | None,
                              idempotency_key: str) -> str:
        params: dict[str, Any] = {"metadata": {"user_id": user_id}}
        if email:
            params["email"] = email
        if name:
            params["name"] = name
        customer = await self._call(self.client.v1.customers.create_async, params=params,
                                    idempotency_key=idempotency_key)
        return customer.id

    async def create_checkout(self, *, customer_id: str, user_id: str, price_id: str,
                              recurring: bool, purchase: str, success_url: str,
                              cancel_url: str, idempotency_key: str) -> CheckoutStart:
        params: dict[str, Any] = {
            "mode": "subscription" if recurring else "payment",
            "customer": customer_id,
            "client_reference_id": user_id,
            "line_items": [{"price": price_id, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            # What was bought, for the one-time payment's webhook (line items are not in it).
            "metadata": {"user_id": user_id, "purchase": purchase},
        }
        if recurring:
            # The subscription names its user itself, whatever order its events arrive in.
            params["subscription_data"] = {"metadata": {"user_id": user_id}}
        session = await self._call(self.client.v1.checkout.sessions.create_async,
                                   params=params, idempotency_key=idempotency_key)
        return CheckoutStart(id=session.id, url=session.url, expires_at=_time(session.expires_at))

    async def create_portal(self, *, customer_id: str, return_url: str) -> str:
        # Portal URLs are short-lived and single-use: one per click, never cached.
        session = await self._call(self.client.v1.billing_portal.sessions.create_async,
                                   params={"customer": customer_id, "return_url": return_url})
        return session.url

    # Subscriptions -------------------------------------------------------------------------

    def snapshot(self, sub: Any) -> SubscriptionSnapshot:
        data = sub if isinstance(sub, dict) else sub.to_dict()
        items = (data.get("items") or {}).get("data") or []
        item = items[0] if items else {}
        price = item.get("price") or {}
        status = _STATUS_ALIASES.get(data.get("status"), data.get("status"))
        if status not in STATUSES:
            status = INCOMPLETE
        customer = data.get("customer")
        return SubscriptionSnapshot(
            provider=self.name, subscription_id=data["id"],
            customer_id=customer if isinstance(customer, str) else (customer or {}).get("id"),
            status=status, price_id=price.get("id", ""),
            user_id=(data.get("metadata") or {}).get("user_id"),
            current_period_start=_time(item.get("current_period_start")),
            current_period_end=_time(item.get("current_period_end")),
            cancel_at_period_end=bool(data.get("cancel_at_period_end")),
            canceled_at=_time(data.get("canceled_at")),
            amount=_amount(price.get("unit_amount"), price.get("currency")),
            currency=(price.get("currency") or "").upper() or None,
            item_id=item.get("id"))

    async def fetch_subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        sub = await self._call(self.client.v1.subscriptions.retrieve_async, subscription_id)
        return self.snapshot(sub)

    async def cancel_at_period_end(self, subscription_id: str, cancel: bool,
                                   idempotency_key: str) -> SubscriptionSnapshot:
        sub = await self._call(self.client.v1.subscriptions.update_async, subscription_id,
                               params={"cancel_at_period_end": cancel},
                               idempotency_key=idempotency_key)
        return self.snapshot(sub)

    async def change_price(self, subscription_id: str, *, item_id: str, price_id: str,
                           idempotency_key: str) -> SubscriptionSnapshot:
        sub = await self._call(
            self.client.v1.subscriptions.update_async, subscription_id,
            params={"items": [{"id": item_id, "price": price_id}],
                    "proration_behavior": "create_prorations", "cancel_at_period_end": False},
            idempotency_key=idempotency_key)
        return self.snapshot(sub)

    async def cancel_now(self, subscription_id: str, idempotency_key: str) -> None:
        try:
            await self._call(self.client.v1.subscriptions.cancel_async, subscription_id,
                             idempotency_key=idempotency_key)
        except ProviderError as exc:
            if exc.code != "resource_missing":
                raise

    # Webhooks ------------------------------------------------------------------------------

    async def verify_webhook(self, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        header = headers.get("stripe-signature")
        if not header:
            raise InvalidWebhook("missing Stripe-Signature header")
        try:
            stripe.WebhookSignature.verify_header(
                body.decode("utf-8"), header, self.webhook_secret, self.tolerance)
            _refuse_future_timestamp(header, self.tolerance)
            event = json.loads(body)
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook(str(exc)) from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidWebhook("body is not JSON") from exc
        if not isinstance(event, dict) or not isinstance(event.get("id"), str) \
                or not isinstance(event.get("type"), str):
            raise InvalidWebhook("not a Stripe event")
        data = event.get("data") or {}
        return WebhookEvent(provider=self.name, id=event["id"], type=event["type"],
                            created=_time(event.get("created")) or datetime.now(UTC),
                            object=data.get("object") or {}, payload=event)


def _refuse_future_timestamp(header: str, tolerance: int) -> None:
    """The SDK bounds a signature's age only; a timestamp from the future (a replay window
    opened in advance with a leaked secret, or a sender's broken clock) is bounded the same way.
    Called after the signature verified, so the header is well-formed."""
    stamps = [part.partition("=")[2] for part in header.split(",")
              if part.strip().startswith("t=")]
    if stamps and stamps[0].strip().isdigit() and \
            int(stamps[0]) > int(time.time()) + tolerance:
        raise InvalidWebhook("the signature's timestamp is in the future beyond the tolerance")
