"""Webhooks reach the owning service byte for byte, and its answer comes back unchanged."""

from __future__ import annotations

import httpx
import pytest

from devstack.servers import free_port

# Not UTF-8, a NUL, odd spacing and JSON formatting, trailing whitespace: a signature over
# these bytes only verifies if not one of them changes.
ODD_BODY = b'{"id" :"evt_1",\t"amount": 1.50E+3 ,"name":"caf\xe9 \xff\x00"}   \r\n  '
SIGNATURE = "t=1731400000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
# What each provider sends besides the body. Stripe signs the body alone; PayPal's
# verify-webhook-signature call needs every PAYPAL-* value exactly as it arrived.
STRIPE_HEADERS = [
    ("Stripe-Signature", SIGNATURE),
    ("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"),
]
PAYPAL_HEADERS = [
    ("PAYPAL-AUTH-ALGO", "SHA256withRSA"),
    ("PAYPAL-CERT-URL", "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594"),
    ("PAYPAL-TRANSMISSION-ID", "69cd13f0-d67a-11e5-baa3-778b53f4ae55"),
    ("PAYPAL-TRANSMISSION-SIG", "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh"),
    ("PAYPAL-TRANSMISSION-TIME", "2016-02-18T20:01:35Z"),
    ("User-Agent", "PayPal/AUHD-214.0-58844412"),
]


# The Stripe endpoint's own path and the per-event aliases below it both reach billing, and so
# does PayPal's single path: each provider verifies a signature over the bytes it sent.
@pytest.mark.parametrize(
    ("path", "provider_headers"),
    [
        ("/webhooks/stripe/events", STRIPE_HEADERS),
        ("/webhooks/stripe", STRIPE_HEADERS),
        ("/webhooks/paypal", PAYPAL_HEADERS),
    ],
    ids=["stripe-alias", "stripe", "paypal"],
)
async def test_billing_webhook_is_forwarded_byte_for_byte(
        path: str, provider_headers: list[tuple[str, str]], client: httpx.AsyncClient,
        receiver) -> None:
    response = await client.post(
        f"{path}?x=1&y=a%2Fb+c&empty=",
        content=ODD_BODY,
        headers=[
            ("Content-Type", "application/json; charset=utf-8"),
            *provider_headers,
            ("Accept-Encoding", "identity"),
            ("X-Repeated", "first"),
            ("X-Repeated", "second"),
            ("X-Request-ID", "delivery-0001"),
            ("Connection", "keep-alive, X-Hop-Secret"),
            ("X-Hop-Secret", "for the gateway only"),
        ],
    )

    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.method == "POST"
    assert got.path == path
    assert got.query == b"x=1&y=a%2Fb+c&empty="
    assert got.body == ODD_BODY
    for name, value in provider_headers:
        assert got.header_values(name) == [value.encode()]
    assert got.header_values("content-type") == [b"application/json; charset=utf-8"]
    assert got.header_values("x-repeated") == [b"first", b"second"]
    assert got.header_values("content-length") == [str(len(ODD_BODY)).encode()]
    assert got.header_values("x-hop-secret") == []
    assert got.header_values("accept-encoding") == [b"identity"]
    assert got.header_values("x-request-id") == [b"delivery-0001"]
    assert got.header_values("x-forwarded-for") == [b"127.0.0.1"]
    assert got.header_values("x-forwarded-proto") == [b"http"]
    assert got.header_values("x-forwarded-host") == [client.base_url.netloc]
    assert got.header_values("host") == [receiver.url.removeprefix("http://").encode()]

    assert response.status_code == 202
    assert response.content == b'{"received":  true}\n '
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-receiver"] == "yes"
    assert response.headers.get_list("x-trace") == ["one", "two"]
    assert response.headers.get_list("date") and len(response.headers.get_list("date")) == 1
    assert response.headers["x-request-id"] == "delivery-0001"


