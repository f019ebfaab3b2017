"""Every error is RFC 9457 problem+json carrying the request id; bad input is a 4xx, never a 500.

The invalid-JSON, wrong-type and crash cases use routes that conftest mounts (`/_test/...`) on
the app `create_app` returned: the real app, with its real middlewares and handlers, reached
over a real socket.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.middleware import Middleware

from gateway.access_tokens import AuthenticationMiddleware
from gateway.config import GatewaySettings
from gateway.middleware import SECURITY_HEADERS, gateway_middleware
from gateway.problems import install_problem_handlers

from .conftest import serve_http

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response: httpx.Response, status: int, instance: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_FIELDS <= body.keys()
    assert body["status"] == status
    assert body["instance"] == instance
    assert body["title"] and body["detail"]
    assert response.headers["x-request-id"] == body["request_id"]
    return body


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route")
    body = assert_problem(response, 404, "/no/such/route")
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"


async def test_wrong_method_is_a_405_problem_naming_the_allowed_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/healthz")
    body = assert_problem(response, 405, "/healthz")
    assert response.headers["allow"] == "GET"
    assert "DELETE" in body["detail"]


async def test_body_over_the_limit_by_content_length_is_a_413_problem(
    client: httpx.AsyncClient, settings: GatewaySettings,
) -> None:
    response = await client.post("/_test/signup", content=b"x" * (settings.max_body_bytes + 1),
                                 headers={"content-type": "application/json"})
    body = assert_problem(response, 413, "/_test/signup")
    assert str(settings.max_body_bytes) in body["detail"]


async def test_chunked_body_over_the_limit_is_a_413_problem(
    client: httpx.AsyncClient, settings: GatewaySettings,
) -> None:
    chunk = b"y" * (settings.max_body_bytes // 2 + 1)
    sent = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            sent.append(len(chunk))
            yield chunk

    response = await client.post("/_test/signup", content=chunks(),
                                 headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers  # really sent chunked
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413, "/_test/signup")


async def test_chunked_body_within_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "ada@example.com",'
        yield b' "age": 36}'

    response = await client.post("/_test/signup", content=chunks(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json() == {"email": "ada@example.com", "age": 36}


async def test_invalid_json_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/_test/signup", content=b'{"email": "a@b.c", "age": ',
                                 headers={"content-type": "application/json"})
    body = assert_problem(response, 400, "/_test/signup")
    assert "not valid JSON" in body["detail"]


async def test_wrong_types_are_a_422_problem_listing_each_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/_test/signup", json={"age": "old"})
    body = assert_problem(response, 422, "/_test/signup")
    by_field = {issue["field"]: issue for issue in body["errors"]}
    assert by_field["age"]["location"] == "body"
    assert by_field["age"]["type"] == "int_parsing"
    assert by_field["email"]["type"] == "missing"
    assert all(issue["message"] for issue in body["errors"])
    # The rejected values are not echoed (they could be passwords).
    assert "old" not in response.text


async def test_unexpected_error_is_a_500_problem_that_hides_the_cause(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="gateway.problems"):
        response = await client.get("/_test/boom")
    body = assert_problem(response, 500, "/_test/boom")
    assert "hunter2" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    logged = [r for r in caplog.records if r.name == "gateway.problems"]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "hunter2" in str(logged[0].exc_info[1])
    assert body["title"] == "Internal Server Error"


async def test_an_error_raised_by_a_middleware_still_carries_every_header() -> None:
    """The last resort stands outside the middlewares too: what one of them raises (here a
    stand-in placed where authentication and rate limits run) is a 500 problem with the
    request id and the security headers, never Starlette's bare text; a Redis outage there
    is a 503 with Retry-After."""
    class Failing:
        def __init__(self, app) -> None:
            self.app = app

        async def __call__(self, scope, receive, send) -> None:
            if scope["type"] == "http" and scope["path"] == "/redis":
                raise RedisConnectionError("Connection refused")
            if scope["type"] == "http" and scope["path"] == "/crash":
                raise RuntimeError("a middleware's own bug")
            await self.app(scope, receive, send)

    stack = gateway_middleware(cors_origins=[], max_body_bytes=1024, docs_path=None,
                               docs_csp="")
    position = next(i for i, m in enumerate(stack) if m.cls is AuthenticationMiddleware)
    stack.insert(position, Middleware(Failing))
    app = FastAPI(middleware=stack)
    install_problem_handlers(app)

    @app.get("/fine")
    async def fine_route() -> dict[str, bool]:
        return {"ok": True}

    async with serve_http(app) as url, httpx.AsyncClient(base_url=url) as client:
        crash = await client.get("/crash")
        redis_down = await client.get("/redis")
        fine = await client.get("/fine")
    assert_problem(crash, 500, "/crash")
    assert_problem(redis_down, 503, "/redis")
    assert int(redis_down.headers["retry-after"]) > 0
    for response in (crash, redis_down):
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
    assert fine.json() == {"ok": True}
