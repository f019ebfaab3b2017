"""Composition root of the billing service: `python -m billing.main serve|migrate`."""

from __future__ import annotations

import logging

from billing import events
from billing.config import Settings
from billing.consumers import UserConsumers
from billing.grpc_api import SERVICE_NAME, BillingServicer
from billing.provider_events import ProviderEvents
from billing.providers.paypal import PayPalProvider
from billing.providers.stripe import StripeProvider
from billing.service import BillingService, Prices, Providers, Urls
from billing.webhooks import webhook_routes
from career_kit.conversions import utc_now
from career_kit.grpc.server import GrpcService
from career_kit.service import Components, Resources, ServiceRuntime
from career_kit.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def build_providers(settings: Settings) -> Providers:
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
    return Providers(stripe=stripe, paypal=paypal)


def paypal_plans(settings: Settings) -> dict[str, str]:
    return {name: plan_id for name, plan_id in (("pro", settings.paypal_pro_plan_id),
                                                ("premium", settings.paypal_premium_plan_id))
            if plan_id}


def build_service(settings: Settings, resources: Resources[Settings]) -> BillingService:
    base = settings.app_base_url.rstrip("/")
    return BillingService(
        outbox=resources.outbox, providers=build_providers(settings), clock=utc_now,
        prices=Prices(stripe={"pro": settings.stripe_pro_price_id,
                              "premium": settings.stripe_premium_price_id,
                              "cv_review_pack": settings.stripe_cv_review_pack_price_id},
                      paypal=paypal_plans(settings)),
        urls=Urls(checkout_success=base + settings.checkout_success_path,
                  checkout_cancel=base + settings.checkout_cancel_path,
                  portal_return=base + settings.portal_return_path))


def compose(resources: Resources[Settings]) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes); the
    BillingService is the domain the service's tests reach (`Components.domain`)."""
    settings = resources.settings
    service = build_service(settings, resources)
    unit = UnitOfWork(resources.db)
    servicer = BillingServicer(unit, service)
    provider_events = ProviderEvents(mirror=service.mirror, outbox=resources.outbox,
                                     clock=utc_now)
    return Components(
        grpc_services=[GrpcService(SERVICE_NAME, servicer.add_to_server)],
        subscriptions=UserConsumers(service).subscriptions(
            erase_backoff=settings.erase_retry_backoff_seconds),
        publishes=list(events.PUBLISHED_DOMAINS),
        http_routes=webhook_routes(unit, provider_events, service.providers.configured()),
        domain=service)


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
