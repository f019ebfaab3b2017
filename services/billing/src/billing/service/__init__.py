"""The billing rules, one module per sub-domain. Methods take the caller's session and never
commit: the servicer, the webhook endpoint or the consumer runs each call in one unit of work
(career_kit.unit_of_work), so a state change and the events it publishes (outbox) commit
together or not at all.

  customers.py          who a user is to billing (user.registered), erasing them (user.deleted)
  entitlements.py       the entitlement rule, what a plan allows, quotas
  checkout.py           starting to pay (Stripe Checkout, PayPal subscriptions)
  subscriptions.py      a subscriber's subscription: view, portal, cancel, resume, change plan
  history.py            invoices and payments
  mirror.py             our copy of each subscription, kept equal to the provider's
  payment_providers.py  the providers configured, their price ids, return URLs
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from billing.service.checkout import CheckoutService
from billing.service.customers import CustomerService
from billing.service.entitlements import (
    EntitlementService,
    EntitlementsView,
    Limit,
    QuotaView,
    entitled_plan,
)
from billing.service.history import PaymentHistory
from billing.service.mirror import SubscriptionMirror
from billing.service.payment_providers import Prices, Providers, Urls
from billing.service.subscriptions import SubscriptionService, SubscriptionView
from career_kit.conversions import utc_now
from career_kit.events import Outbox

__all__ = [
    "BillingService", "EntitlementsView", "Limit", "Prices", "Providers", "QuotaView",
    "SubscriptionView", "Urls", "entitled_plan",
]


class BillingService:
    """Billing's rules, built once by main.compose: one part per sub-domain (module
    docstring), each given only what it needs."""

    def __init__(self, *, outbox: Outbox, prices: Prices, urls: Urls, providers: Providers,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.providers = providers
        self.mirror = SubscriptionMirror(outbox=outbox, prices=prices, providers=providers,
                                         clock=clock)
        self.customers = CustomerService(providers, outbox)
        self.entitlements = EntitlementService(clock=clock)
        self.checkout = CheckoutService(prices=prices, urls=urls, providers=providers)
        self.subscriptions = SubscriptionService(mirror=self.mirror, prices=prices, urls=urls,
                                                 providers=providers)
        self.history = PaymentHistory()

    # The user lifecycle other services drive through events (consumers.py, and tests that
    # play those events).

    async def remember_user(self, session: AsyncSession, *, user_id: str, email: str,
                            name: str, language: str) -> None:
        """user.registered (CustomerService.remember_user)."""
        await self.customers.remember_user(session, user_id=user_id, email=email, name=name,
                                           language=language)

    async def erase_user(self, session: AsyncSession, *, user_id: str) -> None:
        """user.deleted (CustomerService.erase_user)."""
        await self.customers.erase_user(session, user_id=user_id)
