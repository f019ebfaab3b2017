"""Third-party webhooks, forwarded byte for byte to the service that owns them.

Stripe signs the exact bytes it sent (and Meta the exact query of its verification GET), so the
body is read raw and never parsed, the query string is passed on untouched, and every
end-to-end header goes along. The owning service verifies the signature; these paths need no
authentication here. Only hop-by-hop headers are dropped, and Host and Content-Length are
recomputed for the new hop. The sender gets the service's answer as it was given.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from career_kit import context
from gateway.deps import SettingsDep, WebhookHttpDep
from gateway.middleware import REQUEST_ID_HEADER
from gateway.problems import Problem

log = logging.getLogger(__name__)

# What the receiving service answers is passed on as it is, so the document promises no media
# type for a success (billing answers JSON, a Meta verification GET would echo plain text); its
# errors are problem+json, like the gateway's own (the app-wide 4XX and 5XX).
router = APIRouter(tags=["webhooks"], default_response_class=Response, responses={
    200: {"description": "The receiving service's answer, forwarded unchanged",
          "content": {"*/*": {"schema": {}}}},
})

# RFC 9110 section 7.6.1, plus the proxy ones; Host and Content-Length belong to one hop as well.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
    "proxy-connection", "proxy-authenticate", "proxy-authorization", "host", "content-length",
})
_FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
                        REQUEST_ID_HEADER.lower()})
# Our server adds its own Date (and Server); the upstream's copies would be duplicates.
_RESPONSE_SKIP = HOP_BY_HOP | {"date", "server"}
# Headers httpx adds by itself when a request lacks them; the sender's request did lack them.
_CLIENT_DEFAULTS = ("accept", "accept-encoding", "user-agent")


STRIPE_ROOT = "/webhooks/stripe"
STRIPE = "/webhooks/stripe/{path:path}"
PAYPAL = "/webhooks/paypal"
SOCIAL = "/webhooks/social/{path:path}"


# Stripe only ever POSTs; a GET is the gateway's own 405 (problem+json, `Allow: POST`).
@router.post(STRIPE, operation_id="forward_stripe_webhook",
             summary="Stripe webhooks, forwarded to the billing service")
async def stripe_webhook(path: str, request: Request, http: WebhookHttpDep,
                         settings: SettingsDep) -> Response:
    return await forward(request, http, settings.webhook_url("billing"), "/webhooks/stripe/", path)


@router.post(STRIPE_ROOT, operation_id="forward_stripe_webhook_root",
             summary="Stripe webhooks (the endpoint's main path), forwarded to billing")
async def stripe_webhook_root(request: Request, http: WebhookHttpDep,
                              settings: SettingsDep) -> Response:
    return await forward(request, http, settings.webhook_url("billing"), "/webhooks/stripe", "")


@router.post(PAYPAL, operation_id="forward_paypal_webhook",
             summary="PayPal webhooks, forwarded to the billing service")
async def paypal_webhook(request: Request, http: WebhookHttpDep,
                         settings: SettingsDep) -> Response:
    return await forward(request, http, settings.webhook_url("billing"), "/webhooks/paypal", "")


@router.post(SOCIAL, operation_id="forward_social_webhook",
             summary="Social platform webhooks, forwarded to the social service")
@router.get(SOCIAL, operation_id="forward_social_webhook_get",
            summary="Social platform verification GETs (Meta hub.challenge), forwarded")
async def social_webhook(path: str, request: Request, http: WebhookHttpDep,
                         settings: SettingsDep) -> Response:
    return await forward(request, http, settings.webhook_url("social"), "/webhooks/social/", path)


async def forward(request: Request, http: httpx.AsyncClient, base_url: str, prefix: str,
                  path: str) -> Response:
    """Send `request` to `base_url` + its own path and query; return the answer unchanged."""
    if any(segment in (".", "..") for segment in path.split("/")):
        # A client that does not normalise paths could otherwise climb out of the prefix
        # (httpx resolves dot segments) and reach the service's internal endpoints.
        raise Problem(400, "Webhook paths may not contain '.' or '..' segments.")
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    target = httpx.URL(base_url.rstrip("/") + raw_path.decode("latin-1"))
    query = request.scope.get("query_string", b"")
    if query:
        target = target.copy_with(query=query)
    if not target.raw_path.decode("latin-1").startswith(prefix):
        raise Problem(400, "Webhook path does not resolve below its prefix.")

    body = await request.body()
    outgoing = http.build_request(
        request.method, target, content=body, headers=forward_headers(request))
    for name in _CLIENT_DEFAULTS:
        if name not in request.headers:
            del outgoing.headers[name]
    try:
        upstream = await http.send(outgoing, stream=True)
        try:
            content = b"".join([chunk async for chunk in upstream.aiter_raw()])
        finally:
            await upstream.aclose()
    except httpx.TimeoutException as exc:
        log.warning("webhook receiver timed out", extra={"target": base_url, "error": repr(exc)})
        raise Problem(504, "The webhook receiver did not answer in time.") from exc
    except httpx.HTTPError as exc:
        log.warning("webhook receiver unreachable", extra={"target": base_url,
                                                           "error": repr(exc)})
        raise Problem(502, "The webhook receiver could not be reached.") from exc

    response = Response(content=content, status_code=upstream.status_code)
    response.raw_headers.extend(_end_to_end(upstream.headers.raw, _RESPONSE_SKIP))
    return response


def forward_headers(request: Request) -> list[tuple[bytes, bytes]]:
    """The request's end-to-end headers in order (repeats kept), plus X-Forwarded-* and the id."""
    raw = request.headers.raw
    headers = [(name, value) for name, value in _end_to_end(raw, HOP_BY_HOP | _FORWARDED)]
    client = request.client.host if request.client else "unknown"
    prior = request.headers.get("x-forwarded-for")
    headers += [
        (b"x-forwarded-for", f"{prior}, {client}".encode() if prior else client.encode()),
        (b"x-forwarded-proto", request.headers.get("x-forwarded-proto",
                                                   request.url.scheme).encode()),
        (b"x-forwarded-host", request.headers.get("x-forwarded-host",
                                                  request.headers.get("host", "")).encode()),
        (REQUEST_ID_HEADER.lower().encode(), context.current_correlation_id().encode()),
    ]
    return headers


def _end_to_end(raw: Iterable[tuple[bytes, bytes]],
                skip: frozenset[str]) -> list[tuple[bytes, bytes]]:
    """`raw` without the names in `skip` and without those the Connection header lists."""
    pairs = list(raw)
    listed = {token.strip().lower()
              for name, value in pairs if name.lower() == b"connection"
              for token in value.decode("latin-1").split(",")}
    return [(name, value) for name, value in pairs
            if (key := name.decode("latin-1").lower()) not in skip
            and key not in listed and not key.startswith("proxy-")]
