"""The fake Stripe, driven through the real `stripe` SDK (sync and async over httpx), with its
webhooks received by a real HTTP endpoint and verified by the SDK's own signature check."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devstack.fakes.serving import ThreadedApp
from devstack.fakes.stripe import API_VERSION, Delivery, FakeStripe, decode_params

SECRET_KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_test"
PRICES = {
    "price_pro_monthly": {"product": "prod_pro", "unit_amount": 1900},
    "price_team_monthly": {"product": "prod_team", "unit_amount": 4900},
    "price_pro_yearly": {"product": "prod_pro", "unit_amount": 19000, "interval": "year"},
    "price_cv_review": {"product": "prod_cv_review", "unit_amount": 2500, "interval": None},
}
SUBSCRIBED = ["customer.created", "checkout.session.completed", "customer.subscription.created",
              "invoice.paid", "invoice.payment_succeeded"]


class WebhookReceiver:
    """A real HTTP endpoint that keeps every delivery and answers the statuses it is told to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[tuple[bytes, dict[str, str]]] = []
        self.statuses: list[int] = []  # answers for the next deliveries; then 200
        self._http = ThreadedApp(Starlette(routes=[Route("/hook", self._hook, methods=["POST"])]),
                                 "webhook-receiver")

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self._received.append((body, dict(request.headers)))
            status = self.statuses.pop(0) if self.statuses else 200
        return Response(status_code=status)

    @property
    def url(self) -> str:
        return f"{self._http.url}/hook"

    def received(self) -> list[tuple[bytes, dict[str, str]]]:
        with self._lock:
            return list(self._received)

    def verified(self) -> list[stripe.Event]:
        """Every delivery, checked as the billing service checks it."""
        return [stripe.Webhook.construct_event(body, headers["stripe-signature"], WEBHOOK_SECRET)
                for body, headers in self.received()]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    hook._http.start()
    yield hook
    hook._http.stop()


@pytest.fixture
def fake(receiver: WebhookReceiver) -> Iterator[FakeStripe]:
    with FakeStripe(webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET, prices=PRICES,
                    webhook_backoff=0.02, seed=7) as running:
        yield running


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": fake.url},
                               http_client=stripe.HTTPXClient(allow_sync_methods=True))


def checkout(client: stripe.StripeClient, price: str = "price_pro_monthly",
             **extra: Any) -> stripe.checkout.Session:
    mode = "payment" if PRICES[price].get("interval", "month") is None else "subscription"
    params: dict[str, Any] = {
        "mode": mode, "line_items": [{"price": price, "quantity": 1}],
        "success_url": "https://app.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example.com/pricing", "client_reference_id": "user_42",
        "customer_email": "ann@example.com", **extra}
    if mode == "subscription":
        params.setdefault("subscription_data", {"metadata": {"user_id": "42"}})
    return client.v1.checkout.sessions.create(params=params)


def subscribe(client: stripe.StripeClient, fake: FakeStripe,
              price: str = "price_pro_monthly") -> str:
    """A paid subscription (deliveries done); returns its id."""
    session = fake.complete_checkout(checkout(client, price).id)
    fake.wait_for_deliveries()
    return session["subscription"]


async def test_checkout_session_has_the_contract_shape_and_a_fake_checkout_url(fake):
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": fake.url},
                                 http_client=stripe.HTTPXClient())
    customer = await client.v1.customers.create_async(
        params={"email": "ann@example.com", "metadata": {"user_id": "42"}},
        options={"idempotency_key": "customer-42"})
    session = await client.v1.checkout.sessions.create_async(params={
        "mode": "subscription", "customer": customer.id, "client_reference_id": "user_42",
        "line_items": [{"price": "price_pro_monthly", "quantity": 1}],
        "success_url": "https://app.example.com/ok?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example.com/pricing", "metadata": {"purchase": "pro"},
        "subscription_data": {"metadata": {"user_id": "42"}}},
        options={"idempotency_key": "checkout-1"})

    assert customer.id.startswith("cus_") and customer.metadata.to_dict() == {"user_id": "42"}
    assert session.id.startswith("cs_test_")
    assert session.url == f"{fake.url}/checkout/{session.id}"
    assert (session.object, session.status, session.payment_status) == (
        "checkout.session", "open", "unpaid")
    assert session.customer == customer.id and session.customer_email is None
    assert session.client_reference_id == "user_42"
    assert session.success_url.endswith("session_id={CHECKOUT_SESSION_ID}")
    assert session.expires_at == session.created + 24 * 3600
    assert (session.subscription, session.invoice, session.livemode) == (None, None, False)
    assert session.amount_total == 1900 and session.currency == "usd"
    again = await client.v1.checkout.sessions.retrieve_async(session.id,
                                                             params={"expand": ["line_items"]})
    assert again.line_items.data[0].price.id == "price_pro_monthly"


