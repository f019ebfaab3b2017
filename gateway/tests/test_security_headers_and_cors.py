"""Security headers on every kind of response, a docs-only CSP, and CORS for listed origins only."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from gateway.config import GatewaySettings

API_CSP = "default-src 'none'; frame-ancestors 'none'"
EXPECTED = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


def assert_security_headers(response: httpx.Response, csp: str = API_CSP) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    assert response.headers["content-security-policy"] == csp
    permissions = response.headers["permissions-policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions
    assert response.headers.get_list("x-frame-options") == ["DENY"]  # exactly once


@pytest.mark.parametrize("kind", ["ok", "not found", "too large"])
async def test_security_headers_are_on_every_response(
    client: httpx.AsyncClient, settings: GatewaySettings, kind: str,
) -> None:
    if kind == "ok":
        response = await client.get("/healthz")
        assert response.status_code == 200
    elif kind == "not found":
        response = await client.get("/nowhere")
        assert response.status_code == 404
    else:
        response = await client.post("/webhooks/stripe/events",
                                     content=b"z" * (settings.max_body_bytes + 1))
        assert response.status_code == 413
    assert_security_headers(response)
    assert response.headers["x-request-id"]


async def test_docs_page_gets_a_csp_that_allows_exactly_its_own_scripts(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.text
    csp = response.headers["content-security-policy"]
    assert csp != API_CSP
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    # Nothing from another origin: Swagger UI's files are the gateway's own (api_docs.py).
    assert directives == {
        "default-src": "'none'",
        "script-src": f"'self' 'sha256-{digest}'",
        "style-src": "'self' 'unsafe-inline'",  # Swagger UI sets style attributes
        "img-src": "'self' data:",
        "connect-src": "'self'",  # Swagger UI fetches /openapi.json and runs "Try it out"
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'none'",
    }
    for src in re.findall(r'<script src="([^"]+)"', response.text):
        assert src.startswith("/docs/static/")
    for href in re.findall(r'<link[^>]+href="([^"]+)"', response.text):
        assert href.startswith("/docs/static/")
    assert "://" not in response.text
    assert_security_headers(response, csp=csp)


async def test_preflight_from_an_allowed_origin_is_answered(
    client: httpx.AsyncClient, settings: GatewaySettings,
) -> None:
    origin = settings.cors_origins[0]
    response = await client.options("/auth/login", headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-request-id",
    })
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert_security_headers(response)


async def test_preflight_from_another_origin_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.options("/auth/login", headers={
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
    })
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "origin" in response.json()["detail"]


async def test_allowed_origin_can_read_the_request_id_of_any_answer(
    client: httpx.AsyncClient, settings: GatewaySettings,
) -> None:
    origin = settings.cors_origins[0]
    for path in ("/healthz", "/nowhere"):
        response = await client.get(path, headers={"Origin": origin})
        assert response.headers["access-control-allow-origin"] == origin
        exposed = response.headers["access-control-expose-headers"].lower()
        assert "x-request-id" in exposed and "ratelimit" in exposed


async def test_other_origins_get_no_cors_grant_on_simple_requests(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
