"""The PayPal provider against the fake PayPal, over real HTTP: checkout, snapshots, plan changes,
cancellation, webhook verification, tokens and error mapping."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billing.providers.base import (
    ACTIVE,
    CANCELED,
    INCOMPLETE,
    PAST_DUE,
    InvalidWebhook,
    ProviderError,
)
from billing.providers.paypal import PayPalError, PayPalProvider
from devstack.fakes.paypal import FakePayPal
from devstack.fakes.serving import ThreadedApp

CLIENT_ID = "AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9ztymylOhRS"
CLIENT_SECRET = "EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL"
WEBHOOK_ID = "1JE4291016473214C"
PRO_PLAN = "P-5ML4271244454362WXNWU5NQ"
PREMIUM_PLAN = "P-7GL4271244454362XXNWU5NQ"
RETURN_URL = "https://app.example.com/billing/paypal/return"
CANCEL_URL = "https://app.example.com/billing/paypal/cancel"
VERIFY = "/v1/notifications/verify-webhook-signature"


@dataclass
class Receiver:
    """Our side of the webhook: keeps what arrives, exactly as it arrived."""

    url: str = ""
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of_type(self, event_type: str) -> list[tuple[bytes, dict[str, str]]]:
        with self.lock:
            return [(body, headers) for body, headers in self.received
                    if json.loads(body)["event_type"] == event_type]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    async def webhook(request: Request) -> Response:
        body = await request.body()
        with found.lock:
            found.received.append((body, dict(request.headers)))
        return Response(status_code=200)

    server = ThreadedApp(Starlette(routes=[Route("/webhooks/paypal", webhook,
                                                 methods=["POST"])]), "paypal-receiver")
    server.start()
    found.url = f"{server.url}/webhooks/paypal"
    yield found
    server.stop()


@pytest.fixture
def paypal(receiver: Receiver) -> Iterator[FakePayPal]:
    with FakePayPal(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as fake:
        fake.add_plan(PRO_PLAN, "9.00", "USD")
        fake.add_plan(PREMIUM_PLAN, "19.00", "USD")
        fake.set_webhook(receiver.url, WEBHOOK_ID)
        yield fake


def make_provider(paypal: FakePayPal, **overrides: object) -> PayPalProvider:
    options: dict = {"base_url": paypal.url, "client_id": CLIENT_ID,
                     "client_secret": CLIENT_SECRET, "webhook_id": WEBHOOK_ID,
                     "plans": {"pro": PRO_PLAN, "premium": PREMIUM_PLAN}} | overrides
    return PayPalProvider(**options)


@pytest.fixture
async def provider(paypal: FakePayPal) -> AsyncIterator[PayPalProvider]:
    made = make_provider(paypal)
    yield made
    await made.aclose()


async def subscribe(provider: PayPalProvider, user_id: str = "user-1",
                    key: str = "checkout-1") -> str:
    start = await provider.create_subscription(
        "pro", user_id=user_id, email="ann@example.com", return_url=RETURN_URL,
        cancel_url=CANCEL_URL, idempotency_key=key)
    return start.id


async def approve(paypal: FakePayPal, subscription_id: str) -> httpx.Response:
    """What the buyer's "Agree & Subscribe" does."""
    async with httpx.AsyncClient() as client:
        return await client.post(f"{paypal.url}/__fake/subscriptions/{subscription_id}/approve")


