"""The platform as the SPA sees it: one door, every service healthy behind it, errors as
RFC 9457 problem+json, the security headers on every answer, webhooks routed to their owners."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from devstack.stack import SERVICES

PROBLEM = "application/problem+json"


def _is_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert response.headers.get("x-request-id")
    return body


def test_every_service_is_serving_behind_the_gateway(gateway_ops) -> None:
    response = gateway_ops.get("/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    for service in SERVICES:
        assert checks[service] == "ok", checks


@pytest.mark.parametrize("service", SERVICES)
def test_one_service_readiness_through_the_gateway(gateway_ops, service) -> None:
    response = gateway_ops.get(f"/readyz/{service}")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/metrics", "/readyz", "/readyz/auth"])
def test_metrics_and_readiness_detail_are_not_public(gateway, path) -> None:
    body = _is_problem(gateway.get(path), 404)
    assert body["instance"] == path


def test_unknown_route_is_a_problem(gateway) -> None:
    body = _is_problem(gateway.get("/api/no-such-thing"), 404)
    assert body["instance"] == "/api/no-such-thing"


def test_oversized_body_is_a_problem(gateway) -> None:
    _is_problem(gateway.post("/webhooks/stripe/events", content=b"x" * (2 * 1024 * 1024)), 413)


def test_security_headers_on_every_answer(gateway) -> None:
    for response in (gateway.get("/healthz"), gateway.get("/nope")):
        headers = response.headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["strict-transport-security"].startswith("max-age=")
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"]


def test_openapi_document_and_docs_are_served(gateway) -> None:
    spec = gateway.get("/openapi.json").json()
    assert spec["info"]["title"] == "Career Tools API"
    assert "/healthz" in spec["paths"] and "/readyz" not in spec["paths"]
    assert gateway.get("/docs").status_code == 200


def test_stripe_webhooks_reach_billing_untouched(gateway, stack) -> None:
    """Billing's own signature check answers through the gateway (an unsigned event is
    refused, a signed one applied): proof the request crossed the gateway to billing's HTTP
    port with its body and path intact."""
    body = _is_problem(gateway.post("/webhooks/stripe/events", content=b'{"id": "evt_1"}',
                                    headers={"Stripe-Signature": "t=1,v1=abc"}), 400)
    assert body["detail"].startswith("webhook rejected")
    # Billing's problem, forwarded as it was, has every field and the gateway's request id.
    assert body["instance"] == "/webhooks/stripe/events" and body["request_id"]
    unsigned = gateway.post("/webhooks/stripe", content=b"{}",
                            headers={"X-Request-ID": "probe-request-0001"})
    assert _is_problem(unsigned, 400)["request_id"] == "probe-request-0001"
    assert unsigned.json()["instance"] == "/webhooks/stripe"
    event = json.dumps({"id": f"evt_{uuid.uuid4().hex}", "object": "event",
                        "type": "ping.platform", "created": int(time.time()),
                        "data": {"object": {}}}).encode()
    signed = gateway.post("/webhooks/stripe/events", content=event,
                          headers={"Stripe-Signature": stack.payments.stripe.sign(event),
                                   "Content-Type": "application/json"})
    assert signed.status_code == 200, signed.text
    assert signed.json() == {"received": True, "outcome": "ignored"}


def test_metrics_of_the_public_port_are_on_the_ops_port(gateway, gateway_ops) -> None:
    gateway.get("/healthz")
    response = gateway_ops.get("/metrics")
    assert response.status_code == 200
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in response.text
