"""Rate limits live in Redis, so every gateway replica spends the same budget."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest
import redis.asyncio as aioredis

from career_kit import context
from devstack.servers import free_port, wait_for_port
from gateway.ratelimit import DEFAULT_RULES, RateLimiter


@pytest.fixture
def two_gateways(infra) -> Iterator[list[str]]:
    """Two gateway processes (`python -m gateway.main`) sharing one Redis."""
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    processes, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            env = {**os.environ, "GATEWAY_HTTP_PORT": str(port), "GATEWAY_HOST": "127.0.0.1",
                   "GATEWAY_METRICS_PORT": str(free_port()),
                   "REDIS_URL": infra.redis_url, "REDIS_KEY_PREFIX": prefix,
                   "LOG_LEVEL": "WARNING"}
            processes.append(subprocess.Popen([sys.executable, "-m", "gateway.main"], env=env,
                                              stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
            wait_for_port(port, timeout=30)
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)


def test_login_budget_is_shared_by_two_gateway_processes(two_gateways) -> None:
    answers = []
    for attempt in range(6):
        url = two_gateways[attempt % 2]
        answers.append(httpx.post(f"{url}/auth/login", json={"email": "a@b.c"}, timeout=10))
    for attempt, answer in enumerate(answers[:5]):
        assert answer.status_code != 429, answer.text
        assert answer.headers["ratelimit-remaining"] == str(4 - attempt)
        assert answer.headers["ratelimit-policy"] == "5;w=900"
    refused = answers[5]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "rate-limit-exceeded"
    assert 0 < int(refused.headers["retry-after"]) <= 900
    assert refused.headers["ratelimit-remaining"] == "0"


def test_each_client_address_has_its_own_login_budget(two_gateways) -> None:
    url = two_gateways[0]
    for _ in range(5):
        httpx.post(f"{url}/auth/login", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10)
    blocked = httpx.post(f"{url}/auth/login", headers={"X-Forwarded-For": "203.0.113.7"},
                         timeout=10)
    other = httpx.post(f"{url}/auth/login", headers={"X-Forwarded-For": "198.51.100.9"},
                       timeout=10)
    assert blocked.status_code == 429
    assert other.status_code != 429
    assert other.headers["ratelimit-remaining"] == "4"


def test_unlimited_paths_carry_no_rate_limit_headers(two_gateways) -> None:
    answer = httpx.get(f"{two_gateways[0]}/healthz", timeout=10)
    assert answer.status_code == 200
    assert "ratelimit-limit" not in answer.headers


async def test_paid_tiers_get_larger_per_user_budgets(infra, redis_key_prefix) -> None:
    redis = aioredis.from_url(infra.redis_url)
    limiter = RateLimiter(redis, key_prefix=redis_key_prefix)
    api = next(rule for rule in DEFAULT_RULES if rule.name == "api")
    free = await limiter.check(api, "10.0.0.1", context.Caller("u-free", "free"))
    pro = await limiter.check(api, "10.0.0.1", context.Caller("u-pro", "pro"))
    anonymous = await limiter.check(api, "10.0.0.1", None)
    await redis.aclose()
    assert (free.limit, free.remaining) == (100, 99)
    assert (pro.limit, pro.remaining) == (500, 499)
    assert anonymous.limit == 100  # counted per IP


async def test_the_budget_is_exact_under_concurrency(infra, redis_key_prefix) -> None:
    redis = aioredis.from_url(infra.redis_url)
    limiter = RateLimiter(redis, key_prefix=redis_key_prefix)
    login = DEFAULT_RULES[0]
    decisions = await asyncio.gather(*(limiter.check(login, "192.0.2.1", None)
                                       for _ in range(20)))
    await redis.aclose()
    assert sum(d.allowed for d in decisions) == 5