async def control(paypal: FakePayPal, subscription_id: str, action: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{paypal.url}/__fake/subscriptions/{subscription_id}/{action}")
    response.raise_for_status()
    return response


# ---------------------------------------------------------------------------- checkout


async def test_approved_subscription_is_active_for_the_user(
        paypal: FakePayPal, provider: PayPalProvider) -> None:
    start = await provider.create_subscription(
        "pro", user_id="user-42", email="ann@example.com", return_url=RETURN_URL,
        cancel_url=CANCEL_URL, idempotency_key="checkout-42")
    assert start.id.startswith("I-")
    pending = await provider.fetch_subscription(start.id)
    assert pending.status == INCOMPLETE
    assert pending.user_id == "user-42"
    assert pending.current_period_end is None

    async with httpx.AsyncClient() as browser:
        page = await browser.get(start.url)
    assert page.status_code == 200
    assert "Agree &amp; Subscribe" in page.text

    redirect = await approve(paypal, start.id)
    assert redirect.status_code == 303
    location = redirect.headers["location"]
    assert location.startswith(RETURN_URL + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["subscription_id"] == [start.id]
    assert query["ba_token"] == [parse_qs(urlsplit(start.url).query)["ba_token"][0]]

    snapshot = await provider.fetch_subscription(start.id)
    assert snapshot.provider == "paypal"
    assert snapshot.status == ACTIVE
    assert snapshot.user_id == "user-42"
    assert snapshot.price_id == PRO_PLAN
    assert snapshot.customer_id
    assert snapshot.amount == Decimal("9.00")
    assert snapshot.currency == "USD"
    assert snapshot.current_period_start is not None
    assert snapshot.current_period_end is not None
    assert snapshot.current_period_end > snapshot.current_period_start
    assert snapshot.cancel_at_period_end is False
    assert snapshot.canceled_at is None


async def test_create_sends_paypal_request_id_and_asks_for_the_representation(
        paypal: FakePayPal, provider: PayPalProvider) -> None:
    await subscribe(provider, key="checkout-headers")
    (request,) = paypal.requests_to("/v1/billing/subscriptions", "POST")
    assert request.headers["paypal-request-id"] == "checkout-headers"
    assert request.headers["prefer"] == "return=representation"
    sent = json.loads(request.body)
    assert sent["custom_id"] == "user-1"
    assert sent["subscriber"] == {"email_address": "ann@example.com"}
    assert sent["application_context"] == {
        "return_url": RETURN_URL, "cancel_url": CANCEL_URL, "user_action": "SUBSCRIBE_NOW",
        "shipping_preference": "NO_SHIPPING"}


async def test_repeated_create_with_the_same_key_returns_the_same_subscription(
        provider: PayPalProvider) -> None:
    first = await subscribe(provider, key="checkout-once")
    again = await subscribe(provider, key="checkout-once")
    other = await subscribe(provider, key="checkout-twice")
    assert again == first
    assert other != first


# ---------------------------------------------------------------------------- lifecycle


async def test_cancel_now_cancels_and_a_retry_is_harmless(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    subscription_id = await subscribe(provider)
    await approve(paypal, subscription_id)

    await provider.cancel_now(subscription_id, "cancel-1")
    snapshot = await provider.fetch_subscription(subscription_id)
    assert snapshot.status == CANCELED
    assert snapshot.canceled_at is not None
    assert snapshot.current_period_end is None
    assert len(receiver.of_type("BILLING.SUBSCRIPTION.CANCELLED")) == 1

    await provider.cancel_now(subscription_id, "cancel-2")  # PayPal answers 422; already done
    (request,) = [r for r in paypal.requests_to(
        f"/v1/billing/subscriptions/{subscription_id}/cancel") if r.status == 204]
    assert json.loads(request.body)["reason"]


async def test_cancelling_a_subscription_never_approved_is_an_error(
        provider: PayPalProvider) -> None:
    subscription_id = await subscribe(provider)
    with pytest.raises(PayPalError) as caught:
        await provider.cancel_now(subscription_id, "cancel-pending")
    assert caught.value.status == 422
    assert caught.value.issues == ("SUBSCRIPTION_STATUS_INVALID",)


async def test_cancel_at_period_end_is_unsupported(
        paypal: FakePayPal, provider: PayPalProvider) -> None:
    subscription_id = await subscribe(provider)
    await approve(paypal, subscription_id)
    with pytest.raises(ProviderError) as caught:
        await provider.cancel_at_period_end(subscription_id, True, "period-end")
    assert caught.value.code == "unsupported"
    assert not caught.value.transient
    kept = await provider.cancel_at_period_end(subscription_id, False, "resume")
    assert kept.status == ACTIVE


async def test_plan_change_needs_the_buyers_approval(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    subscription_id = await subscribe(provider)
    await approve(paypal, subscription_id)

    start = await provider.change_plan(subscription_id, "premium", "revise-1",
                                       return_url=RETURN_URL, cancel_url=CANCEL_URL)
    assert start is not None
    assert start.id == subscription_id
    assert (await provider.fetch_subscription(subscription_id)).price_id == PRO_PLAN

    redirect = await approve(paypal, subscription_id)
    assert redirect.headers["location"].startswith(RETURN_URL)
    assert (await provider.fetch_subscription(subscription_id)).price_id == PREMIUM_PLAN
    assert len(receiver.of_type("BILLING.SUBSCRIPTION.UPDATED")) == 1


async def test_plan_change_without_approval_applies_at_once(
        paypal: FakePayPal, provider: PayPalProvider) -> None:
    paypal.revise_requires_approval = False
    subscription_id = await subscribe(provider)
    await approve(paypal, subscription_id)
    assert await provider.change_plan(subscription_id, "premium", "revise-2") is None
    assert (await provider.fetch_subscription(subscription_id)).price_id == PREMIUM_PLAN


async def test_failed_payment_is_past_due_renewal_moves_the_period_and_expiry_cancels(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    subscription_id = await subscribe(provider)
    await approve(paypal, subscription_id)
    first = await provider.fetch_subscription(subscription_id)

    await control(paypal, subscription_id, "renew")
    renewed = await provider.fetch_subscription(subscription_id)
    assert renewed.current_period_start == first.current_period_end
    assert renewed.current_period_end is not None and first.current_period_end is not None
    assert renewed.current_period_end > first.current_period_end
    assert len(receiver.of_type("PAYMENT.SALE.COMPLETED")) == 2

    await control(paypal, subscription_id, "fail_payment")
    assert (await provider.fetch_subscription(subscription_id)).status == PAST_DUE
    assert len(receiver.of_type("BILLING.SUBSCRIPTION.PAYMENT.FAILED")) == 1

    await control(paypal, subscription_id, "expire")
    expired = await provider.fetch_subscription(subscription_id)
    assert expired.status == CANCELED
    assert expired.canceled_at is not None
    assert len(receiver.of_type("BILLING.SUBSCRIPTION.EXPIRED")) == 1


# ---------------------------------------------------------------------------- webhooks


async def test_delivered_events_verify(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    subscription_id = await subscribe(provider, user_id="user-7")
    await approve(paypal, subscription_id)

    ((activated_body, activated_headers),) = receiver.of_type("BILLING.SUBSCRIPTION.ACTIVATED")
    event = await provider.verify_webhook(activated_body, activated_headers)
    assert event.provider == "paypal"
    assert event.id.startswith("WH-")
    assert event.type == "BILLING.SUBSCRIPTION.ACTIVATED"
    assert event.created.tzinfo is not None
    assert event.object["id"] == subscription_id
    assert event.object["custom_id"] == "user-7"

    ((sale_body, sale_headers),) = receiver.of_type("PAYMENT.SALE.COMPLETED")
    sale = await provider.verify_webhook(sale_body, sale_headers)
    assert sale.object["billing_agreement_id"] == subscription_id

    # Header names as PayPal sends them (upper case) verify the same way.
    delivery = paypal.deliveries()[-1]
    assert "PAYPAL-TRANSMISSION-SIG" in delivery.headers
    verified = await provider.verify_webhook(delivery.body, delivery.headers)
    assert verified.id == delivery.event["id"]


async def test_the_delivered_bytes_are_sent_for_verification_unchanged(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    await approve(paypal, await subscribe(provider))
    body, headers = receiver.received[-1]
    await provider.verify_webhook(body, headers)
    request = paypal.requests_to(VERIFY)[-1]
    assert body in request.body
    sent = json.loads(request.body)
    assert sent["webhook_id"] == WEBHOOK_ID
    assert sent["transmission_sig"] == headers["paypal-transmission-sig"]
    assert sent["webhook_event"] == json.loads(body)


async def test_reserialised_body_does_not_verify(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    await approve(paypal, await subscribe(provider))
    body, headers = receiver.received[-1]
    same_json_other_bytes = json.dumps(json.loads(body)).encode()
    with pytest.raises(InvalidWebhook):
        await provider.verify_webhook(same_json_other_bytes, headers)


async def test_tampered_body_is_an_invalid_webhook(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    await approve(paypal, await subscribe(provider))
    event = paypal.events()[-1]
    assert paypal.deliver(event, tamper=True).status_code == 200
    body, headers = receiver.received[-1]
    assert b"(tampered)" in body
    with pytest.raises(InvalidWebhook):
        await provider.verify_webhook(body, headers)


async def test_event_for_another_webhook_id_is_invalid(
        paypal: FakePayPal, receiver: Receiver) -> None:
    other = make_provider(paypal, webhook_id="8PT597110X687430LKGECATA")
    try:
        await approve(paypal, await subscribe(other))
        body, headers = receiver.received[-1]
        with pytest.raises(InvalidWebhook):
            await other.verify_webhook(body, headers)
    finally:
        await other.aclose()


async def test_delivery_without_paypal_headers_is_invalid_without_asking_paypal(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    await approve(paypal, await subscribe(provider))
    body, headers = receiver.received[-1]
    without_signature = {k: v for k, v in headers.items() if k != "paypal-transmission-sig"}
    with pytest.raises(InvalidWebhook, match="paypal-transmission-sig"):
        await provider.verify_webhook(body, without_signature)
    with pytest.raises(InvalidWebhook):
        await provider.verify_webhook(b"not json", headers)
    assert paypal.requests_to(VERIFY) == []


async def test_verification_outage_is_transient(
        paypal: FakePayPal, provider: PayPalProvider, receiver: Receiver) -> None:
    await approve(paypal, await subscribe(provider))
    body, headers = receiver.received[-1]
    paypal.fail_next(1, 503)
    with pytest.raises(ProviderError) as caught:
        await provider.verify_webhook(body, headers)
    assert caught.value.transient
    assert not isinstance(caught.value, InvalidWebhook)


# ---------------------------------------------------------------------------- tokens and errors


async def test_token_is_cached_and_renewed_after_a_401(
        paypal: FakePayPal, provider: PayPalProvider) -> None:
    subscription_id = await subscribe(provider)
    await provider.fetch_subscription(subscription_id)
    await provider.fetch_subscription(subscription_id)
    assert len(paypal.requests_to("/v1/oauth2/token")) == 1
    (token_request,) = paypal.requests_to("/v1/oauth2/token")
    assert token_request.headers["authorization"].startswith("Basic ")
    assert token_request.body == b"grant_type=client_credentials"

    paypal.expire_tokens()
    snapshot = await provider.fetch_subscription(subscription_id)
    assert snapshot.subscription_id == subscription_id
    assert len(paypal.requests_to("/v1/oauth2/token")) == 2
    path = f"/v1/billing/subscriptions/{subscription_id}"
    statuses = [r.status for r in paypal.requests_to(path)]
    assert statuses == [200, 200, 401, 200]


async def test_token_is_renewed_shortly_before_it_expires(receiver: Receiver) -> None:
    with FakePayPal(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_ttl=2) as paypal:
        paypal.add_plan(PRO_PLAN, "9.00")
        provider = make_provider(paypal)
        try:
            await subscribe(provider)
            await asyncio.sleep(1.9)  # the token still has 0.1 s, too little to send it out
            await subscribe(provider, key="checkout-2")
        finally:
            await provider.aclose()
        assert len(paypal.requests_to("/v1/oauth2/token")) == 2
        assert [r.status for r in paypal.requests_to("/v1/billing/subscriptions")] == [201, 201]


async def test_wrong_credentials_are_a_permanent_error(paypal: FakePayPal) -> None:
    provider = make_provider(paypal, client_secret="wrong")
    try:
        with pytest.raises(PayPalError) as caught:
            await provider.fetch_subscription("I-BW452GLLEP1G")
    finally:
        await provider.aclose()
    assert caught.value.status == 401
    assert caught.value.code == "invalid_client"
    assert not caught.value.transient


async def test_unknown_subscription_maps_paypals_error(provider: PayPalProvider) -> None:
    with pytest.raises(PayPalError) as caught:
        await provider.fetch_subscription("I-UNKNOWN00000")
    error = caught.value
    assert error.status == 404
    assert error.code == "RESOURCE_NOT_FOUND"
    assert error.issues == ("INVALID_RESOURCE_ID",)
    assert error.debug_id
    assert error.debug_id in str(error)
    assert not error.transient


async def test_unconfigured_plan_is_refused_before_calling_paypal(
        paypal: FakePayPal, provider: PayPalProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        await provider.create_subscription("enterprise", user_id="u", email=None,
                                           return_url=RETURN_URL, cancel_url=CANCEL_URL,
                                           idempotency_key="k")
    assert caught.value.code == "unknown_plan"
    assert paypal.requests_to("/v1/billing/subscriptions") == []


async def test_server_errors_and_unreachable_paypal_are_transient(
        paypal: FakePayPal, provider: PayPalProvider) -> None:
    subscription_id = await subscribe(provider)
    paypal.fail_next(1, 500)
    with pytest.raises(PayPalError) as caught:
        await provider.fetch_subscription(subscription_id)
    assert caught.value.transient
    assert caught.value.status == 500

    gone = make_provider(paypal, base_url="http://127.0.0.1:9", timeout=2.0)
    try:
        with pytest.raises(ProviderError) as unreachable:
            await gone.fetch_subscription(subscription_id)
    finally:
        await gone.aclose()
    assert unreachable.value.transient
