"""Rate limits in Redis, shared by every gateway replica.

Each rule names the requests it covers (method + path prefix), a budget per window and who it
is counted for: the client IP, the signed-in user (falling back to the IP for anonymous
calls), or an e-mail address. Budgets for users grow with their plan tier. The middleware
applies the IP and user rules; it never reads bodies, so the routes that take an address
(forgot-password, resend-verification) apply the e-mail rules themselves with
`enforce_email_budget`, where the address is known only as a keyed hash (`email_key`).
Counting is a sliding log in a Redis sorted set, updated by one Lua script so that concurrent
replicas never over-admit, with Redis's own clock so replicas agree on time. Every answer
under a rule carries `RateLimit-*` headers (of the tighter budget, when a route counted one
too); an exhausted budget is a 429 problem+json with `Retry-After`, logged, and reported to the
auth service as a `rate_limit_exceeded` security event (security_events.py: in the
background, at most once per rule, key and window).

If Redis is unreachable, a rule decides by `fail_closed`. The rules that guard credentials and
mailboxes (login, the 2FA step, register, forgot-password, resend-verification, and their
per-address budgets) fail closed: 503 with Retry-After. A local in-process fallback was
rejected for them: its budget would be per replica and per restart (an attacker gets N
replicas x the budget, again after every deploy), and while Redis is down signed-in requests
fail closed anyway (access_tokens.py), so there is little availability left to save. The other
budgets fail open: the request goes through, logged and counted in
`gateway_rate_limit_unavailable_total{rule, outcome}`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import uuid
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as aioredis
from prometheus_client import Counter
from redis.exceptions import RedisError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from career_kit import context
from gateway.problems import (
    DEPENDENCY_RETRY_AFTER_SECONDS,
    Problem,
    dependency_unavailable,
    problem_response,
)
from gateway.security_events import SecurityEventReporter

log = logging.getLogger("gateway.ratelimit")

# Who a budget is counted for.
KeyKind = Literal["ip", "user", "email"]

UNAVAILABLE = Counter(
    "gateway_rate_limit_unavailable_total",
    "Requests a rate-limit rule could not count because Redis was unreachable",
    ["rule", "outcome"],  # outcome: refused (fail-closed rule) | let_through
)


@dataclass(frozen=True)
class Rule:
    """A budget of `limit` requests per `window_seconds` for requests that match."""

    name: str
    path_prefix: str
    limit: int
    window_seconds: int
    methods: frozenset[str] = frozenset()  # empty: every method
    per: KeyKind = "user"
    # Refuse (503) rather than let through when the budget cannot be counted (module docstring).
    fail_closed: bool = False

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path_prefix) and (not self.methods or method in self.methods)


def _post(name: str, prefix: str, limit: int, window: int, per: KeyKind, *,
          fail_closed: bool = False) -> Rule:
    return Rule(name, prefix, limit, window, frozenset({"POST"}), per, fail_closed)


# The seed specification's table (its per-e-mail rows are below). The first matching rule
# applies, so specific rules come before the general /api/ budget.
DEFAULT_RULES: tuple[Rule, ...] = (
    _post("login", "/auth/login", 5, 15 * 60, "ip", fail_closed=True),
    _post("register", "/auth/register", 3, 3600, "ip", fail_closed=True),
    # Per IP as well as per address (below), and looser: the per-address budget protects each
    # mailbox, this one stops a client from spraying mail over many addresses (10 an hour),
    # while people behind one NAT or office proxy can still each ask for their own.
    _post("password_reset", "/auth/forgot-password", 10, 3600, "ip", fail_closed=True),
    _post("resend_verification", "/auth/resend-verification", 10, 3600, "ip",
          fail_closed=True),
    # The second login step guesses 6 digits: as strict as the password step.
    _post("two_factor_login", "/auth/2fa/login", 5, 15 * 60, "ip", fail_closed=True),
    Rule("oauth", "/auth/oauth/", 20, 3600, per="ip"),
    Rule("ai", "/ai/", 10, 3600),
    Rule("job_search", "/api/jobs/search", 50, 3600, frozenset({"GET"})),
    _post("social_posts", "/api/social/posts", 20, 3600, "user"),
    _post("uploads", "/api/uploads", 20, 3600, "user"),
    Rule("api", "/api/", 100, 3600),
    # The CV editor autosaves every few seconds while someone types: an hour of editing is a
    # thousand saves, far past the general /api/ budget.
    Rule("cvs", "/cvs", 1200, 3600),
    # Public CV links: per address, so nobody scrapes or inflates a link's views.
    Rule("public_cvs", "/public/", 300, 3600, per="ip"),
)

# Per e-mail address, whether or not it has an account (the answer must not tell), counted
# by the routes (`enforce_email_budget`). Password reset is the seed's "3 per hour per
# e-mail"; resending the verification mail is not in its table, but each call may send one.
PASSWORD_RESET_PER_EMAIL = _post("password_reset", "/auth/forgot-password", 3, 3600, "email",
                                 fail_closed=True)
# Sign-up mails the address whether or not it is taken (a verification link, or a notice to
# the owner), so it is budgeted per address like the two rules around it.
REGISTER_PER_EMAIL = _post("register", "/auth/register", 3, 3600, "email", fail_closed=True)
RESEND_VERIFICATION_PER_EMAIL = _post("resend_verification", "/auth/resend-verification", 3,
                                      3600, "email", fail_closed=True)

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
    # Who the budget was counted for: "ip", "user" or "email", and the IP address, the user
    # id or the e-mail address's `email_key`.
    key_kind: KeyKind
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

    def refusal_detail(self) -> str:
        return (f"Too many requests: at most {self.limit} per {self.rule.window_seconds} s for "
                f"this action. Retry in {self.reset_seconds} s.")


# The decision of the middleware's rule for the current request, for a route that counts a
# budget of its own and must answer with the tighter of the two (`enforce_email_budget`).
current_decision: ContextVar[Decision | None] = ContextVar("rate_limit_decision", default=None)


def email_key(email: str, secret: bytes) -> str:
    """How an e-mail address is named in rate-limit keys and reports: an HMAC-SHA256, keyed
    with a server secret, of its trimmed lower-case form (auth matches addresses regardless of
    case). Redis never holds the address, and without the secret nobody can test whether a
    given address is counted there."""
    normalised = email.strip().lower().encode()
    return hmac.new(secret, b"ratelimit-email:" + normalised, hashlib.sha256).hexdigest()[:32]


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
        """Count a request against an IP or user rule."""
        if rule.per == "user" and caller is not None:
            limit = max(1, math.floor(rule.limit * self.tier_multipliers.get(caller.tier, 1)))
            return await self._count(rule, "user", caller.user_id, limit)
        return await self._count(rule, "ip", client_ip, rule.limit)

    async def check_email(self, rule: Rule, address_key: str) -> Decision:
        """Count a request against an e-mail rule, for the address named by `email_key`."""
        return await self._count(rule, "email", address_key, rule.limit)

    async def _count(self, rule: Rule, key_kind: KeyKind, subject: str,
                     limit: int) -> Decision:
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
            if _unavailable(rule):
                await dependency_unavailable(scope["path"], _UNAVAILABLE_DETAIL)(
                    scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        if not decision.allowed:
            _record_refusal(state.get("security_events"), decision, method=scope["method"],
                            path=scope["path"], client_ip=client_ip)
            response = problem_response(
                429, decision.refusal_detail(), instance=scope["path"],
                type_="rate-limit-exceeded", headers=decision.headers())
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            # A route that counted a tighter budget of its own already set these headers.
            if message["type"] == "http.response.start" and \
                    "ratelimit-limit" not in Headers(raw=message.get("headers", [])):
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode())
                            for k, v in decision.headers().items()]
                message = {**message, "headers": headers}
            await send(message)

        token = current_decision.set(decision)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            current_decision.reset(token)


_UNAVAILABLE_DETAIL = ("This action is rate limited and its budget cannot be checked right "
                       "now; retry shortly.")


def _unavailable(rule: Rule) -> bool:
    """Log and count a budget Redis could not count; whether the request must be refused."""
    outcome = "refused" if rule.fail_closed else "let_through"
    UNAVAILABLE.labels(rule.name, outcome).inc()
    log.warning("rate limiter unavailable; request %s", outcome.replace("_", " "),
                extra={"rule": rule.name, "key_kind": rule.per, "outcome": outcome},
                exc_info=True)
    return rule.fail_closed


def _record_refusal(reporter: SecurityEventReporter | None, decision: Decision, *, method: str,
                    path: str, client_ip: str) -> None:
    """Log a 429 and report it to auth as a security event (in the background)."""
    caller = context.caller.get()
    rule = decision.rule
    log.warning("rate limit exceeded", extra={
        "security_event": "rate_limit_exceeded", "rule": rule.name,
        "key_kind": decision.key_kind, "ip": client_ip, "path": path})
    if reporter is not None:
        reporter.rate_limit_exceeded(
            rule=rule.name, key_kind=decision.key_kind, key=decision.key,
            limit=decision.limit, window_seconds=rule.window_seconds, method=method,
            path=path, client_ip=client_ip, user_id=caller.user_id if caller is not None else "")


async def enforce_email_budget(request: Request, response: Response, rule: Rule, email: str,
                               secret: bytes) -> None:
    """Count this request against `rule` for `email` (any address: whether it has an account
    must not show), with the limiter and reporter of the app's lifespan state. Over budget:
    logged, reported and a 429 Problem with `Retry-After`. Otherwise `response` gets the
    `RateLimit-*` headers of this budget when it is tighter than the middleware's (which then
    adds none). Like the middleware, when Redis is unavailable a fail-closed rule answers 503
    and any other lets the request through."""
    limiter: RateLimiter | None = getattr(request.state, "rate_limiter", None)
    if limiter is None:
        return
    try:
        decision = await limiter.check_email(rule, email_key(email, secret))
    except (RedisError, OSError) as exc:
        if _unavailable(rule):
            raise Problem(503, _UNAVAILABLE_DETAIL, type_="dependency-unavailable",
                          headers={"Retry-After": str(DEPENDENCY_RETRY_AFTER_SECONDS)}) from exc
        return
    client_ip = request.client.host if request.client else "unknown"
    if not decision.allowed:
        _record_refusal(getattr(request.state, "security_events", None), decision,
                        method=request.method, path=request.url.path, client_ip=client_ip)
        raise Problem(429, decision.refusal_detail(), type_="rate-limit-exceeded",
                      headers=decision.headers())
    other = current_decision.get()
    if other is None or decision.remaining <= other.remaining:
        response.headers.update(decision.headers())

