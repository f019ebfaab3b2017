"""Plans, entitlements and quotas: the limits hold under concurrency and retries."""

from __future__ import annotations

import asyncio

import grpc

from career.billing.v1 import billing_pb2, events_pb2

AI = billing_pb2.FEATURE_AI_REQUESTS
POSTS = billing_pb2.FEATURE_SCHEDULED_POSTS


async def test_plans_list_free_pro_premium_with_prices(billing):
    reply = await billing.call("ListPlans", billing_pb2.ListPlansRequest())
    assert [(p.plan, p.price.units, p.price.nanos) for p in reply.plans] == [
        (events_pb2.PLAN_FREE, 0, 0), (events_pb2.PLAN_PRO, 29, 990_000_000),
        (events_pb2.PLAN_PREMIUM, 49, 990_000_000)]
    premium = reply.plans[2]
    assert premium.api_access and premium.premium_templates and premium.interval == "month"


async def test_free_entitlements_without_a_subscription(billing):
    user = await billing.new_user()
    ent = await billing.call("GetEntitlements", billing_pb2.GetEntitlementsRequest(),
                             as_user=user)
    assert ent.plan == events_pb2.PLAN_FREE and not ent.premium_templates
    limits = {x.feature: (x.limit, x.metered, x.used) for x in ent.limits}
    assert limits[AI] == (3, True, 0)
    assert limits[billing_pb2.FEATURE_CONNECTED_ACCOUNTS][1] is False
    assert ent.period_end.seconds > ent.period_start.seconds


async def test_a_user_cannot_read_someone_elses_entitlements(billing):
    me, other = await billing.new_user(), await billing.new_user()
    error = await billing.error("GetEntitlements",
                                billing_pb2.GetEntitlementsRequest(user_id=other), as_user=me)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_malformed_caller_is_unauthenticated_and_a_malformed_user_id_invalid(billing):
    as_caller = await billing.error("GetEntitlements", billing_pb2.GetEntitlementsRequest(),
                                    as_user="not-a-uuid")
    assert as_caller.code() == grpc.StatusCode.UNAUTHENTICATED
    as_argument = await billing.error("GetEntitlements",
                                      billing_pb2.GetEntitlementsRequest(user_id="not-a-uuid"))
    assert as_argument.code() == grpc.StatusCode.INVALID_ARGUMENT


async def _consume(billing, user: str, key: str, feature: int = AI, amount: int = 1):
    return await billing.call("ConsumeQuota", billing_pb2.ConsumeQuotaRequest(
        user_id=user, feature=feature, amount=amount, idempotency_key=key))


async def test_100_concurrent_consumes_never_exceed_the_free_limit(billing):
    user = await billing.new_user()
    results = await asyncio.gather(
        *(_consume(billing, user, f"k-{n}") for n in range(100)), return_exceptions=True)
    granted = [r for r in results if isinstance(r, billing_pb2.QuotaStatus)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(granted) == 3 and len(refused) == 97
    assert {r.code() for r in refused} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
    assert sorted(g.used for g in granted) == [1, 2, 3]
    ent = await billing.call("GetEntitlements", billing_pb2.GetEntitlementsRequest(user_id=user))
    assert next(x.used for x in ent.limits if x.feature == AI) == 3


async def test_100_concurrent_consumes_on_pro_stop_at_its_limit(billing):
    user = await billing.new_user()
    await billing.subscribe(user)
    results = await asyncio.gather(
        *(_consume(billing, user, f"p-{n}", feature=POSTS) for n in range(100)),
        return_exceptions=True)
    granted = [r for r in results if isinstance(r, billing_pb2.QuotaStatus)]
    assert len(granted) == 60          # pro: 60 scheduled posts per period
    assert max(g.used for g in granted) == 60


async def test_a_retried_consume_with_the_same_key_uses_nothing_more(billing):
    user = await billing.new_user()
    first = await _consume(billing, user, "cv:enhance:1")
    again = await _consume(billing, user, "cv:enhance:1")
    assert (first.used, first.replayed) == (1, False)
    assert (again.used, again.replayed) == (1, True)
    reused = await billing.error("ConsumeQuota", billing_pb2.ConsumeQuotaRequest(
        user_id=user, feature=AI, amount=2, idempotency_key="cv:enhance:1"))
    assert reused.code() == grpc.StatusCode.INVALID_ARGUMENT
    check = await billing.call("CheckQuota", billing_pb2.CheckQuotaRequest(
        user_id=user, feature=AI, amount=2))
    assert (check.allowed, check.used, check.remaining) == (True, 1, 2)
    check = await billing.call("CheckQuota", billing_pb2.CheckQuotaRequest(
        user_id=user, feature=AI, amount=3))
    assert not check.allowed


async def _release(billing, user: str, key: str) -> billing_pb2.QuotaStatus:
    return await billing.call("ReleaseQuota", billing_pb2.ReleaseQuotaRequest(
        user_id=user, idempotency_key=key))


async def test_a_released_consumption_gives_its_use_back_once(billing):
    """What a failed AI call consumed is given back: the user keeps their three requests."""
    user = await billing.new_user()
    for n in range(3):
        await _consume(billing, user, f"cv:enhance:{n}")

    released = await _release(billing, user, "cv:enhance:1")
    again = await _release(billing, user, "cv:enhance:1")
    unknown = await _release(billing, user, "cv:enhance:never")

    assert (released.released, released.used, released.remaining) == (True, 2, 1)
    assert (again.released, again.used) == (False, 2)
    assert not unknown.released
    assert (await _consume(billing, user, "cv:enhance:3")).used == 3
    reused = await billing.error("ConsumeQuota", billing_pb2.ConsumeQuotaRequest(
        user_id=user, feature=AI, amount=1, idempotency_key="cv:enhance:1"))
    assert reused.code() == grpc.StatusCode.INVALID_ARGUMENT
    over = await billing.error("ConsumeQuota", billing_pb2.ConsumeQuotaRequest(
        user_id=user, feature=AI, amount=1, idempotency_key="cv:enhance:4"))
    assert over.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    other = await billing.new_user()
    theirs = await billing.error("ReleaseQuota", billing_pb2.ReleaseQuotaRequest(
        user_id=user, idempotency_key="cv:enhance:0"), as_user=other)
    assert theirs.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_bad_quota_requests_are_invalid_arguments(billing):
    user = await billing.new_user()
    for request in (
        billing_pb2.ConsumeQuotaRequest(user_id=user, feature=AI, amount=1),
        billing_pb2.ConsumeQuotaRequest(user_id=user, feature=AI, amount=0,
                                        idempotency_key="k"),
        billing_pb2.ConsumeQuotaRequest(user_id="not-a-uuid", feature=AI, amount=1,
                                        idempotency_key="k"),
        billing_pb2.ConsumeQuotaRequest(user_id=user, amount=1, idempotency_key="k"),
        billing_pb2.ConsumeQuotaRequest(user_id=user, amount=1, idempotency_key="k",
                                        feature=billing_pb2.FEATURE_CONNECTED_ACCOUNTS),
    ):
        error = await billing.error("ConsumeQuota", request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, request
