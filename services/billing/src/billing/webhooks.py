"""The webhook endpoints (billing's HTTP port; the gateway forwards `/webhooks/stripe/*` and
`/webhooks/paypal` here byte for byte).

Stripe: POST /webhooks/stripe, and the seed's per-event paths (/webhooks/stripe/<anything>) as
aliases: the event type is in the signed body, so the path only routes. PayPal: POST
/webhooks/paypal. Answers: 400 for a body that does not verify (signature, timestamp, JSON) —
nothing is stored; 200 once the event is applied or recognised as a redelivery; 5xx when
applying failed, after a full rollback, so the provider retries.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from billing.provider_events import ProviderEvents
from billing.providers.base import InvalidWebhook, ProviderError, SubscriptionProvider
from career_kit import context
from career_kit.ops_http import problem_response
from career_kit.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
WEBHOOKS = Counter("billing_webhook_events_total", "Webhook deliveries by outcome",
                   ["provider", "outcome"])


def webhook_routes(unit: UnitOfWork, handlers: ProviderEvents,
                   providers: Mapping[str, SubscriptionProvider]) -> list[Route]:
    async def receive(request: Request, provider_name: str) -> Response:
        # One correlation id for the whole delivery (the gateway's request id when it came
        # through the gateway): the provider calls, the outbox events and every log line.
        forwarded = request.headers.get("x-request-id")
        context.correlation_id.set(forwarded if context.valid_correlation_id(forwarded)
                                   else context.new_correlation_id())
        provider = providers.get(provider_name)
        if provider is None:
            WEBHOOKS.labels(provider_name, "not_configured").inc()
            return problem_response(404, f"{provider_name} webhooks are not configured",
                                    instance=request.url.path)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return problem_response(413, "webhook body too large", instance=request.url.path)
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            event = await provider.verify_webhook(body, headers)
        except InvalidWebhook as exc:
            WEBHOOKS.labels(provider_name, "rejected").inc()
            log.warning("webhook rejected", extra={"provider": provider_name,
                                                   "reason": str(exc)})
            return problem_response(400, f"webhook rejected: {exc}",
                                    instance=request.url.path)
        except ProviderError as exc:
            # PayPal verifies through its API; when that is down, ask for a redelivery.
            WEBHOOKS.labels(provider_name, "verify_unavailable").inc()
            log.warning("webhook verification unavailable", extra={"error": str(exc)})
            return problem_response(503, "cannot verify the webhook now",
                                    instance=request.url.path)
        try:
            outcome = await unit(lambda session: handlers.handle(session, event))
        except Exception:
            WEBHOOKS.labels(provider_name, "failed").inc()
            log.exception("webhook handling failed; the provider will redeliver",
                          extra={"provider": provider_name, "event_id": event.id,
                                 "event_type": event.type})
            return problem_response(500, "handling failed; retry", instance=request.url.path)
        WEBHOOKS.labels(provider_name, outcome).inc()
        log.info("webhook applied", extra={"provider": provider_name, "event_id": event.id,
                                           "event_type": event.type, "outcome": outcome})
        return JSONResponse({"received": True, "outcome": outcome})

    async def stripe_webhook(request: Request) -> Response:
        return await receive(request, "stripe")

    async def paypal_webhook(request: Request) -> Response:
        return await receive(request, "paypal")

    return [Route("/webhooks/stripe", stripe_webhook, methods=["POST"]),
            Route("/webhooks/stripe/{alias:path}", stripe_webhook, methods=["POST"]),
            Route("/webhooks/paypal", paypal_webhook, methods=["POST"])]
