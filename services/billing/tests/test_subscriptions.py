"""Managing a subscription through the RPCs: checkout rules, cancel/resume, plan changes, the
portal, one-time purchases, and erasing a deleted user."""

from __future__ import annotations

import asyncio
import uuid

import grpc

from career.billing.v1 import billing_pb2, events_pb2

PRO, PREMIUM, FREE = events_pb2.PLAN_PRO, events_pb2.PLAN_PREMIUM, events_pb2.PLAN_FREE


async def test_one_stripe_customer_per_user_even_for_concurrent_checkouts(billing):
    user = await billing.new_user("cat@example.com")
    replies = await asyncio.gather(*(billing.call(
        "CreateCheckout", billing_pb2.CreateCheckoutRequest(purchase=billing_pb2.PURCHASE_PRO),
        as_user=user) for _ in range(5)))
    assert len({r.id for r in replies}) == 5
    assert all(r.url.startswith(billing.stripe.url) for r in replies)
    customers = await billing.rows("SELECT stripe_customer_id FROM customers WHERE user_id = :u",
                                   u=uuid.UUID(user))
    sessions = [billing.stripe.lookup(r.id) for r in replies]
    assert {s["customer"] for s in sessions} == {customers[0][0]}
    assert {s["client_reference_id"] for s in sessions} == {user}
    assert all(s["success_url"].startswith("http://app.test/billing/success") for s in sessions)


async def test_the_same_idempotency_key_returns_the_same_session(billing):
    user = await billing.new_user()
    request = billing_pb2.CreateCheckoutRequest(purchase=billing_pb2.PURCHASE_PREMIUM,
                                                idempotency_key="click-1")
    first = await billing.call("CreateCheckout", request, as_user=user)
    again = await billing.call("CreateCheckout", request, as_user=user)
    assert first.id == again.id


async def test_checkout_needs_a_caller_and_a_purchase(billing):
    anonymous = await billing.error("CreateCheckout", billing_pb2.CreateCheckoutRequest(
        purchase=billing_pb2.PURCHASE_PRO))
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    # The gateway sets the caller from a verified token: one that is not a user id is not
    # signed in (the kit's rule in every service), not a bad argument.
    malformed = await billing.error("CreateCheckout", billing_pb2.CreateCheckoutRequest(
        purchase=billing_pb2.PURCHASE_PRO), as_user="not-a-uuid")
    assert malformed.code() == grpc.StatusCode.UNAUTHENTICATED
    user = await billing.new_user()
    missing = await billing.error("CreateCheckout", billing_pb2.CreateCheckoutRequest(),
                                  as_user=user)
    assert missing.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_subscriber_cannot_check_out_a_second_plan(billing):
    user = await billing.new_user()
    await billing.subscribe(user)
    error = await billing.error("CreateCheckout", billing_pb2.CreateCheckoutRequest(
        purchase=billing_pb2.PURCHASE_PREMIUM), as_user=user)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_cancel_at_period_end_then_resume(billing):
    user = await billing.new_user()
    await billing.subscribe(user)
    await billing.webhooks_settled()

    cancelled = await billing.call("CancelSubscription",
                                   billing_pb2.CancelSubscriptionRequest(), as_user=user)
    assert cancelled.cancel_at_period_end and cancelled.plan == PRO
    assert cancelled.status == events_pb2.SUBSCRIPTION_STATUS_ACTIVE
    notices = await billing.published("subscription.cancelled",
                                      events_pb2.SubscriptionCancelled)
    assert [(n.at_period_end, n.ends_at.seconds) for n in notices] == [
        (True, cancelled.current_period_end.seconds)]

    resumed = await billing.call("ResumeSubscription",
                                 billing_pb2.ResumeSubscriptionRequest(), as_user=user)
    assert not resumed.cancel_at_period_end and resumed.plan == PRO
    await billing.webhooks_settled()
    updates = [u for u in await billing.published("subscription.updated",
                                                  events_pb2.SubscriptionUpdated)]
    assert [u.cancel_at_period_end for u in sorted(updates, key=lambda u: u.version)][-2:] == [
        True, False]
    again = await billing.error("ResumeSubscription", billing_pb2.ResumeSubscriptionRequest(),
                                as_user=user)
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_upgrade_and_downgrade_are_prorated_changes_of_one_subscription(billing):
    user = await billing.new_user()
    sub_id = await billing.subscribe(user)
    await billing.webhooks_settled()

    upgraded = await billing.call("ChangePlan", billing_pb2.ChangePlanRequest(plan=PREMIUM),
                                  as_user=user)
    assert upgraded.plan == PREMIUM and upgraded.price.units == 49
    stripe_sub = billing.stripe.lookup(sub_id)
    assert stripe_sub["items"]["data"][0]["price"]["id"] == "price_premium_test"
    ent = await billing.call("GetEntitlements", billing_pb2.GetEntitlementsRequest(user_id=user))
    assert ent.plan == PREMIUM and ent.api_access

    downgraded = await billing.call("ChangePlan", billing_pb2.ChangePlanRequest(plan=PRO),
                                    as_user=user)
    assert downgraded.plan == PRO
    same = await billing.error("ChangePlan", billing_pb2.ChangePlanRequest(plan=PRO),
                               as_user=user)
    assert same.code() == grpc.StatusCode.FAILED_PRECONDITION
    to_free = await billing.error("ChangePlan", billing_pb2.ChangePlanRequest(plan=FREE),
                                  as_user=user)
    assert to_free.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await billing.rows("SELECT count(*) FROM subscriptions") == [(1,)]


