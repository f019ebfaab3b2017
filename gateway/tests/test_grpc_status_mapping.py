"""One table turns gRPC statuses into problem+json; internals never reach the client."""

from __future__ import annotations

import grpc
import httpx
import pytest

from gateway.problems import grpc_problem, http_status_for

EXPECTED = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 412,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.INTERNAL: 502,
    grpc.StatusCode.UNKNOWN: 502,
    grpc.StatusCode.DATA_LOSS: 502,
    grpc.StatusCode.CANCELLED: 502,
}


def rpc_error(code: grpc.StatusCode, details: str,
              trailing: tuple[tuple[str, str], ...] = ()) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailing), details)


def test_every_status_code_is_in_the_table() -> None:
    assert set(EXPECTED) == set(grpc.StatusCode) - {grpc.StatusCode.OK}


@pytest.mark.parametrize(("code", "status"), EXPECTED.items(), ids=lambda v: getattr(v, "name", v))
def test_grpc_status_maps_to_http_status(code: grpc.StatusCode, status: int) -> None:
    assert http_status_for(code) == status
    response = grpc_problem(rpc_error(code, "why"), "/x")
    assert response.status_code == status
    assert response.media_type == "application/problem+json"


@pytest.mark.parametrize("code", [grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN])
def test_internal_details_are_never_shown(code: grpc.StatusCode) -> None:
    leak = "Traceback: psycopg.OperationalError at 10.0.3.7:5432"
    for trailing in ((), (("x-problem-type", "about:blank"),)):
        response = grpc_problem(rpc_error(code, leak, trailing), "/x")
        assert b"10.0.3.7" not in response.body
        assert b"upstream error" in response.body


def test_transport_failure_details_are_replaced_but_domain_ones_kept() -> None:
    transport = grpc_problem(rpc_error(
        grpc.StatusCode.UNAVAILABLE,
        "failed to connect to all addresses; last error: ipv4:10.0.3.9:50051"), "/x")
    assert b"10.0.3.9" not in transport.body
    domain = grpc_problem(rpc_error(grpc.StatusCode.UNAVAILABLE, "Stripe is down; retry later",
                                    (("x-problem-type", "payment-provider-down"),)), "/x")
    assert b"Stripe is down" in domain.body
    assert b'"type":"payment-provider-down"' in domain.body


async def test_service_not_found_error_becomes_a_404_problem_with_its_type(
    client: httpx.AsyncClient,
) -> None:
    # /_test/cv-not-found calls a real gRPC server whose method raises the kit's NotFound.
    response = await client.get("/_test/cv-not-found")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "cv-not-found"
    assert body["detail"] == "CV 42 does not exist"
    assert body["title"] == "Not Found"
    assert body["instance"] == "/_test/cv-not-found"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_unreachable_service_becomes_a_503_problem(start_gateway, own_fleet) -> None:
    async with start_gateway(own_fleet) as client:
        await own_fleet.stop("cv")
        response = await client.get("/_test/cv-not-found")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "127.0.0.1" not in response.text


def test_a_service_that_refuses_for_now_gets_a_503_with_its_retry_after() -> None:
    busy = grpc_problem(rpc_error(grpc.StatusCode.UNAVAILABLE, "too many sign-ins at once",
                                  (("x-problem-type", "busy"), ("x-retry-after", "1"))), "/x")
    assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
    assert b"too many sign-ins at once" in busy.body
    # A transport failure names no time to come back; a malformed value is not passed on.
    assert "retry-after" not in grpc_problem(
        rpc_error(grpc.StatusCode.UNAVAILABLE, "connection refused"), "/x").headers
    assert "retry-after" not in grpc_problem(rpc_error(
        grpc.StatusCode.UNAVAILABLE, "busy", (("x-retry-after", "soon\r\nX: y"),)), "/x").headers


def test_a_third_partys_failure_is_a_502_with_the_services_detail() -> None:
    failed = grpc_problem(rpc_error(grpc.StatusCode.UNKNOWN, "OpenAI answered 500 twice",
                                    (("x-problem-type", "ai-provider-failed"),)), "/ai/enhance")
    assert failed.status_code == 502
    assert b"OpenAI answered 500 twice" in failed.body