def test_completed_checkout_delivers_signed_events_the_sdk_verifies(fake, client, receiver):
    session = checkout(client)
    fake.complete_checkout(session.id)
    fake.wait_for_deliveries()

    events = receiver.verified()
    assert [e.type for e in events] == SUBSCRIBED
    assert [e["id"] for e in fake.events()] == [e.id for e in events]
    for event, (_, headers) in zip(events, receiver.received(), strict=True):
        assert headers["content-type"] == "application/json; charset=utf-8"
        assert event.api_version == API_VERSION and event.livemode is False
        assert event.id.startswith("evt_") and event.object == "event"
    by_type = {e.type: e.data.object for e in events}
    completed = by_type["checkout.session.completed"]
    assert (completed.status, completed.payment_status) == ("complete", "paid")
    assert completed.client_reference_id == "user_42"
    assert completed.customer == by_type["customer.created"].id
    assert completed.customer_details.email == "ann@example.com"
    sub = by_type["customer.subscription.created"]
    assert completed.subscription == sub.id and completed.invoice == by_type["invoice.paid"].id
    assert sub.status == "active" and sub.metadata.to_dict() == {"user_id": "42"}
    item = sub["items"].data[0]
    assert item.price.id == "price_pro_monthly" and item.price.recurring.interval == "month"
    assert 28 * 86400 <= item.current_period_end - item.current_period_start <= 31 * 86400
    invoice = by_type["invoice.paid"]
    assert (invoice.status, invoice.billing_reason, invoice.amount_paid) == (
        "paid", "subscription_create", 1900)
    assert fake.deliveries() == [Delivery(e.id, e.type, 200) for e in events]


def test_same_idempotency_key_replays_and_other_params_conflict(fake, client):
    params = {"email": "ann@example.com", "metadata": {"user_id": "42"}}
    first = client.v1.customers.create(params=params, options={"idempotency_key": "k-1"})
    second = client.v1.customers.create(params=params, options={"idempotency_key": "k-1"})
    assert first.id == second.id
    assert len(fake.events("customer.created")) == 1

    raw = httpx.post(f"{fake.url}/v1/customers", data={"email": "ann@example.com",
                                                       "metadata[user_id]": "42"},
                     headers={"Authorization": f"Bearer {SECRET_KEY}", "Idempotency-Key": "k-1"})
    assert raw.status_code == 200 and raw.json()["id"] == first.id
    assert raw.headers["Idempotent-Replayed"] == "true"
    assert raw.headers["Request-Id"].startswith("req_")

    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(params={"email": "bob@example.com"},
                                   options={"idempotency_key": "k-1"})


def test_json_body_and_wrong_key_are_refused(fake):
    auth = {"Authorization": f"Bearer {SECRET_KEY}"}
    response = httpx.post(f"{fake.url}/v1/customers", json={"email": "a@example.com"},
                          headers=auth)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.headers["Request-Id"].startswith("req_")

    missing = httpx.get(f"{fake.url}/v1/customers/cus_x")
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "invalid_request_error"
    wrong = stripe.StripeClient("sk_test_wrong", base_addresses={"api": fake.url},
                                http_client=stripe.HTTPXClient(allow_sync_methods=True))
    with pytest.raises(stripe.AuthenticationError):
        wrong.v1.customers.create(params={"email": "a@example.com"})

    old = httpx.get(f"{fake.url}/v1/events", headers=auth | {"Stripe-Version": "2024-06-20"})
    assert old.status_code == 400


