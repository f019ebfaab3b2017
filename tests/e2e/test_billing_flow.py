"""Billing through the gateway only, with the offline payment providers the stack runs (fake
Stripe and fake PayPal): the user pays on the provider's page, the provider's webhooks come back
through the gateway, and the plan follows — in the next access token, the entitlements and the
e-mails."""

from __future__ import annotations

import base64
import json
import time
import uuid

import httpx

from devstack.stack import Stack


def _email() -> str:
    return f"payer-{uuid.uuid4().hex[:10]}@example.com"


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _until(probe, *, within: float = 5.0, step: float = 0.1):
    """Poll `probe()` until it returns something truthy; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {probe.__doc__ or probe}")
        time.sleep(step)


def _tier_after_refresh(browser) -> str:
    refreshed = browser.call("POST", "/auth/refresh", csrf=True)
    assert refreshed.status_code == 200, refreshed.text
    browser.access_token = refreshed.json()["access_token"]
    return _claims(browser.access_token)["tier"]


def _subscribe(stack: Stack, browser, purchase: str = "pro") -> dict:
    checkout = browser.call("POST", "/api/plans/checkout", bearer=browser.access_token,
                            json={"purchase": purchase})
    assert checkout.status_code == 200, checkout.text
    session = checkout.json()
    fake = stack.payments.stripe
    assert session["url"].startswith(fake.url)
    # The buyer presses "Pay" on the checkout page; the browser lands back on the SPA.
    paid = httpx.post(f"{fake.url}/__fake/checkout/{session['id']}/complete",
                      data={"redirect": "true"})
    assert paid.status_code == 303
    assert paid.headers["location"].endswith(f"session_id={session['id']}")
    return session


def test_upgrade_to_pro_through_stripe_checkout(stack, new_browser, inbox) -> None:
    browser = new_browser()
    email = _email()
    browser.sign_up_and_in(email)
    plans = browser.call("GET", "/api/plans").json()
    assert [(p["plan"], p["price"]["amount"]) for p in plans] == [
        ("free", "0.00"), ("pro", "29.99"), ("premium", "49.99")]
    free = browser.call("GET", "/api/plans/entitlements", bearer=browser.access_token).json()
    assert free["plan"] == "free"

    _subscribe(stack, browser)
    paid_at = time.monotonic()

    def tier_is_pro() -> bool:
        """the refreshed access token carries tier pro"""
        return _tier_after_refresh(browser) == "pro"

    _until(tier_is_pro, within=5.0)
    assert time.monotonic() - paid_at < 5.0
    entitlements = browser.call("GET", "/api/plans/entitlements",
                                bearer=browser.access_token).json()
    assert entitlements["plan"] == "pro" and entitlements["premium_templates"]
    ai = next(x for x in entitlements["limits"] if x["feature"] == "ai_requests")
    assert ai["limit"] == 100
    me = browser.call("GET", "/auth/me", bearer=browser.access_token).json()
    assert me["tier"] == "pro"
    mails = inbox(email, count=3, within=10)   # welcome, verify, subscription confirmed
    confirmed = [m for m in mails if m["subject"] == "Your Career Tools subscription is active"]
    assert len(confirmed) == 1 and "$29.99" in confirmed[0]["text"]
    invoices = browser.call("GET", "/api/plans/invoices", bearer=browser.access_token).json()
    assert [i["status"] for i in invoices["invoices"]] == ["paid"]


def test_change_cancel_resume_fail_and_end(stack, new_browser, inbox) -> None:
    browser = new_browser()
    email = _email()
    browser.sign_up_and_in(email)
    _subscribe(stack, browser)
    _until(lambda: _tier_after_refresh(browser) == "pro")
    auth = {"bearer": browser.access_token}

    upgraded = browser.call("PUT", "/api/plans/subscription/plan", json={"plan": "premium"},
                            **auth)
    assert upgraded.status_code == 200, upgraded.text
    assert upgraded.json()["plan"] == "premium"
    _until(lambda: _tier_after_refresh(browser) == "premium")
    downgraded = browser.call("PUT", "/api/plans/subscription/plan", json={"plan": "pro"},
                              bearer=browser.access_token)
    assert downgraded.json()["plan"] == "pro"

    cancelled = browser.call("POST", "/api/plans/subscription/cancel",
                             bearer=browser.access_token).json()
    assert cancelled["cancel_at_period_end"] and cancelled["status"] == "active"
    resumed = browser.call("POST", "/api/plans/subscription/resume",
                           bearer=browser.access_token).json()
    assert not resumed["cancel_at_period_end"]
    again = browser.call("POST", "/api/plans/subscription/resume", bearer=browser.access_token)
    assert again.status_code in (409, 412, 400) and again.headers["content-type"].startswith(
        "application/problem+json")

    fake = stack.payments.stripe
    sub_id = next(e["data"]["object"]["id"] for e in fake.events("customer.subscription.created")
                  if e["data"]["object"]["metadata"].get("user_id") == _claims(
                      browser.access_token)["sub"])
    assert httpx.post(f"{fake.url}/__fake/subscriptions/{sub_id}/fail_payment").is_success

    def past_due() -> bool:
        """the subscription is past due"""
        return browser.call("GET", "/api/plans/subscription",
                            bearer=browser.access_token).json()["status"] == "past_due"

    _until(past_due)
    subjects = {m["subject"] for m in inbox(email, count=5, within=10)}
    assert {"Your Career Tools payment did not go through",
            "Your Career Tools subscription has been cancelled"} <= subjects
    assert _tier_after_refresh(browser) == "pro"     # kept while Stripe retries

    assert httpx.post(f"{fake.url}/__fake/subscriptions/{sub_id}/end").is_success
    _until(lambda: _tier_after_refresh(browser) == "free")
    ended = browser.call("GET", "/api/plans/subscription", bearer=browser.access_token).json()
    assert (ended["plan"], ended["status"]) == ("free", "canceled")


def test_subscribe_with_paypal(stack, new_browser) -> None:
    browser = new_browser()
    browser.sign_up_and_in(_email())
    checkout = browser.call("POST", "/api/plans/checkout", bearer=browser.access_token,
                            json={"purchase": "premium", "provider": "paypal"})
    assert checkout.status_code == 200, checkout.text
    session = checkout.json()
    fake = stack.payments.paypal
    assert session["provider"] == "paypal" and session["url"].startswith(fake.url)
    approved = httpx.post(f"{fake.url}/__fake/subscriptions/{session['id']}/approve")
    assert approved.status_code == 303
    _until(lambda: _tier_after_refresh(browser) == "premium")
    subscription = browser.call("GET", "/api/plans/subscription",
                                bearer=browser.access_token).json()
    assert (subscription["provider"], subscription["status"]) == ("paypal", "active")
    payments = browser.call("GET", "/api/plans/payments", bearer=browser.access_token).json()
    assert [(p["provider"], p["status"]) for p in payments["payments"]] == [
        ("paypal", "succeeded")]


def test_billing_routes_need_a_user_and_valid_input(gateway, new_browser) -> None:
    assert gateway.post("/api/plans/checkout", json={"purchase": "pro"}).status_code == 401
    browser = new_browser()
    browser.sign_up_and_in(_email())
    bad = browser.call("POST", "/api/plans/checkout", bearer=browser.access_token,
                       json={"purchase": "platinum"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    none = browser.call("POST", "/api/plans/subscription/cancel", bearer=browser.access_token)
    assert none.status_code in (400, 409, 412)
    assert none.headers["content-type"].startswith("application/problem+json")


def test_deleting_the_account_ends_the_paid_subscription(stack, new_browser) -> None:
    browser = new_browser()
    browser.sign_up_and_in(_email())
    user_id = _claims(browser.access_token)["sub"]
    _subscribe(stack, browser)
    _until(lambda: _tier_after_refresh(browser) == "pro")
    fake = stack.payments.stripe
    sub_id = next(e["data"]["object"]["id"] for e in fake.events("customer.subscription.created")
                  if e["data"]["object"]["metadata"].get("user_id") == user_id)

    deleted = browser.call("DELETE", "/auth/me", bearer=browser.access_token,
                           json={"password": "correct horse battery staple"})
    assert deleted.status_code == 204, deleted.text

    def ended_at_stripe() -> bool:
        """billing cancelled the deleted user's subscription at Stripe"""
        return fake.lookup(sub_id)["status"] == "canceled"

    _until(ended_at_stripe, within=10.0)


