"""Rate limits in Redis, shared by every gateway replica.

Each rule names the requests it covers (method + path prefix), a budget per window and who it
is counted for: the client IP, or the signed-in user (falling back to the IP for anonymous
calls). Budgets for users grow with their plan tier. Counting is a sliding log in a Redis
sorted set, updated by one Lua script so that concurrent replicas never over-admit, with
Redis's own clock so replicas agree on time. Every answer under a rule carries `RateLimit-*`
headers; an exhausted budget is a 429 problem+json with `Retry-After`, logged, and reported
to the auth service as a `rate_limit_exceeded` security event (security_events.py: in the
background, at most once per rule, key and window). If Redis is unreachable the gateway fails
open (availability over strictness) and logs it.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from career_kit import context
from gateway.problems import problem_response
from gateway.security_events import SecurityEventReporter

log = logging.getLogger("gateway.ratelimit")


@dataclass(frozen=True)
class Rule:
    """A budget of `limit` requests per `window_seconds` for requests that match."""

    name: str
    path_prefix: str
    limit: int
    window_seconds: int
    methods: frozenset[str] = frozenset()  # empty: every method
    per: Literal["ip", "user"] = "user"

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path_prefix) and (not self.methods or method in self.methods)


def _post(name: str, prefix: str, limit: int, window: int, per: Literal["ip", "user"]) -> Rule:
    return Rule(name, prefix, limit, window, frozenset({"POST"}), per)


# The seed specification's table. The first matching rule applies, so specific rules come
# before the general /api/ budget.
DEFAULT_RULES: tuple[Rule, ...] = (
    _post("login", "/auth/login", 5, 15 * 60, "ip"),
    _post("register", "/auth/register", 3, 3600, "ip"),
    _post("password_reset", "/auth/forgot-password", 3, 3600, "ip"),
    # Not in the seed's table, but each call may send an e-mail: same budget as a reset.
    _post("resend_verification", "/auth/resend-verification", 3, 3600, "ip"),
    # The second login step guesses 6 digits: as strict as the password step.
    _post("two_factor_login", "/auth/2fa/login", 5, 15 * 60, "ip"),
    Rule("oauth", "/auth/oauth/", 20, 3600, per="ip"),
    Rule("ai", "/ai/", 10, 3600),
    Rule("job_search", "/api/jobs/search", 50, 3600, frozenset({"GET"})),
    _post("social_posts", "/api/social/posts", 20, 3600, "user"),
    _post("uploads", "/api/uploads", 20, 3600, "user"),
    Rule("api", "/api/", 100, 3600),
)

# How many times the base budget each plan gets on per-user rules.
DEFAULT_TIER_MULTIPLIERS: Mapping[str, float] = {"free": 1, "pro": 5, "premium": 10, "admin": 100}

# KEYS[1] the log; ARGV: window ms, limit, member. Returns {allowed, count, ms until a slot frees}.
_SLIDING_LOG = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], window)
local reset = window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, count, reset}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    rule: Rule
    # Who the budget was counted for: "ip" or "user", and the address or user id.
    key_kind: Literal["ip", "user"]
    key: str

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={self.rule.window_seconds}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_seconds)
        return headers


class RateLimiter:
    """Applies the first matching rule to a request."""

    def __init__(self, redis: aioredis.Redis, *, rules: Sequence[Rule] = DEFAULT_RULES,
                 tier_multipliers: Mapping[str, float] = DEFAULT_TIER_MULTIPLIERS,
                 key_prefix: str = "") -> None:
        self.redis = redis
        self.rules = tuple(rules)
        self.tier_multipliers = dict(tier_multipliers)
        self.key_prefix = key_prefix
        self._script = redis.register_script(_SLIDING_LOG)

    def rule_for(self, method: str, path: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.matches(method, path)), None)

    async def check(self, rule: Rule, client_ip: str,
                    caller: context.Caller | None) -> Decision:
        limit = rule.limit
        key_kind: Literal["ip", "user"]
        if rule.per == "user" and caller is not None:
            key_kind, subject = "user", caller.user_id
            limit = max(1, math.floor(limit * self.tier_multipliers.get(caller.tier, 1)))
        else:
            key_kind, subject = "ip", client_ip
        key = f"{self.key_prefix}ratelimit:{rule.name}:{key_kind}:{subject}"
        allowed, count, reset_ms = await self._script(
            keys=[key], args=[rule.window_seconds * 1000, limit, uuid.uuid4().hex])
        return Decision(bool(allowed), limit, max(0, limit - int(count)),
                        max(1, math.ceil(int(reset_ms) / 1000)), rule, key_kind, subject)


class RateLimitMiddleware:
    """Counts requests against the limiter held in the app's lifespan state (`rate_limiter`);
    refusals go to its `security_events` reporter, when there is one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get("state") or {}
        limiter: RateLimiter | None = state.get("rate_limiter")
        if scope["type"] != "http" or limiter is None:
            await self.app(scope, receive, send)
            return
        rule = limiter.rule_for(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        client_ip = (scope.get("client") or ("unknown", 0))[0]
        try:
            decision = await limiter.check(rule, client_ip, context.caller.get())
        except (RedisError, OSError):
            log.warning("rate limiter unavailable; request let through",
                        extra={"rule": rule.name}, exc_info=True)
            await self.app(scope, receive, send)
            return
        if not decision.allowed:
            caller = context.caller.get()
            log.warning("rate limit exceeded", extra={
                "security_event": "rate_limit_exceeded", "rule": rule.name, "ip": client_ip,
                "path": scope["path"]})
            reporter: SecurityEventReporter | None = state.get("security_events")
            if reporter is not None:
                reporter.rate_limit_exceeded(
                    rule=rule.name, key_kind=decision.key_kind, key=decision.key,
                    limit=decision.limit, window_seconds=rule.window_seconds,
                    method=scope["method"], path=scope["path"], client_ip=client_ip,
                    user_id=caller.user_id if caller is not None else "")
            response = problem_response(
                429, f"Too many requests: at most {decision.limit} per "
                     f"{rule.window_seconds} s for this action. Retry in "
                     f"{decision.reset_seconds} s.",
                instance=scope["path"], type_="rate-limit-exceeded",
                headers=decision.headers())
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode())
                            for k, v in decision.headers().items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

