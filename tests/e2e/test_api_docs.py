"""/docs as a browser loads it: every file the page references comes from the gateway itself,
so the page works offline and no third-party origin is named, in the page or in its CSP."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png",
         ".json": "application/json"}


def test_every_file_the_docs_page_references_is_served_by_the_gateway(gateway) -> None:
    page = gateway.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    referenced = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page.text)
    spec = re.findall(r"url:\s*'([^']+)'", page.text)  # what the inline script fetches
    assert spec == ["/openapi.json"]
    icons = re.findall(r'<link[^>]+rel="[^"]*icon[^"]*"[^>]+href="([^"]+)"', page.text)
    assert len(icons) == 1 and icons[0] in referenced
    assert len(referenced) == 3  # Swagger UI's script and stylesheet, and the favicon
    origin = urlsplit(str(page.url)).netloc
    for url in [*referenced, *spec]:
        absolute = urljoin(str(page.url), url)  # as the browser resolves it
        assert urlsplit(absolute).netloc == origin, url
        response = gateway.get(absolute)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] == TYPES[url[url.rindex("."):]]
        assert response.content, url
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_docs_page_names_no_other_origin(gateway) -> None:
    page = gateway.get("/docs")
    assert not re.findall(r"(?:https?:)?//[^\s\"'<>]+", page.text)
    csp = page.headers["content-security-policy"]
    for directive in csp.split(";"):
        name, *sources = directive.split()
        for source in sources:
            assert source in ("'self'", "'none'", "'unsafe-inline'", "data:") \
                or re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", source), (name, source)
    assert "script-src 'self' 'sha256-" in csp


def test_the_docs_files_are_cached_for_good(gateway) -> None:
    page = gateway.get("/docs")
    script = re.findall(r'<script src="([^"]+)"', page.text)[0]
    response = gateway.get(script)
    assert "immutable" in response.headers["cache-control"]
    assert "max-age=31536000" in response.headers["cache-control"]
