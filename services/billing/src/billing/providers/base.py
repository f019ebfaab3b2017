"""What billing needs from a payment provider, in provider-neutral terms.

Adapters translate their provider's objects into these snapshots; the billing service never
reads a provider's payload itself. Webhook handling re-reads the object from the provider
(`fetch_subscription`) instead of trusting the event's copy, because neither Stripe nor PayPal
delivers events in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from career.billing.v1 import events_pb2
from career_kit.conversions import EnumNames

# Normalised subscription statuses (Stripe's names; PayPal's are mapped onto them), the names of
# the proto's SubscriptionStatus values: a status without a value there stops us at import.
STATUS_NAMES = EnumNames(events_pb2.SubscriptionStatus, "SUBSCRIPTION_STATUS_")
INCOMPLETE = "incomplete"
TRIALING = "trialing"
ACTIVE = "active"
PAST_DUE = "past_due"
UNPAID = "unpaid"
CANCELED = "canceled"
STATUSES = (INCOMPLETE, TRIALING, ACTIVE, PAST_DUE, UNPAID, CANCELED)
if set(STATUSES) != set(STATUS_NAMES.names):
    raise RuntimeError(f"subscription statuses {sorted(STATUSES)} are not the proto's "
                       f"SubscriptionStatus values {sorted(STATUS_NAMES.names)}")


class ProviderError(Exception):
    """The provider refused or failed a call. `transient` errors may be retried."""

    def __init__(self, message: str, *, transient: bool = False, status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.code = code


class InvalidWebhook(Exception):
    """A webhook whose signature, timestamp or body does not verify: answer 400."""


@dataclass(frozen=True)
class SubscriptionSnapshot:
    """A subscription as the provider holds it now."""

    provider: str                    # "stripe" | "paypal"
    subscription_id: str             # sub_... / I-...
    customer_id: str | None          # cus_... (Stripe); the payer id (PayPal)
    status: str                      # one of STATUSES
    price_id: str                    # Stripe price id / PayPal plan id
    user_id: str | None              # from metadata (Stripe) / custom_id (PayPal)
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    amount: Decimal | None = None    # price per interval, in major units
    currency: str | None = None      # ISO 4217, upper case
    item_id: str | None = None       # the subscription item (Stripe), for plan changes


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook delivery."""

    provider: str
    id: str                          # evt_... / WH-...
    type: str                        # provider's event type, as sent
    created: datetime
    object: dict[str, Any] = field(default_factory=dict)   # the resource in the event
    payload: dict[str, Any] = field(default_factory=dict)  # the whole event, as received


@dataclass(frozen=True)
class CheckoutStart:
    """Where to send the browser to pay."""

    id: str
    url: str
    expires_at: datetime | None = None


class SubscriptionProvider(Protocol):
    """The subscription lifecycle, as both providers offer it."""

    name: str

    async def fetch_subscription(self, subscription_id: str) -> SubscriptionSnapshot: ...

    async def cancel_at_period_end(self, subscription_id: str, cancel: bool,
                                   idempotency_key: str) -> SubscriptionSnapshot: ...

    async def cancel_now(self, subscription_id: str, idempotency_key: str) -> None: ...

    async def verify_webhook(self, body: bytes, headers: dict[str, str]) -> WebhookEvent: ...