async def test_stripe_and_paypal_webhooks_go_to_billing_not_social(start_gateway, fleet,
                                                                    receiver) -> None:
    # Both services share the test receiver; with social's URL dead, only billing's can answer.
    nobody = f"http://127.0.0.1:{free_port()}"
    async with start_gateway(fleet, social_webhook_url=nobody) as client:
        stripe = await client.post("/webhooks/stripe", content=ODD_BODY)
        paypal = await client.post("/webhooks/paypal", content=ODD_BODY)
    assert (stripe.status_code, paypal.status_code) == (202, 202)
    assert [got.path for got in receiver.received] == ["/webhooks/stripe", "/webhooks/paypal"]


async def test_paypal_path_is_exact(client: httpx.AsyncClient, receiver) -> None:
    # PayPal posts to one registered URL: nothing below or beside it may reach billing.
    for path in ("/webhooks/paypal/extra", "/webhooks/paypalx"):
        response = await client.post(path, content=b"{}")
        assert response.status_code == 404, path
    assert receiver.received == []


async def test_forwarding_adds_no_headers_of_its_own(client: httpx.AsyncClient,
                                                     receiver) -> None:
    request = client.build_request("POST", "/webhooks/stripe/bare", content=b"{}")
    for name in ("accept", "accept-encoding", "user-agent"):
        del request.headers[name]
    response = await client.send(request)
    assert response.status_code == 202
    names = {name.lower() for name, _ in receiver.received[0].headers}
    # Host, Content-Length and Connection belong to the gateway -> service hop itself.
    assert names == {b"host", b"content-length", b"connection", b"x-forwarded-for",
                     b"x-forwarded-proto", b"x-forwarded-host", b"x-request-id"}


async def test_meta_verification_get_is_forwarded_with_its_query(client: httpx.AsyncClient,
                                                                 receiver) -> None:
    response = await client.get(
        "/webhooks/social/meta?hub.mode=subscribe&hub.challenge=123&hub.verify_token=tok")
    assert response.status_code == 200
    assert response.text == "123"
    got = receiver.received[0]
    assert (got.method, got.path) == ("GET", "/webhooks/social/meta")
    assert got.query == b"hub.mode=subscribe&hub.challenge=123&hub.verify_token=tok"
    assert got.body == b""


async def test_webhook_paths_cannot_climb_out_of_their_prefix(client: httpx.AsyncClient,
                                                              receiver) -> None:
    for method, path in (("POST", "/webhooks/stripe/%2e%2e/%2e%2e/metrics"),
                         ("GET", "/webhooks/social/%2e%2e/%2e%2e/metrics")):
        response = await client.request(method, path)
        assert response.status_code == 400, (method, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert receiver.received == []


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("GET", "/webhooks/stripe/x", "POST"),
    ("PUT", "/webhooks/stripe/x", "POST"),
    ("GET", "/webhooks/stripe", "POST"),
    ("PUT", "/webhooks/social/meta", "GET, POST"),
    ("DELETE", "/webhooks/paypal", "POST"),
    ("PUT", "/auth/me", "DELETE, GET, PATCH"),
])
async def test_a_wrong_method_is_a_405_problem_naming_every_allowed_method(
    client: httpx.AsyncClient, receiver, method: str, path: str, allow: str,
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == allow
    body = response.json()
    assert body["instance"] == path and body["request_id"] == response.headers["x-request-id"]
    assert allow in body["detail"]
    assert receiver.received == []  # refused here, never forwarded


async def test_oversized_webhook_is_refused_before_forwarding(client: httpx.AsyncClient,
                                                              receiver, settings) -> None:
    response = await client.post("/webhooks/stripe/events",
                                  content=b"{" * (settings.max_body_bytes + 1))
    assert response.status_code == 413
    assert receiver.received == []


async def test_unreachable_receiver_is_a_502_problem(start_gateway, fleet) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    async with start_gateway(fleet, billing_webhook_url=nobody) as client:
        response = await client.post("/webhooks/stripe/events", content=b"{}")
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["instance"] == "/webhooks/stripe/events"
    assert nobody.removeprefix("http://") not in response.text


async def test_slow_receiver_is_a_504_problem(client: httpx.AsyncClient, receiver) -> None:
    response = await client.post("/webhooks/stripe/slow", content=b"{}")
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert len(receiver.received) == 1
