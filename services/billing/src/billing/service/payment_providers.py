"""The payment providers billing is set up with: which are configured, the provider price ids
behind our plans and packs, where a payer's browser returns to, and how a provider's failure
reaches the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from billing import plans
from billing.providers.base import ProviderError, SubscriptionProvider
from billing.providers.paypal import PayPalProvider
from billing.providers.stripe import StripeProvider
from career_kit.errors import DomainError, FailedPrecondition, Unavailable

P = TypeVar("P")


@dataclass(frozen=True)
class Urls:
    checkout_success: str
    checkout_cancel: str
    portal_return: str


@dataclass(frozen=True)
class Prices:
    """Provider price/plan ids <-> our plans and packs."""

    stripe: dict[str, str]              # plan or pack name -> Stripe price id
    paypal: dict[str, str]              # plan name -> PayPal plan id

    def plan_of(self, provider: str, price_id: str) -> str | None:
        table = self.stripe if provider == "stripe" else self.paypal
        for name, candidate in table.items():
            if candidate == price_id and name in plans.PAID_PLANS:
                return name
        return None


@dataclass(frozen=True)
class Providers:
    """The providers whose credentials are set. Billing runs without either (plans and
    entitlements still answer) and refuses what needs a missing one with a clear error."""

    stripe: StripeProvider | None = None
    paypal: PayPalProvider | None = None

    def configured(self) -> dict[str, SubscriptionProvider]:
        """The configured providers by name ("stripe", "paypal")."""
        return {provider.name: provider for provider in (self.stripe, self.paypal)
                if provider is not None}

    def holding(self, name: str) -> SubscriptionProvider:
        """The provider holding a subscription (its `provider`), for its lifecycle."""
        return _required(name, self.configured().get(name))

    def require_stripe(self) -> StripeProvider:
        """Stripe, for what only it offers (customers, checkout sessions, portal, prices)."""
        return _required("stripe", self.stripe)

    def require_paypal(self) -> PayPalProvider:
        return _required("paypal", self.paypal)


def _required(name: str, provider: P | None) -> P:
    if provider is None:
        raise FailedPrecondition(f"payments through {name} are not configured")
    return provider


def provider_failure(exc: ProviderError) -> DomainError:
    """A provider failure as the caller should see it: retry later, or a clear refusal."""
    if exc.transient:
        return Unavailable("the payment provider is not reachable; try again shortly")
    return FailedPrecondition(f"the payment provider refused: {exc}")