def test_unknown_id_surfaces_as_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.retrieve("cus_x")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing" and caught.value.param == "id"
    assert caught.value.json_body == {"error": {
        "type": "invalid_request_error", "code": "resource_missing", "param": "id",
        "message": "No such customer: 'cus_x'",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
        "request_log_url": caught.value.json_body["error"]["request_log_url"]}}
    for call in (lambda: client.v1.subscriptions.retrieve("sub_x"),
                 lambda: client.v1.invoices.retrieve("in_x"),
                 lambda: client.v1.events.retrieve("evt_x")):
        with pytest.raises(stripe.InvalidRequestError, match="No such"):
            call()


def test_checkout_refuses_prices_that_do_not_fit_the_mode(client):
    cases = [
        ({"mode": "subscription", "line_items": [{"price": "price_cv_review", "quantity": 1}]},
         "line_items"),
        ({"mode": "payment", "line_items": [{"price": "price_pro_monthly", "quantity": 1}]},
         "line_items"),
        ({"mode": "subscription", "line_items": [{"price": "price_nope", "quantity": 1}]},
         "line_items[0][price]"),
        ({"line_items": [{"price": "price_pro_monthly", "quantity": 1}]}, "mode"),
        ({"mode": "subscription"}, "line_items"),
        ({"mode": "subscription", "line_items": [{"price": "price_pro_monthly", "quantity": 1}],
          "customer": "cus_gone"}, "customer"),
        ({"mode": "subscription", "line_items": [{"price": "price_pro_monthly", "quantity": 1}],
          "unheard_of": "x"}, "unheard_of"),
    ]
    for params, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as caught:
            client.v1.checkout.sessions.create(params=params)
        assert (caught.value.http_status, caught.value.param) == (400, param), params


