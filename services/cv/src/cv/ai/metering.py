"""Every model call is paid for by the user's `ai_requests` quota (billing): consumed before the
call with a key of its own, given back (ReleaseQuota, same key) when the provider fails, so an
outage costs nobody a request. Each call is recorded (feature, provider, model, tokens,
latency, outcome) in `ai_calls` for the user's usage list, and counted in the metrics."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

import grpc
from prometheus_client import Counter, Histogram

from career.billing.v1 import billing_pb2, events_pb2
from career_kit.context import acting_for
from career_kit.errors import QuotaExceeded, Unavailable
from career_kit.unit_of_work import UnitOfWork
from cv.ai.providers.base import Generated, ProviderError
from cv.models import AiCall

log = logging.getLogger(__name__)
T = TypeVar("T")

CALLS = Counter("cv_ai_calls_total", "Model calls by feature, provider and outcome",
                ["feature", "provider", "outcome"])
TOKENS = Counter("cv_ai_tokens_total", "Tokens of model calls", ["feature", "provider",
                                                                   "direction"])
LATENCY = Histogram("cv_ai_call_seconds", "Model call latency", ["feature", "provider"],
                    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64))
BILLING_TIMEOUT = 5.0
# What a plan gives per period (billing's plans table): named in the 429 so the SPA can say
# which plan allows more.
_UPGRADE = {"free": "Pro (100 a month) or Premium (500)", "pro": "Premium (500 a month)"}


class Metering:
    def __init__(self, unit: UnitOfWork, billing, clock: Callable[[], datetime]) -> None:
        self.unit = unit
        self.billing = billing  # BillingServiceStub
        self.clock = clock

    async def metered(self, user_id: uuid.UUID, feature: str, provider: str,
                      call: Callable[[], Awaitable[Generated]]) -> Generated:
        """Consume one AI request, make the call, record it; give the request back if the
        provider failed."""
        key = f"cv:ai:{feature}:{uuid.uuid4()}"
        await self._consume(user_id, key)
        try:
            generated = await call()
        except ProviderError as exc:
            await self._release(user_id, key)
            await self._record(user_id, feature, provider, "", 0, 0, 0.0, f"failed:{exc.kind}")
            raise
        except BaseException:
            await self._release(user_id, key)
            raise
        await self._record(user_id, feature, generated.provider, generated.model,
                           generated.input_tokens, generated.output_tokens,
                           generated.latency_ms, "ok")
        return generated

    async def _consume(self, user_id: uuid.UUID, key: str) -> None:
        try:
            with acting_for(str(user_id)):
                await self.billing.ConsumeQuota(billing_pb2.ConsumeQuotaRequest(
                    user_id=str(user_id), feature=billing_pb2.FEATURE_AI_REQUESTS, amount=1,
                    idempotency_key=key), timeout=BILLING_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                tier = await self._tier(user_id)
                more = _UPGRADE.get(tier, "a plan with more AI requests")
                raise QuotaExceeded(
                    f"You have used this period's AI requests ({exc.details()}). {more} "
                    "allows more.", problem_type="ai-quota-exceeded") from exc
            raise Unavailable("AI requests cannot be counted just now; try again shortly.",
                              retry_after_seconds=10) from exc

    async def _tier(self, user_id: uuid.UUID) -> str:
        try:
            with acting_for(str(user_id)):
                entitlements = await self.billing.GetEntitlements(
                    billing_pb2.GetEntitlementsRequest(user_id=str(user_id)),
                    timeout=BILLING_TIMEOUT)
        except grpc.aio.AioRpcError:
            return ""
        return {events_pb2.PLAN_FREE: "free", events_pb2.PLAN_PRO: "pro",
                events_pb2.PLAN_PREMIUM: "premium"}.get(entitlements.plan, "")

    async def _release(self, user_id: uuid.UUID, key: str) -> None:
        try:
            with acting_for(str(user_id)):
                await self.billing.ReleaseQuota(billing_pb2.ReleaseQuotaRequest(
                    user_id=str(user_id), idempotency_key=key), timeout=BILLING_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            # The user loses one request; logged so support can give it back.
            log.error("could not give back an AI request after a failed call",
                      extra={"user_id": str(user_id), "key": key, "code": exc.code().name})

    async def _record(self, user_id: uuid.UUID, feature: str, provider: str, model: str,
                      tokens_in: int, tokens_out: int, latency_ms: float, outcome: str) -> None:
        CALLS.labels(feature, provider, outcome.split(":")[0]).inc()
        if outcome == "ok":
            TOKENS.labels(feature, provider, "in").inc(tokens_in)
            TOKENS.labels(feature, provider, "out").inc(tokens_out)
            LATENCY.labels(feature, provider).observe(latency_ms / 1000)

        async def add(session) -> None:
            session.add(AiCall(id=uuid.uuid4(), user_id=user_id, feature=feature,
                               provider=provider, model=model, input_tokens=tokens_in,
                               output_tokens=tokens_out, latency_ms=latency_ms,
                               outcome=outcome, created_at=self.clock()))

        await self.unit(add)
