"""Prometheus metrics by route template, one JSON access line per request, and the OpenAPI."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from career_kit.logs import JsonFormatter


class JsonLines(logging.Handler):
    """Formats records the way production does, at emit time (as the stdout handler does)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter("gateway"))
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def access_lines() -> Iterator[list[dict]]:
    handler = JsonLines()
    logger = logging.getLogger("gateway.access")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(previous)


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, ops: httpx.AsyncClient, receiver,
) -> None:
    await client.get("/healthz")
    await client.post("/webhooks/stripe/evt_1Secret", content=b"{}")
    await client.get("/scanner/probe/wp-admin.php")
    response = await ops.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'http_requests_total{method="POST",route="/webhooks/stripe/{path}",status="202"}' \
        in text
    assert 'http_requests_total{method="GET",route="<unmatched>",status="404"}' in text
    assert 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"}' \
        in text
    assert "wp-admin" not in text and "evt_1Secret" not in text


async def test_metrics_are_on_the_ops_port_not_the_public_one(
    client: httpx.AsyncClient, ops: httpx.AsyncClient,
) -> None:
    public = await client.get("/metrics")
    assert public.status_code == 404
    assert public.headers["content-type"] == "application/problem+json"
    assert public.json()["instance"] == "/metrics"
    assert "http_requests_total" not in public.text
    await ops.get("/readyz")
    text = (await ops.get("/metrics")).text
    assert "# TYPE http_requests_total counter" in text
    # Scrapes and probes on the ops port are not API traffic: the counters leave them out.
    assert 'route="/readyz"' not in text and 'route="/metrics"' not in text


async def test_each_request_logs_one_json_access_line(
    client: httpx.AsyncClient, access_lines: list[dict], receiver,
) -> None:
    await client.post("/webhooks/stripe/evt_1?verbose=1", content=b"{}",
                      headers={"X-Request-ID": "access-log-0001"})
    mine = [line for line in access_lines if line.get("correlation_id") == "access-log-0001"]
    assert len(mine) == 1
    line = mine[0]
    assert line["service"] == "gateway"
    assert line["method"] == "POST"
    assert line["route"] == "/webhooks/stripe/{path}"
    assert line["status"] == 202
    assert isinstance(line["duration_ms"], float)
    assert "verbose" not in json.dumps(line) and "evt_1" not in json.dumps(line)


async def test_openapi_documents_the_api_and_its_problem_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Career Tools API"
    assert schema["info"]["version"]
    paths = schema["paths"]
    assert "/healthz" in paths
    # The ops port's routes are not part of the API.
    assert not {"/metrics", "/readyz", "/readyz/{service}", "/docs"} & paths.keys()
    problem = schema["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status", "detail", "instance"} <= problem["properties"].keys()
    one_session = paths["/auth/sessions/{session_id}"]["delete"]["responses"]
    assert one_session["4XX"]["content"]["application/problem+json"]["schema"]["$ref"] == \
        "#/components/schemas/ProblemDetails"
    assert "422" not in one_session  # no FastAPI default error shape that we never send
    assert "/webhooks/stripe/{path}" in paths
