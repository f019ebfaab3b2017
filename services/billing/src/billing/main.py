"""Composition root of the billing service: `python -m billing.main serve|migrate`."""

from __future__ import annotations

import logging

from billing import consumers, events
from billing.config import Settings
from billing.grpc_api import SERVICE_NAME, BillingServicer
from billing.provider_events import ProviderEvents
from billing.providers.paypal import PayPalProvider
from billing.providers.stripe import StripeProvider
from billing.service import BillingService, Prices, Urls
from billing.webhooks import webhook_routes
from career_kit.grpc.server import GrpcService
from career_kit.service import Components, Resources, ServiceRuntime

log = logging.getLogger(__name__)


def build_providers(settings: Settings) -> tuple[StripeProvider | None, PayPalProvider | None]:
    """The providers whose credentials are set; billing runs without either (plans and
    entitlements still answer), refusing checkouts with a clear error."""
    stripe = paypal = None
    if settings.stripe_secret_key and settings.stripe_webhook_secret:
        stripe = StripeProvider(
            api_key=settings.stripe_secret_key.get_secret_value(),
            webhook_secret=settings.stripe_webhook_secret.get_secret_value(),
            api_base=settings.stripe_api_base,
            tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
            timeout=settings.provider_timeout_seconds)
    else:
        log.warning("Stripe is not configured (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET)")
    if settings.paypal_client_id and settings.paypal_client_secret \
            and settings.paypal_webhook_id:
        paypal = PayPalProvider(
            base_url=settings.paypal_api_base, client_id=settings.paypal_client_id,
            client_secret=settings.paypal_client_secret.get_secret_value(),
            webhook_id=settings.paypal_webhook_id, plans=paypal_plans(settings),
            timeout=settings.provider_timeout_seconds)
    return stripe, paypal


def paypal_plans(settings: Settings) -> dict[str, str]:
    return {name: plan_id for name, plan_id in (("pro", settings.paypal_pro_plan_id),
                                                ("premium", settings.paypal_premium_plan_id))
            if plan_id}


def build_service(settings: Settings, resources: Resources) -> BillingService:
    stripe, paypal = build_providers(settings)
    base = settings.app_base_url.rstrip("/")
    return BillingService(
        outbox=resources.outbox,
        prices=Prices(stripe={"pro": settings.stripe_pro_price_id,
                              "premium": settings.stripe_premium_price_id,
                              "cv_review_pack": settings.stripe_cv_review_pack_price_id},
                      paypal=paypal_plans(settings)),
        urls=Urls(checkout_success=base + settings.checkout_success_path,
                  checkout_cancel=base + settings.checkout_cancel_path,
                  portal_return=base + settings.portal_return_path),
        stripe=stripe, paypal=paypal)


def compose(resources: Resources) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes)."""
    settings = resources.settings
    if not isinstance(settings, Settings):
        raise TypeError("the billing runtime needs billing.config.Settings")
    service = build_service(settings, resources)
    servicer = BillingServicer(resources.db, service)
    providers = {name: provider for name, provider in (("stripe", service.stripe),
                                                       ("paypal", service.paypal)) if provider}
    return Components(
        grpc_services=[GrpcService(SERVICE_NAME, servicer.add_to_server)],
        subscriptions=consumers.subscriptions(
            service, erase_backoff=settings.erase_retry_backoff_seconds),
        publishes=list(events.PUBLISHED_DOMAINS),
        http_routes=webhook_routes(resources.db, ProviderEvents(service), providers))


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
