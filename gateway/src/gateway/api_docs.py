"""The Swagger UI page at /docs, and the Content-Security-Policy that lets exactly it load.

The page is rendered once, so the hash of its one inline script is known and the policy can
allow that script by hash instead of 'unsafe-inline'. Swagger UI itself comes from jsDelivr; it
sets inline styles and uses data: images, which the policy allows for this page only. The
online validator badge is turned off, so the spec's URL is never sent to a third party.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_CDN = "https://cdn.jsdelivr.net"
FAVICON_ORIGIN = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def render_docs_page(*, title: str, openapi_url: str) -> str:
    """The Swagger UI HTML for the API described at `openapi_url`."""
    response = get_swagger_ui_html(
        openapi_url=openapi_url, title=f"{title} - docs",
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
        f"script-src {SWAGGER_CDN} {hashes}; "
        f"style-src {SWAGGER_CDN} 'unsafe-inline'; "
        f"img-src 'self' data: {FAVICON_ORIGIN}; "
        "connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def docs_router(path: str, html: str) -> APIRouter:
    """A router serving the pre-rendered page at `path` (left out of the schema)."""
    router = APIRouter()

    @router.get(path, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html)

    return router