def test_cancel_at_period_end_and_resume_emit_updates_with_previous_attributes(fake, client):
    sub_id = subscribe(client, fake)

    canceled = client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True},
                                              options={"idempotency_key": "cancel-1"})
    period_end = canceled["items"].data[0].current_period_end
    assert canceled.status == "active" and canceled.cancel_at_period_end is True
    assert canceled.cancel_at == period_end and canceled.canceled_at is not None
    assert canceled.cancellation_details.reason == "cancellation_requested"
    resumed = client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": False})
    assert (resumed.cancel_at_period_end, resumed.cancel_at, resumed.canceled_at) == (
        False, None, None)

    first, second = fake.events("customer.subscription.updated")
    assert first["data"]["previous_attributes"] == {
        "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None}}
    assert first["request"]["idempotency_key"] == "cancel-1"
    assert second["data"]["previous_attributes"]["cancel_at_period_end"] is True

    ended = fake.end_subscription(sub_id)
    assert ended["status"] == "canceled" and ended["ended_at"] is not None
    assert fake.events()[-1]["type"] == "customer.subscription.deleted"


def test_price_change_keeps_the_item_and_bills_the_proration(fake, client):
    sub_id = subscribe(client, fake)
    item_id = client.v1.subscriptions.retrieve(sub_id)["items"].data[0].id

    upgraded = client.v1.subscriptions.update(sub_id, params={
        "items": [{"id": item_id, "price": "price_team_monthly"}],
        "proration_behavior": "always_invoice"})
    item = upgraded["items"].data[0]
    assert (item.id, item.price.id, upgraded.status) == (item_id, "price_team_monthly", "active")
    assert "current_period_end" not in upgraded and "current_period_start" not in upgraded
    invoice = client.v1.invoices.retrieve(upgraded.latest_invoice)
    assert invoice.billing_reason == "subscription_update" and invoice.status == "paid"
    credit, charge = invoice.lines.data
    assert credit.amount < 0 < charge.amount and credit.parent.subscription_item_details.proration
    assert [e["type"] for e in fake.events()[-3:]] == [
        "customer.subscription.updated", "invoice.paid", "invoice.payment_succeeded"]
    previous = fake.events("customer.subscription.updated")[-1]["data"]["previous_attributes"]
    assert previous["items"]["data"][0]["price"]["id"] == "price_pro_monthly"

    # create_prorations waits for the next invoice, as on Stripe.
    client.v1.subscriptions.update(sub_id, params={
        "items": [{"id": item_id, "price": "price_pro_monthly"}],
        "proration_behavior": "create_prorations"})
    assert fake.events()[-1]["type"] == "customer.subscription.updated"
    renewal = fake.renew(sub_id)
    assert renewal["billing_reason"] == "subscription_cycle"
    assert [line["parent"]["subscription_item_details"]["proration"]
            for line in renewal["lines"]["data"]] == [True, True, False]

    yearly = client.v1.subscriptions.update(sub_id, params={
        "items": [{"id": item_id, "price": "price_pro_yearly"}]})
    item = yearly["items"].data[0]
    assert item.current_period_end - item.current_period_start >= 365 * 86400
    assert client.v1.invoices.retrieve(yearly.latest_invoice).amount_due > 0


def test_shuffled_and_duplicated_delivery_sends_every_event_once_plus_one_twin(fake, client,
                                                                               receiver):
    session = checkout(client)
    fake.complete_checkout(session.id, shuffle=True, duplicate=True)
    fake.wait_for_deliveries()

    events = receiver.verified()
    assert len(events) == len(SUBSCRIBED) + 1
    assert sorted({e.type for e in events}) == sorted(SUBSCRIBED)
    assert sorted(Counter(e.id for e in events).values()) == [1, 1, 1, 1, 2]
    assert [e["type"] for e in fake.events()] == SUBSCRIBED


def test_invoice_names_its_subscription_under_parent_only(fake, client):
    sub_id = subscribe(client, fake)
    sub = client.v1.subscriptions.retrieve(sub_id)
    invoices = client.v1.invoices.list(params={"customer": sub.customer, "subscription": sub_id,
                                               "limit": 10})
    assert invoices.object == "list" and invoices.url == "/v1/invoices"
    assert invoices.has_more is False
    [invoice] = [i.to_dict() for i in invoices.data]
    assert "subscription" not in invoice and "subscription_details" not in invoice
    assert invoice["parent"]["type"] == "subscription_details"
    assert invoice["parent"]["subscription_details"]["subscription"] == sub_id
    assert invoice["parent"]["subscription_details"]["metadata"] == {"user_id": "42"}
    for name in ("hosted_invoice_url", "invoice_pdf", "number", "status", "amount_due",
                 "amount_paid", "currency", "billing_reason", "period_start", "period_end",
                 "attempt_count", "next_payment_attempt", "customer", "created"):
        assert name in invoice, name
    assert invoice["lines"]["data"][0]["period"]["end"] == sub["items"].data[0].current_period_end
    assert "current_period_start" not in sub.to_dict()
    pdf = httpx.get(invoice["invoice_pdf"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert httpx.get(invoice["hosted_invoice_url"]).status_code == 200


def test_failed_payment_makes_the_subscription_past_due_until_a_retry_succeeds(fake, client,
                                                                               receiver):
    sub_id = subscribe(client, fake)
    period_end = client.v1.subscriptions.retrieve(sub_id)["items"].data[0].current_period_end

    failed = fake.fail_payment(sub_id)
    fake.wait_for_deliveries()
    assert (failed["status"], failed["attempt_count"], failed["amount_paid"]) == ("open", 1, 0)
    assert failed["next_payment_attempt"] > time.time()
    sub = client.v1.subscriptions.retrieve(sub_id)
    assert sub.status == "past_due" and sub.latest_invoice == failed["id"]
    assert sub["items"].data[0].current_period_start == period_end
    updated = receiver.verified()[-1]
    assert [e.type for e in receiver.verified()[-2:]] == [
        "invoice.payment_failed", "customer.subscription.updated"]
    assert updated.data.previous_attributes.status == "active"

    paid = fake.renew(sub_id)
    assert paid["id"] == failed["id"] and paid["status"] == "paid"
    assert client.v1.subscriptions.retrieve(sub_id).status == "active"


def test_webhook_delivery_is_retried_after_a_500(fake, client, receiver):
    receiver.statuses = [500, 503]
    session = checkout(client)
    fake.complete_checkout(session.id)
    fake.wait_for_deliveries()

    # A retry waits for its backoff without holding up the next event.
    first, second = (e["id"] for e in fake.events()[:2])
    assert [d.status for d in fake.deliveries() if d.event_id == first] == [500, 200]
    assert [d.status for d in fake.deliveries() if d.event_id == second] == [503, 200]
    assert sorted({e.type for e in receiver.verified()}) == sorted(SUBSCRIBED)


def test_stale_or_forged_signatures_fail_the_sdk_check(fake, client, receiver):
    fake.complete_checkout(checkout(client).id)
    fake.wait_for_deliveries()
    event = fake.events("invoice.paid")[0]
    count = len(receiver.received())

    assert fake.deliver(event, timestamp=int(time.time()) - 600).status_code == 200
    assert fake.deliver(event, signature="t=1,v1=deadbeef").status_code == 200
    stale, forged = receiver.received()[count:]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(stale[0], stale[1]["stripe-signature"], WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(forged[0], forged[1]["stripe-signature"], WEBHOOK_SECRET)
    body = json.dumps(event).encode()
    assert stripe.Webhook.construct_event(body, fake.sign(body), WEBHOOK_SECRET).id == event["id"]


def test_pay_button_completes_checkout_and_returns_to_success_url(fake, client):
    session = checkout(client)
    page = httpx.get(session.url)
    assert page.status_code == 200
    assert f'action="/__fake/checkout/{session.id}/complete"' in page.text
    assert 'href="https://app.example.com/pricing"' in page.text

    paid = httpx.post(f"{fake.url}/__fake/checkout/{session.id}/complete",
                      data={"redirect": "true"})
    assert paid.status_code == 303
    assert paid.headers["location"] == (
        f"https://app.example.com/billing/success?session_id={session.id}")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"
    again = httpx.post(f"{fake.url}/__fake/checkout/{session.id}/complete")
    assert again.status_code == 400


def test_http_controls_drive_subscriptions_and_reset(fake, client):
    session = checkout(client)
    completed = httpx.post(f"{fake.url}/__fake/checkout/{session.id}/complete",
                           json={"shuffle": True}).json()
    sub_id = completed["subscription"]
    fake.wait_for_deliveries()

    assert httpx.post(f"{fake.url}/__fake/subscriptions/{sub_id}/fail_payment").json()[
        "status"] == "open"
    assert httpx.post(f"{fake.url}/__fake/subscriptions/{sub_id}/renew").json()[
        "status"] == "paid"
    assert httpx.post(f"{fake.url}/__fake/subscriptions/{sub_id}/end").json()[
        "status"] == "canceled"
    missing = httpx.post(f"{fake.url}/__fake/subscriptions/sub_x/renew")
    assert missing.status_code == 404
    types = [e["type"] for e in httpx.get(f"{fake.url}/__fake/events").json()]
    assert types[-1] == "customer.subscription.deleted"
    assert client.v1.subscriptions.list(params={"customer": completed["customer"]}).data == []
    listed = client.v1.subscriptions.list(params={"customer": completed["customer"],
                                                  "status": "all"})
    assert [s.id for s in listed.data] == [sub_id]

    price = httpx.post(f"{fake.url}/__fake/prices", json={
        "id": "price_extra", "product": "prod_extra", "unit_amount": 500, "interval": None})
    assert price.json()["type"] == "one_time"
    assert client.v1.prices.retrieve("price_extra").unit_amount == 500
    assert httpx.post(f"{fake.url}/__fake/reset").status_code == 204
    assert fake.events() == [] and httpx.get(f"{fake.url}/__fake/events").json() == []
    assert client.v1.prices.retrieve("price_pro_monthly").id == "price_pro_monthly"


def test_deleting_a_customer_cancels_its_subscriptions(fake, client):
    sub_id = subscribe(client, fake)
    customer_id = client.v1.subscriptions.retrieve(sub_id).customer

    deleted = client.v1.customers.delete(customer_id)
    assert deleted.to_dict() == {"id": customer_id, "object": "customer", "deleted": True}
    assert client.v1.subscriptions.retrieve(sub_id).status == "canceled"
    assert [e["type"] for e in fake.events()[-2:]] == [
        "customer.subscription.deleted", "customer.deleted"]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.cancel(sub_id)
    assert caught.value.code == "resource_missing"


def test_cancel_now_ends_the_subscription_at_once(fake, client):
    sub_id = subscribe(client, fake)
    canceled = client.v1.subscriptions.cancel(sub_id)
    assert canceled.status == "canceled"
    assert canceled.canceled_at is not None and canceled.ended_at is not None
    assert fake.events()[-1]["type"] == "customer.subscription.deleted"
    with pytest.raises(stripe.InvalidRequestError, match="canceled subscription"):
        client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})


def test_portal_session_page_lets_a_customer_cancel(fake, client):
    sub_id = subscribe(client, fake)
    customer_id = client.v1.subscriptions.retrieve(sub_id).customer
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer_id, "return_url": "https://app.example.com/settings"})
    assert portal.object == "billing_portal.session" and portal.id.startswith("bps_")
    assert portal.url == f"{fake.url}/portal/{portal.id}"
    assert portal.return_url == "https://app.example.com/settings"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.billing_portal.sessions.create(params={"return_url": "https://x"})
    assert caught.value.param == "customer"

    page = httpx.get(portal.url)
    assert "Cancel plan" in page.text
    clicked = httpx.post(f"{fake.url}/portal/{portal.id}/subscriptions/{sub_id}/cancel")
    assert clicked.status_code == 303
    assert client.v1.subscriptions.retrieve(sub_id).cancel_at_period_end is True


