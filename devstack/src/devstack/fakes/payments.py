"""The payment providers of an offline run: fake Stripe and fake PayPal, set up with the plans'
prices and pointed at the gateway's webhook paths, so a developer (and the end-to-end tests) can
click through an upgrade with no network: checkout page -> "Pay" -> webhooks -> new plan.

What `make run` and the e2e stack call when no STRIPE_SECRET_KEY / PAYPAL_CLIENT_ID is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from devstack.fakes.paypal import FakePayPal
from devstack.fakes.stripe import FakeStripe

STRIPE_KEY = "sk_test_local"
STRIPE_WEBHOOK_SECRET = "whsec_local"
PAYPAL_CLIENT_ID = "local-paypal-client"
PAYPAL_CLIENT_SECRET = "local-paypal-secret"
PAYPAL_WEBHOOK_ID = "WH-LOCAL-0001"
STRIPE_PRICES = {"pro": "price_local_pro", "premium": "price_local_premium",
                 "cv_review_pack": "price_local_cv_review_pack"}
PAYPAL_PLANS = {"pro": "P-LOCALPRO0000000000000000", "premium": "P-LOCALPREMIUM000000000000"}


@dataclass
class LocalPayments:
    stripe: FakeStripe | None
    paypal: FakePayPal | None

    def stop(self) -> None:
        for fake in (self.stripe, self.paypal):
            if fake is not None:
                fake.stop()


def start_local_payments(gateway_url: str, *, stripe: bool = True,
                         paypal: bool = True) -> tuple[LocalPayments, dict[str, str]]:
    """Start the fakes asked for; returns them and the billing settings that point at them."""
    # The plans table is billing's; the fakes charge what it says.
    from billing import plans

    env: dict[str, str] = {}
    fake_stripe = fake_paypal = None
    if stripe:
        fake_stripe = FakeStripe(secret_key=STRIPE_KEY, webhook_secret=STRIPE_WEBHOOK_SECRET,
                                 webhook_url=f"{gateway_url}/webhooks/stripe").start()
        for name, plan in plans.PLANS.items():
            if name in STRIPE_PRICES:
                fake_stripe.add_price(STRIPE_PRICES[name], product=f"prod_local_{name}",
                                      unit_amount=int(plan.price * 100),
                                      currency=plan.currency.lower(), interval=plan.interval)
        for name, pack in plans.CREDIT_PACKS.items():
            fake_stripe.add_price(STRIPE_PRICES[name], product=f"prod_local_{name}",
                                  unit_amount=int(pack.price * 100),
                                  currency=pack.currency.lower(), interval=None)
        env |= {"STRIPE_SECRET_KEY": STRIPE_KEY, "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
                "STRIPE_API_BASE": fake_stripe.url,
                "STRIPE_PRO_PRICE_ID": STRIPE_PRICES["pro"],
                "STRIPE_PREMIUM_PRICE_ID": STRIPE_PRICES["premium"],
                "STRIPE_CV_REVIEW_PACK_PRICE_ID": STRIPE_PRICES["cv_review_pack"]}
    if paypal:
        fake_paypal = FakePayPal(client_id=PAYPAL_CLIENT_ID,
                                 client_secret=PAYPAL_CLIENT_SECRET).start()
        for name, plan_id in PAYPAL_PLANS.items():
            plan = plans.PLANS[name]
            fake_paypal.add_plan(plan_id, plan.price, plan.currency)
        fake_paypal.set_webhook(f"{gateway_url}/webhooks/paypal", PAYPAL_WEBHOOK_ID)
        env |= {"PAYPAL_CLIENT_ID": PAYPAL_CLIENT_ID,
                "PAYPAL_CLIENT_SECRET": PAYPAL_CLIENT_SECRET,
                "PAYPAL_WEBHOOK_ID": PAYPAL_WEBHOOK_ID, "PAYPAL_API_BASE": fake_paypal.url,
                "PAYPAL_PRO_PLAN_ID": PAYPAL_PLANS["pro"],
                "PAYPAL_PREMIUM_PLAN_ID": PAYPAL_PLANS["premium"]}
    return LocalPayments(fake_stripe, fake_paypal), env
