"""Liveness and readiness against real gRPC servers and a real Redis: the detailed readiness
(/readyz, /readyz/{service}) on the ops port only, a constant /healthz on both ports."""

from __future__ import annotations

import httpx
import pytest

from devstack.servers import free_port
from gateway.config import SERVICE_NAMES


async def test_healthz_answers_without_dependencies_on_both_ports(
    client: httpx.AsyncClient, ops: httpx.AsyncClient,
) -> None:
    for http in (client, ops):
        response = await http.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/readyz", "/readyz/auth", "/metrics"])
async def test_public_port_has_no_readiness_detail_or_metrics(
    client: httpx.AsyncClient, fleet, path: str,
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == path
    assert fleet.probe_correlation_ids == []  # no service was asked


async def test_ready_when_redis_and_every_service_serve(ops: httpx.AsyncClient, fleet) -> None:
    response = await ops.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "checks": {"redis": "ok", **dict.fromkeys(SERVICE_NAMES, "ok")},
    }
    # Every service was asked, with its dependency probes run live.
    assert len(fleet.probe_correlation_ids) == len(SERVICE_NAMES)


async def test_failing_service_probe_leaves_the_gateway_degraded_but_in_service(
    ops: httpx.AsyncClient, fleet,
) -> None:
    # The kubelet reads /readyz as the gateway's readiness: one service's trouble must not
    # take every gateway replica out of the Service (it answers 503 problems for that one).
    fleet.failing.add("jobs")
    response = await ops.get("/readyz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["jobs"] == "NotServing: NOT_SERVING"
    assert {name: body["checks"][name] for name in SERVICE_NAMES if name != "jobs"} == \
        dict.fromkeys((n for n in SERVICE_NAMES if n != "jobs"), "ok")
    assert body["checks"]["redis"] == "ok"


async def test_stopped_service_is_reported_unavailable_not_a_500(
    start_gateway, own_fleet,
) -> None:
    port = free_port()
    async with start_gateway(own_fleet, metrics_port=port), \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as ops:
        assert (await ops.get("/readyz")).json()["status"] == "ready"
        await own_fleet.stop("billing")
        response = await ops.get("/readyz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "degraded"
        assert body["checks"]["billing"] == "NotServing: UNAVAILABLE"
        assert body["checks"]["auth"] == "ok"
        single = await ops.get("/readyz/billing")
        assert single.status_code == 503
        assert single.json() == {"status": "not ready",
                                 "checks": {"billing": "NotServing: UNAVAILABLE"}}


async def test_unreachable_redis_is_reported_as_degraded(start_gateway, fleet) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    port = free_port()
    async with start_gateway(fleet, redis_url=dead_redis, metrics_port=port), \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as ops:
        response = await ops.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"].startswith("ConnectionError")
    assert body["checks"]["cv"] == "ok"


async def test_readyz_for_one_service_asks_only_that_service(
    ops: httpx.AsyncClient, fleet,
) -> None:
    fleet.failing.add("cv")  # another service's trouble does not matter here
    response = await ops.get("/readyz/auth")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"auth": "ok"}}
    assert len(fleet.probe_correlation_ids) == 1


async def test_readyz_for_an_unknown_service_is_a_404_problem(ops: httpx.AsyncClient) -> None:
    response = await ops.get("/readyz/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["instance"] == "/readyz/nope"
    assert "auth" in body["detail"]


async def test_ops_port_serves_no_api(ops: httpx.AsyncClient) -> None:
    response = await ops.get("/openapi.json")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == "/openapi.json"
