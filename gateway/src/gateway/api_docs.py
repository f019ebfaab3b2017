"""The Swagger UI page at /docs, its files, and the Content-Security-Policy that lets it load.

Swagger UI's script, stylesheet and favicon come from the `swagger-ui-bundle-v2` package (the
files of npm's swagger-ui-dist) and are served by the gateway under
`<docs>/static/<Swagger UI version>/`, so the page works offline and names no other origin.
The version in the path lets those answers be cached for a year as immutable: an upgrade
changes their URLs. Only the files the page uses are served (no directory, no index).

The page is rendered once, so the hash of its one inline script is known and the policy can
allow that script by hash instead of 'unsafe-inline'. Swagger UI sets inline styles and uses
data: images, which the policy allows for this page only. The online validator badge is turned
off, so the spec's URL is never sent to a third party.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException
from swagger_ui_bundle import swagger_ui_path

SWAGGER_UI_VERSION = swagger_ui_path.name.removeprefix("swagger-ui-")
# The files served, with their types: with X-Content-Type-Options: nosniff a browser runs a
# script or applies a stylesheet only when its type says so. The stylesheet names its source
# map, which browsers fetch only while their developer tools are open.
ASSET_TYPES: Mapping[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui.css.map": "application/json",
    "favicon-32x32.png": "image/png",
}
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def assets_path(docs_path: str) -> str:
    """Where the Swagger UI files of the page at `docs_path` are served."""
    return f"{docs_path}/static/{SWAGGER_UI_VERSION}"


def render_docs_page(*, title: str, openapi_url: str, docs_path: str) -> str:
    """The Swagger UI HTML for the API described at `openapi_url`, served at `docs_path`."""
    assets = assets_path(docs_path)
    response = get_swagger_ui_html(
        openapi_url=openapi_url, title=f"{title} - docs",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )
    return bytes(response.body).decode()


def docs_csp(html: str) -> str:
    """A Content-Security-Policy for `html` that allows its inline scripts by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        "default-src 'none'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def docs_router(path: str, html: str) -> APIRouter:
    """A router serving the pre-rendered page at `path` and its files (left out of the schema).

    The files get the API's own CSP from the security headers middleware: a policy on a script
    or stylesheet answer does not constrain the page that loads it, and the strict one is right
    should anyone open such a file as a document.
    """
    router = APIRouter()
    files = {name: swagger_ui_path / name for name in ASSET_TYPES}

    @router.get(path, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html)

    @router.get(assets_path(path) + "/{name}", include_in_schema=False)
    async def swagger_ui_file(name: str) -> FileResponse:
        if name not in files:
            raise HTTPException(404)
        return FileResponse(files[name], media_type=ASSET_TYPES[name],
                            headers={"Cache-Control": ASSET_CACHE_CONTROL})

    return router
