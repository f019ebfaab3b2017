"""Stripe webhooks against the fake Stripe: signatures, redelivery, reordering, lifecycle."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import pytest

from career.billing.v1 import billing_pb2, events_pb2

PRO, PREMIUM, FREE = events_pb2.PLAN_PRO, events_pb2.PLAN_PREMIUM, events_pb2.PLAN_FREE


async def deliver(billing, event: dict, **options) -> httpx.Response:
    """Send one event as the fake Stripe would (off the loop: the receiver runs on it)."""
    billing.stripe.set_webhook_url(billing.webhook_url)
    return await asyncio.to_thread(billing.stripe.deliver, event, **options)


async def _subscription_row(billing, user_id: str):
    rows = await billing.rows(
        "SELECT plan, status, cancel_at_period_end, provider_subscription_id "
        "FROM subscriptions WHERE user_id = :u", u=uuid.UUID(user_id))
    assert len(rows) == 1
    return rows[0]


async def _latest_update(billing, user_id: str) -> events_pb2.SubscriptionUpdated:
    updates = [u for u in await billing.published("subscription.updated",
                                                  events_pb2.SubscriptionUpdated)
               if u.user_id == user_id]
    return max(updates, key=lambda u: u.version)


async def test_a_subscription_paid_before_billing_hears_of_its_user_is_announced_later(
        billing):
    """The webhooks can beat auth's user.registered to billing: the confirmation waits for
    the user's contact, then goes once, however often user.registered is redelivered."""
    user = str(uuid.uuid4())   # no user.registered yet
    await billing.subscribe(user)
    await billing.webhooks_settled()
    assert await billing.published("subscription.started", events_pb2.SubscriptionStarted) == []
    for _ in range(2):
        async with billing.db.transaction() as session:
            await billing.domain.remember_user(session, user_id=user, email="late@example.com",
                                               name="Late", language="en")
    started = await billing.published("subscription.started", events_pb2.SubscriptionStarted)
    assert [(s.user_id, s.plan, s.recipient.email) for s in started] == [
        (user, PRO, "late@example.com")]
    assert started[0].price.units == 29


async def test_checkout_completed_provisions_the_plan_once_whatever_the_order(billing):
    user = await billing.new_user("ada@example.com")
    sub_id = await billing.subscribe(user, shuffle=True, duplicate=True)
    await billing.webhooks_settled()

    plan, status, cancelling, _ = await _subscription_row(billing, user)
    assert (plan, status, cancelling) == ("pro", "active", False)
    latest = await _latest_update(billing, user)
    assert (latest.plan, latest.status) == (PRO, events_pb2.SUBSCRIPTION_STATUS_ACTIVE)
    started = await billing.published("subscription.started", events_pb2.SubscriptionStarted)
    assert [(s.user_id, s.plan, s.recipient.email) for s in started] == [
        (user, PRO, "ada@example.com")]
    assert started[0].price.units == 29 and started[0].price.nanos == 990_000_000
    paid = await billing.published("payment.succeeded", events_pb2.PaymentSucceeded)
    assert len(paid) == 1 and paid[0].amount.units == 29
    # Every delivery was recorded once, the duplicate acknowledged as such.
    delivered = await billing.rows("SELECT count(*), count(DISTINCT event_id) FROM "
                                   "webhook_events")
    assert delivered[0][0] == delivered[0][1] == len({e["id"] for e in billing.stripe.events()})
    invoices = await billing.call("ListInvoices", billing_pb2.ListInvoicesRequest(),
                                  as_user=user)
    assert [i.status for i in invoices.invoices] == ["paid"]
    assert invoices.invoices[0].hosted_invoice_url.startswith("http")
    sub = await billing.call("GetSubscription", billing_pb2.GetSubscriptionRequest(),
                             as_user=user)
    assert sub.plan == PRO and sub.provider == billing_pb2.PAYMENT_PROVIDER_STRIPE
    assert sub_id


async def test_one_event_delivered_ten_times_changes_state_once(billing):
    user = await billing.new_user()
    await billing.subscribe(user)
    await billing.webhooks_settled()
    await billing.call("CancelSubscription", billing_pb2.CancelSubscriptionRequest(),
                       as_user=user)
    await billing.webhooks_settled()
    event = next(e for e in reversed(billing.stripe.events())
                 if e["type"] == "customer.subscription.updated")
    outbox_before = await billing.rows("SELECT count(*) FROM event_outbox")

    outcomes = [(await deliver(billing, event)).json()["outcome"] for _ in range(10)]

    assert outcomes == ["duplicate"] * 10   # the fake delivered it once already
    assert await billing.rows("SELECT count(*) FROM event_outbox") == outbox_before
    assert await billing.rows("SELECT count(*) FROM webhook_events WHERE event_id = :e",
                              e=event["id"]) == [(1,)]