async def test_portal_session_for_the_callers_customer(billing):
    user = await billing.new_user()
    reply = await billing.call("CreatePortalSession", billing_pb2.CreatePortalSessionRequest(),
                               as_user=user)
    assert reply.url.startswith(billing.stripe.url)


async def test_a_credit_pack_is_a_one_time_payment_that_grants_credits(billing):
    user = await billing.new_user()
    session_id = await billing.checkout(user, billing_pb2.PURCHASE_CV_REVIEW_PACK)
    assert billing.stripe.lookup(session_id)["mode"] == "payment"
    billing.stripe.complete_checkout(session_id, duplicate=True)

    async def credits() -> int:
        ent = await billing.call("GetEntitlements",
                                 billing_pb2.GetEntitlementsRequest(user_id=user))
        return next(x.limit for x in ent.limits if x.feature == billing_pb2.FEATURE_CV_REVIEWS)

    assert await billing.wait_for(credits) == 5
    await billing.webhooks_settled()
    assert await credits() == 5
    payments = await billing.call("ListPayments", billing_pb2.ListPaymentsRequest(),
                                  as_user=user)
    assert [(p.status, p.amount.units) for p in payments.payments] == [("succeeded", 19)]
    ent = await billing.call("GetEntitlements", billing_pb2.GetEntitlementsRequest(user_id=user))
    assert ent.plan == FREE   # a pack is not a plan


async def test_a_deleted_user_is_erased_and_their_subscription_ended(billing):
    user = await billing.new_user("del@example.com")
    sub_id = await billing.subscribe(user)
    await billing.webhooks_settled()
    async with billing.db.transaction() as session:
        await billing.domain.erase_user(session, user_id=user)
    await billing.webhooks_settled()

    assert billing.stripe.lookup(sub_id)["status"] == "canceled"
    uid = uuid.UUID(user)
    assert await billing.rows("SELECT count(*) FROM subscriptions WHERE user_id = :u",
                              u=uid) == [(0,)]
    assert await billing.rows("SELECT email, name, erased_at IS NOT NULL FROM customers "
                              "WHERE user_id = :u", u=uid) == [(None, None, True)]
    # Invoices and payments stay (accounting), with no contact details in them.
    assert (await billing.rows("SELECT count(*) FROM invoices WHERE user_id = :u",
                               u=uid))[0][0] == 1
    leftovers = await billing.rows("SELECT count(*) FROM webhook_events "
                                   "WHERE payload::text LIKE '%del@example.com%'")
    assert leftovers == [(0,)]


async def test_invoices_and_payments_page_newest_first(billing):
    user = await billing.new_user()
    sub_id = await billing.subscribe(user)
    for _ in range(3):
        await asyncio.to_thread(billing.stripe.renew, sub_id)
    await billing.webhooks_settled()

    async def pages(method: str, request_type, field: str) -> list[list[str]]:
        token, seen = "", []
        while True:
            reply = await billing.call(method, request_type(
                page={"page_size": 3, "page_token": token}), as_user=user)
            seen.append([item.id for item in getattr(reply, field)])
            token = reply.page.next_page_token
            if not token:
                return seen

    invoice_pages = await pages("ListInvoices", billing_pb2.ListInvoicesRequest, "invoices")
    assert [len(p) for p in invoice_pages] == [3, 1]
    ids = [i for p in invoice_pages for i in p]
    assert len(set(ids)) == 4
    created = [billing.stripe.lookup(i)["created"] for i in ids]
    assert created == sorted(created, reverse=True)
    payment_pages = await pages("ListPayments", billing_pb2.ListPaymentsRequest, "payments")
    assert sum(len(p) for p in payment_pages) == 4
    bad = await billing.error("ListInvoices", billing_pb2.ListInvoicesRequest(
        page={"page_token": "not a cursor"}), as_user=user)
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