def test_an_idempotency_key_is_scoped_to_its_user_and_bound_to_its_body(new_browser) -> None:
    """The probe's defect: with PayPal, a second user sending the first user's key received
    the first user's subscription and approval link."""
    alice, bob = new_browser(), new_browser()
    alice.sign_up_and_in(_email())
    bob.sign_up_and_in(_email())
    key = {"Idempotency-Key": f"click-{uuid.uuid4().hex[:8]}"}
    body = {"purchase": "pro", "provider": "paypal"}
    first = alice.call("POST", "/api/plans/checkout", bearer=alice.access_token, json=body,
                       headers=key)
    second = bob.call("POST", "/api/plans/checkout", bearer=bob.access_token, json=body,
                      headers=key)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["url"] != second.json()["url"]
    # Alice's retry is answered with her own first answer, by Stripe too.
    assert alice.call("POST", "/api/plans/checkout", bearer=alice.access_token, json=body,
                      headers=key).json() == first.json()
    stripe_key = {"Idempotency-Key": f"stripe-{uuid.uuid4().hex[:8]}"}
    stripe_body = {"purchase": "pro", "provider": "stripe"}
    mine = alice.call("POST", "/api/plans/checkout", bearer=alice.access_token,
                      json=stripe_body, headers=stripe_key)
    theirs = bob.call("POST", "/api/plans/checkout", bearer=bob.access_token, json=stripe_body,
                      headers=stripe_key)
    assert mine.status_code == theirs.status_code == 200, theirs.text
    assert mine.json()["id"] != theirs.json()["id"]
    # The same key with another body: 422 problem+json, naming the problem.
    reused = alice.call("POST", "/api/plans/checkout", bearer=alice.access_token,
                        json={"purchase": "premium", "provider": "paypal"}, headers=key)
    assert reused.status_code == 422, reused.text
    assert reused.headers["content-type"] == "application/problem+json"
    problem = reused.json()
    assert problem["type"] == "idempotency-key-reused"
    assert problem["instance"] == "/api/plans/checkout" and problem["request_id"]
