"""/healthz, /readyz and /readyz/{service} against real gRPC servers and a real Redis."""

from __future__ import annotations

import httpx

from devstack.servers import free_port
from gateway.config import SERVICE_NAMES


async def test_healthz_answers_without_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_redis_and_every_service_serve(client: httpx.AsyncClient, fleet) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "checks": {"redis": "ok", **dict.fromkeys(SERVICE_NAMES, "SERVING")},
    }
    # Every service was asked, with its dependency probes run live.
    assert len(fleet.probe_correlation_ids) == len(SERVICE_NAMES)


async def test_failing_service_probe_makes_the_gateway_not_ready(
    client: httpx.AsyncClient, fleet,
) -> None:
    fleet.failing.add("jobs")
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["jobs"] == "NOT_SERVING"
    assert {name: body["checks"][name] for name in SERVICE_NAMES if name != "jobs"} == \
        dict.fromkeys((n for n in SERVICE_NAMES if n != "jobs"), "SERVING")
    assert body["checks"]["redis"] == "ok"


async def test_stopped_service_is_reported_unavailable_not_a_500(
    start_gateway, own_fleet,
) -> None:
    async with start_gateway(own_fleet) as client:
        assert (await client.get("/readyz")).status_code == 200
        await own_fleet.stop("billing")
        response = await client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["checks"]["billing"] == "UNAVAILABLE"
        assert body["checks"]["auth"] == "SERVING"
        single = await client.get("/readyz/billing")
        assert single.status_code == 503
        assert single.json() == {"status": "not ready", "checks": {"billing": "UNAVAILABLE"}}


async def test_unreachable_redis_makes_the_gateway_not_ready(start_gateway, fleet) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    async with start_gateway(fleet, redis_url=dead_redis) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"] == "unreachable"
    assert body["checks"]["cv"] == "SERVING"
    assert dead_redis not in response.text  # no addresses in a public report


async def test_readyz_for_one_service_asks_only_that_service(
    client: httpx.AsyncClient, fleet,
) -> None:
    fleet.failing.add("cv")  # another service's trouble does not matter here
    response = await client.get("/readyz/auth")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"auth": "SERVING"}}
    assert len(fleet.probe_correlation_ids) == 1


async def test_readyz_for_an_unknown_service_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["instance"] == "/readyz/nope"
    assert "auth" in body["detail"]
