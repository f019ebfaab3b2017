"""Settings of the billing service: `BILLING_*` variables plus the platform's (see .env.example).

Provider secrets and price ids keep the providers' usual names (STRIPE_SECRET_KEY,
STRIPE_PRO_PRICE_ID, PAYPAL_CLIENT_ID, ...).
"""

from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr

from career_kit.settings import ServiceSettings, service_config


def _unprefixed(name: str) -> AliasChoices:
    """The provider's own variable name, without BILLING_ (the field name works in code)."""
    return AliasChoices(name)


class Settings(ServiceSettings):
    model_config = service_config("billing", populate_by_name=True)

    service_name: ClassVar[str] = "billing"


    # The SPA: checkout success/cancel and the portal's return URL are pages of it.
    app_base_url: str = "http://localhost:5173"
    checkout_success_path: str = "/billing/success?session_id={CHECKOUT_SESSION_ID}"
    checkout_cancel_path: str = "/pricing"
    portal_return_path: str = "/settings/billing"

    stripe_secret_key: SecretStr | None = Field(
        None, validation_alias=_unprefixed("STRIPE_SECRET_KEY"))
    stripe_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_unprefixed("STRIPE_WEBHOOK_SECRET"))
    stripe_pro_price_id: str = Field("price_pro_monthly",
                                     validation_alias=_unprefixed("STRIPE_PRO_PRICE_ID"))
    stripe_premium_price_id: str = Field(
        "price_premium_monthly", validation_alias=_unprefixed("STRIPE_PREMIUM_PRICE_ID"))
    # One-time purchase: a pack of CV review credits.
    stripe_cv_review_pack_price_id: str = Field(
        "price_cv_review_pack", validation_alias=_unprefixed("STRIPE_CV_REVIEW_PACK_PRICE_ID"))
    # Base URL override: the fake Stripe in tests and offline runs.
    stripe_api_base: str = Field("https://api.stripe.com",
                                 validation_alias=_unprefixed("STRIPE_API_BASE"))
    # Seconds a webhook's signed timestamp may be away from now (Stripe's SDK default).
    stripe_webhook_tolerance_seconds: int = 300

    paypal_client_id: str | None = Field(None, validation_alias=_unprefixed("PAYPAL_CLIENT_ID"))
    paypal_client_secret: SecretStr | None = Field(
        None, validation_alias=_unprefixed("PAYPAL_CLIENT_SECRET"))
    paypal_webhook_id: str | None = Field(None, validation_alias=_unprefixed("PAYPAL_WEBHOOK_ID"))
    paypal_pro_plan_id: str | None = Field(None,
                                           validation_alias=_unprefixed("PAYPAL_PRO_PLAN_ID"))
    paypal_premium_plan_id: str | None = Field(
        None, validation_alias=_unprefixed("PAYPAL_PREMIUM_PLAN_ID"))
    # Live: https://api-m.paypal.com; sandbox: https://api-m.sandbox.paypal.com.
    paypal_api_base: str = Field("https://api-m.sandbox.paypal.com",
                                 validation_alias=_unprefixed("PAYPAL_API_BASE"))

    provider_timeout_seconds: float = 15.0
    # Redelivery delays when cancelling a deleted user's subscription fails transiently.
    erase_retry_backoff_seconds: list[float] = [5.0, 30.0, 120.0, 600.0]
