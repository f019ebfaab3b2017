"""Checkout's Idempotency-Key is the caller's own, for one request (career_kit.idempotency):
two users with the same key never meet, a reuse with another request is refused, a retry or a
concurrent duplicate gets the first answer, and the provider never sees the client's key."""

from __future__ import annotations

import asyncio

import grpc

from career.billing.v1 import billing_pb2


def _checkout(key: str, purchase: int = billing_pb2.PURCHASE_PRO
              ) -> billing_pb2.CreateCheckoutRequest:
    return billing_pb2.CreateCheckoutRequest(purchase=purchase, idempotency_key=key)


async def test_two_users_with_the_same_key_get_their_own_sessions(billing):
    alice, bob = await billing.new_user(), await billing.new_user()
    first = await billing.call("CreateCheckout", _checkout("same-key"), as_user=alice)
    second = await billing.call("CreateCheckout", _checkout("same-key"), as_user=bob)
    assert first.id != second.id
    assert billing.stripe.lookup(first.id)["client_reference_id"] == alice
    assert billing.stripe.lookup(second.id)["client_reference_id"] == bob


async def test_a_key_reused_with_another_request_is_refused(billing):
    user = await billing.new_user()
    await billing.call("CreateCheckout", _checkout("k-1"), as_user=user)
    error = await billing.error("CreateCheckout",
                                _checkout("k-1", billing_pb2.PURCHASE_PREMIUM), as_user=user)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ("x-problem-type", "idempotency-key-reused") in tuple(error.trailing_metadata())


async def test_concurrent_duplicates_get_one_session(billing):
    user = await billing.new_user()
    replies = await asyncio.gather(*(
        billing.call("CreateCheckout", _checkout("double-click"), as_user=user)
        for _ in range(5)))
    assert len({reply.id for reply in replies}) == 1
    [(stored,)] = await billing.rows(
        "SELECT count(*) FROM idempotency_keys WHERE owner = :u", u=user)
    assert stored == 1


async def test_the_provider_gets_a_scoped_key_not_the_clients(billing):
    user = await billing.new_user()
    await billing.call("CreateCheckout", _checkout("my-visible-key"), as_user=user)
    [created] = [request for request in billing.stripe.requests()
                 if request.path == "/v1/checkout/sessions" and request.method == "POST"
                 and request.params.get("client_reference_id") == user]
    key = created.headers["idempotency-key"]
    assert key.startswith("billing.checkout:") and "my-visible-key" not in key


async def test_an_expired_key_starts_a_new_checkout(billing):
    user = await billing.new_user()
    first = await billing.call("CreateCheckout", _checkout("old"), as_user=user)
    await billing.rows("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
    # Even with another request: after 24 hours the key is free again.
    again = await billing.call("CreateCheckout", _checkout("old", billing_pb2.PURCHASE_PREMIUM),
                               as_user=user)
    assert again.id != first.id
    assert billing.stripe.lookup(again.id)["metadata"]["purchase"] == "premium"


async def test_malformed_keys_are_invalid_arguments(billing):
    user = await billing.new_user()
    for key in ("x" * 256, "caf\u00e9", "tab\there"):
        error = await billing.error("CreateCheckout", _checkout(key), as_user=user)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, key
    assert await billing.rows("SELECT key FROM idempotency_keys") == []
