"""/docs loads nothing from another origin: Swagger UI's files are served by the gateway, typed,
cached for good under a versioned path, and nothing else from the package is reachable."""

from __future__ import annotations

import re

import httpx
import pytest

from gateway.api_docs import ASSET_CACHE_CONTROL, SWAGGER_UI_VERSION, assets_path

API_CSP = "default-src 'none'; frame-ancestors 'none'"
ASSETS = assets_path("/docs")


def referenced_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


async def test_every_file_the_page_references_is_served_by_the_gateway(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/docs")
    urls = referenced_urls(page.text)
    assert {url.rsplit("/", 1)[1] for url in urls} == {
        "swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"}
    expected_types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for url in urls:
        assert url.startswith(f"{ASSETS}/"), url
        response = await client.get(url)
        assert response.status_code == 200, url
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type == expected_types[url[url.rindex("."):]], url
        assert response.content, url
        assert response.headers["cache-control"] == ASSET_CACHE_CONTROL
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == API_CSP


async def test_the_bundle_is_the_swagger_ui_5_the_path_names(client: httpx.AsyncClient) -> None:
    assert SWAGGER_UI_VERSION.startswith("5.")
    assert ASSETS == f"/docs/static/{SWAGGER_UI_VERSION}"
    script = await client.get(f"{ASSETS}/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in script.content
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    source_map = await client.get(f"{ASSETS}/swagger-ui.css.map")  # named by the stylesheet
    assert source_map.status_code == 200
    assert source_map.json()["version"] == 3


@pytest.mark.parametrize("path", [
    f"{ASSETS}/", f"{ASSETS}", "/docs/static/", "/docs/static",
    f"{ASSETS}/index.html", f"{ASSETS}/swagger-initializer.js", f"{ASSETS}/index.j2",
    f"{ASSETS}/..%2F__init__.py", f"{ASSETS}/%2e%2e/%2e%2e/__init__.py",
    "/docs/static/4.0.0/swagger-ui-bundle.js",
])
async def test_nothing_else_is_served_and_no_folder_is_listed(
    client: httpx.AsyncClient, path: str,
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_files_stay_out_of_the_openapi_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith("/docs")]