async def test_events_in_reverse_order_end_in_the_final_state(billing):
    user = await billing.new_user()
    billing.stripe.set_webhook_url(None)           # hold deliveries; we send them ourselves
    session_id = await billing.checkout(user)
    billing.stripe.complete_checkout(session_id)
    sub_id = next(e["data"]["object"]["id"] for e in billing.stripe.events()
                  if e["type"] == "customer.subscription.created")
    billing.stripe.fail_payment(sub_id)
    billing.stripe.end_subscription(sub_id)

    statuses = [(await deliver(billing, e)).status_code
                for e in reversed(billing.stripe.events())]

    assert set(statuses) == {200}
    _, status, _, _ = await _subscription_row(billing, user)
    assert status == "canceled"
    latest = await _latest_update(billing, user)
    assert latest.plan == FREE
    ent = await billing.call("GetEntitlements", billing_pb2.GetEntitlementsRequest(user_id=user))
    assert ent.plan == FREE


@pytest.mark.parametrize("tamper", ["signature", "stale", "future", "missing", "body"])
async def test_unverifiable_deliveries_get_400_and_change_nothing(billing, tamper):
    user = await billing.new_user()
    billing.stripe.set_webhook_url(None)
    session_id = await billing.checkout(user)
    billing.stripe.complete_checkout(session_id)
    event = next(e for e in billing.stripe.events()
                 if e["type"] == "checkout.session.completed")
    body = json.dumps(event).encode()
    now = int(time.time())
    headers = {"Content-Type": "application/json"}
    if tamper == "signature":
        headers["Stripe-Signature"] = f"t={now},v1={'0' * 64}"
    elif tamper == "stale":
        headers["Stripe-Signature"] = billing.stripe.sign(body, timestamp=now - 301)
    elif tamper == "future":
        headers["Stripe-Signature"] = billing.stripe.sign(body, timestamp=now + 600)
    elif tamper == "body":
        headers["Stripe-Signature"] = billing.stripe.sign(body, timestamp=now)
        body = body.replace(b'"paid"', b'"unpaid"', 1)

    answer = await asyncio.to_thread(httpx.post, billing.webhook_url, content=body,
                                     headers=headers)

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["instance"] == "/webhooks/stripe" and problem["request_id"]
    assert await billing.rows("SELECT count(*) FROM webhook_events") == [(0,)]
    assert await billing.rows("SELECT count(*) FROM subscriptions") == [(0,)]


async def test_a_fresh_signature_within_tolerance_is_accepted(billing):
    user = await billing.new_user()
    billing.stripe.set_webhook_url(None)
    session_id = await billing.checkout(user)
    billing.stripe.complete_checkout(session_id)
    event = next(e for e in billing.stripe.events()
                 if e["type"] == "checkout.session.completed")
    answer = await deliver(billing, event, timestamp=int(time.time()) - 290)
    assert answer.status_code == 200
    plan, status, _, _ = await _subscription_row(billing, user)
    assert (plan, status) == ("pro", "active")


async def test_unknown_event_types_are_acknowledged_and_recorded(billing):
    event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "charge.refunded",
             "created": int(time.time()), "api_version": "2026-10-28.endive",
             "livemode": False, "data": {"object": {"id": "ch_1", "object": "charge"}}}
    answer = await deliver(billing, event)
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"
    assert await billing.rows("SELECT type, outcome FROM webhook_events") == [
        ("charge.refunded", "ignored")]


async def test_per_event_alias_paths_are_the_same_endpoint(billing):
    event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "ping.test",
             "created": int(time.time()), "data": {"object": {}}}
    body = json.dumps(event).encode()
    answer = await asyncio.to_thread(
        httpx.post, billing.webhook_url + "/checkout-completed", content=body,
        headers={"Stripe-Signature": billing.stripe.sign(body)})
    assert answer.status_code == 200


