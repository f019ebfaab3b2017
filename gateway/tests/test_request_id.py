"""X-Request-ID: a well-formed one is kept, a bad one replaced, and the id travels to services."""

from __future__ import annotations

import re

import httpx
import pytest

GENERATED = re.compile(r"^[0-9a-f]{32}$")


async def test_valid_incoming_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "spa-7f3a.b_91-c"})
    assert response.headers["x-request-id"] == "spa-7f3a.b_91-c"


@pytest.mark.parametrize("bad", ["short", "has space in it", "x" * 129, "semi;colon-1234",
                                 "ünïcödé-request"])
async def test_malformed_request_id_is_replaced(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": bad.encode()})
    assert response.headers["x-request-id"] != bad
    assert GENERATED.fullmatch(response.headers["x-request-id"])


async def test_each_request_without_an_id_gets_a_fresh_one(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")
    assert GENERATED.fullmatch(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_request_id_reaches_the_service_as_correlation_id(
    client: httpx.AsyncClient, fleet,
) -> None:
    response = await client.get("/_test/cv-not-found",
                                headers={"X-Request-ID": "trace-service-0001"})
    assert response.status_code == 404
    # The kit's server interceptor set the service's context from x-correlation-id metadata.
    assert fleet.probe_call_correlation_ids == ["trace-service-0001"]


async def test_request_id_and_internal_token_are_sent_as_grpc_metadata(
    client: httpx.AsyncClient, fleet, settings,
) -> None:
    await client.get("/_test/cv-not-found", headers={"X-Request-ID": "trace-grpc-call-0002"})
    assert len(fleet.probe_calls) == 1
    metadata = fleet.probe_calls[0]
    assert metadata["x-correlation-id"] == "trace-grpc-call-0002"
    assert metadata["x-internal-token"] == settings.platform.internal_secret.get_secret_value()