def test_payment_mode_checkout_completes_paid(fake, client, receiver):
    session = checkout(client, "price_cv_review", metadata={"purchase": "cv_review"})
    assert session.mode == "payment"
    fake.complete_checkout(session.id)
    fake.wait_for_deliveries()
    [event] = receiver.verified()
    completed = event.data.object
    assert event.type == "checkout.session.completed"
    assert (completed.payment_status, completed.amount_total, completed.currency) == (
        "paid", 2500, "usd")
    assert completed.metadata.to_dict() == {"purchase": "cv_review"}


def test_events_api_lists_newest_first_and_filters_by_type(fake, client):
    subscribe(client, fake)
    listed = client.v1.events.list(params={"limit": 2})
    assert [e.type for e in listed.data] == ["invoice.payment_succeeded", "invoice.paid"]
    assert listed.has_more is True
    assert [e.type for e in client.v1.events.list(params={"type": "customer.*"}).data] == [
        "customer.subscription.created", "customer.created"]
    every = [e.id for e in client.v1.events.list(params={"limit": 2}).auto_paging_iter()]
    assert every == [e["id"] for e in reversed(fake.events())]



def test_held_request_is_answered_on_release_while_others_pass(fake, client):
    sub_id = subscribe(client, fake)
    customer_id = fake.lookup(sub_id)["customer"]
    held = fake.hold("/v1/subscriptions/")
    answers: list[Any] = []
    reader = threading.Thread(
        target=lambda: answers.append(client.v1.subscriptions.retrieve(sub_id)))
    reader.start()
    try:
        assert held.wait(timeout=5) == [f"/v1/subscriptions/{sub_id}"]
        # The fake's event loop is free: other requests, and other methods on the held path,
        # are answered while the GET waits.
        assert client.v1.customers.retrieve(customer_id).id == customer_id
        client.v1.subscriptions.update(sub_id, params={"metadata": {"seen": "while held"}})
        reader.join(0.2)
        assert reader.is_alive() and answers == []
    finally:
        fake.release()
        reader.join(5)

    # Answered with the state at release time, and recorded like any request.
    assert [a.id for a in answers] == [sub_id]
    assert answers[0].metadata.to_dict() == {"user_id": "42", "seen": "while held"}
    assert held.released
    assert [r.path for r in fake.requests()][-1] == f"/v1/subscriptions/{sub_id}"
    # Released means released: the next read passes at once.
    assert client.v1.subscriptions.retrieve(sub_id).id == sub_id
    assert held.paths() == [f"/v1/subscriptions/{sub_id}"]


def test_waiting_for_a_request_that_never_comes_times_out(fake):
    held = fake.hold("/v1/invoices/")
    with pytest.raises(TimeoutError):
        held.wait(timeout=0.05)
    fake.release()
    assert held.released

def test_bracket_notation_becomes_nested_data():
    assert decode_params([("line_items[0][price]", "p"), ("line_items[0][quantity]", "1"),
                          ("line_items[1][price]", "q"), ("metadata[0]", "zero"),
                          ("expand[]", "a"), ("expand[]", "b"), ("email", "")]) == {
        "line_items": [{"price": "p", "quantity": "1"}, {"price": "q"}],
        "metadata": {"0": "zero"}, "expand": ["a", "b"], "email": ""}
