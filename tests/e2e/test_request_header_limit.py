"""The gateway process refuses an oversized request head with 431 problem+json (its uvicorn
runs server.py's protocol), and serves heads within GATEWAY_MAX_HEADER_BYTES."""

from __future__ import annotations


def test_an_oversized_header_gets_431_from_the_running_gateway(gateway) -> None:
    refused = gateway.get("/auth/me", headers={"Authorization": "Bearer " + "a" * 40_000})
    assert refused.status_code == 431
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["instance"] == "/auth/me"
    assert refused.headers["x-content-type-options"] == "nosniff"
    served = gateway.get("/healthz", headers={"X-Pad": "p" * 20_000})
    assert served.status_code == 200