async def test_payment_failure_makes_the_subscription_past_due_and_tells_it(billing):
    user = await billing.new_user("bob@example.com")
    sub_id = await billing.subscribe(user)
    await billing.webhooks_settled()
    billing.stripe.fail_payment(sub_id)

    async def past_due() -> bool:
        return (await _subscription_row(billing, user))[1] == "past_due"

    await billing.wait_for(past_due)
    await billing.webhooks_settled()
    failed = await billing.published("payment.failed", events_pb2.PaymentFailed)
    assert [(f.user_id, f.recipient.email) for f in failed] == [(user, "bob@example.com")]
    assert failed[0].hosted_invoice_url and failed[0].amount.units == 29
    # Past due keeps the plan while Stripe retries.
    latest = await _latest_update(billing, user)
    assert (latest.plan, latest.status) == (PRO, events_pb2.SUBSCRIPTION_STATUS_PAST_DUE)
    assert latest.entitled_plan == PRO
    payments = await billing.call("ListPayments", billing_pb2.ListPaymentsRequest(),
                                  as_user=user)
    assert sorted(p.status for p in payments.payments) == ["failed", "succeeded"]


async def test_subscription_deleted_returns_the_user_to_free(billing):
    user = await billing.new_user()
    sub_id = await billing.subscribe(user)
    await billing.webhooks_settled()
    billing.stripe.end_subscription(sub_id)

    async def canceled() -> bool:
        return (await _subscription_row(billing, user))[1] == "canceled"

    await billing.wait_for(canceled)
    await billing.webhooks_settled()
    latest = await _latest_update(billing, user)
    assert latest.plan == FREE
    cancelled = await billing.published("subscription.cancelled",
                                        events_pb2.SubscriptionCancelled)
    assert [(c.user_id, c.at_period_end) for c in cancelled] == [(user, False)]
    sub = await billing.call("GetSubscription", billing_pb2.GetSubscriptionRequest(),
                             as_user=user)
    assert sub.plan == FREE and sub.status == events_pb2.SUBSCRIPTION_STATUS_CANCELED


async def test_a_delivery_keeps_the_gateways_request_id_in_its_events(billing):
    user = await billing.new_user()
    billing.stripe.set_webhook_url(None)
    session_id = await billing.checkout(user)
    billing.stripe.complete_checkout(session_id)
    event = next(e for e in billing.stripe.events()
                 if e["type"] == "checkout.session.completed")
    body = json.dumps(event).encode()
    request_id = f"req-{uuid.uuid4().hex}"
    answer = await asyncio.to_thread(
        httpx.post, billing.webhook_url, content=body,
        headers={"Stripe-Signature": billing.stripe.sign(body), "X-Request-ID": request_id})
    assert answer.status_code == 200
    ids = await billing.rows("SELECT DISTINCT headers ->> 'ce-correlationid' FROM event_outbox "
                             "WHERE event_type LIKE 'subscription.%'")
    assert ids == [(request_id,)]


async def test_subscription_updated_names_the_plan_the_user_is_entitled_to(billing):
    # Paid: the plan.
    paying = await billing.new_user()
    sub_id = await billing.subscribe(paying)
    await billing.webhooks_settled()
    active = await _latest_update(billing, paying)
    assert (active.status, active.entitled_plan) == (events_pb2.SUBSCRIPTION_STATUS_ACTIVE, PRO)

    # Ended: free.
    billing.stripe.end_subscription(sub_id)

    async def canceled() -> bool:
        return (await _subscription_row(billing, paying))[1] == "canceled"

    await billing.wait_for(canceled)
    await billing.webhooks_settled()
    ended = await _latest_update(billing, paying)
    assert (ended.status, ended.entitled_plan) == (events_pb2.SUBSCRIPTION_STATUS_CANCELED, FREE)

    # The first payment failed: the subscription is live but not paid for, so free.
    unpaid = await billing.new_user()
    session_id = await billing.checkout(unpaid)
    billing.stripe.complete_checkout(session_id, payment_fails=True)

    async def incomplete() -> bool:
        rows = await billing.rows("SELECT status FROM subscriptions WHERE user_id = :u",
                                  u=uuid.UUID(unpaid))
        return rows == [("incomplete",)]

    await billing.wait_for(incomplete)
    await billing.webhooks_settled()
    pending = await _latest_update(billing, unpaid)
    assert (pending.status, pending.entitled_plan) == (
        events_pb2.SUBSCRIPTION_STATUS_INCOMPLETE, FREE)
    ent = await billing.call("GetEntitlements",
                             billing_pb2.GetEntitlementsRequest(user_id=unpaid))
    assert ent.plan == FREE
