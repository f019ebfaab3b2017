"""Verifying the SPA's access tokens: RS256 JWTs signed by the auth service.

The keys come from auth's JWKS (`AuthService.GetJwks`), cached and fetched again when a token
names a `kid` the cache does not have (key rotation), at most once per `refetch_interval`. Only
RS256 is accepted, so `alg: none` and HS256 tokens "signed" with the public key fail before any
key is used; issuer, audience, expiry and the claims we rely on are required. Auth revokes
tokens in Redis, and one round trip (MGET) reads all three marks: a token whose `jti` is on
the denylist (logout) is refused, so is one whose session (`sid`) has ended (logout, a session
ended from the sessions list), and so is one whose `iat` is below its user's revocation time
(logout everywhere, password reset or change, account deletion, a reused refresh token: see
LogoutAll in auth.proto). `AuthenticationMiddleware` turns a valid `Authorization: Bearer`
token into `career_kit.context.caller`, which the kit's gRPC channels forward to the services;
routes that need a user depend on `CurrentCaller`.

A token whose signature and claims checked out is remembered (by its exact text, until it
expires, at most `verified_cache_size` of them, and forgotten whenever the keys are fetched
again), so the SPA's next requests with it skip the base64, JSON and RSA work; the revocation
marks are read from Redis on every request all the same, so logout still takes effect at once.

When Redis cannot be read the revocation marks are unknown, so the token is neither accepted
nor called invalid: the request fails closed with 503 and `Retry-After` (a logged-out token
must never work again merely because Redis blinked, and the client must not throw away a token
that may well be valid).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
import redis.asyncio as aioredis
from fastapi import Depends
from jwt.algorithms import RSAAlgorithm
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from career_kit import context
from career_kit.revocation_keys import denylist_key, revoked_before_key, session_revoked_key
from gateway.problems import Problem, dependency_unavailable, problem_response

log = logging.getLogger("gateway.access_tokens")

ISSUER = "career-tools-app"
AUDIENCE = "career-tools-users"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="career-tools", error="invalid_token"'}


@dataclass(frozen=True)
class VerifiedToken:
    """What a valid access token says: who, and which token (logout denylists its jti)."""

    caller: context.Caller
    jti: str
    expires_at: int  # unix seconds
    issued_at: int = 0  # unix seconds
    # When the user signed in to start the session (unix seconds); None for tokens issued
    # before auth added the claim.
    auth_time: int | None = None


# The token of the current request, for routes that act on it (logout).
current_token: ContextVar[VerifiedToken | None] = ContextVar("current_token", default=None)


class InvalidToken(Exception):
    """The bearer token cannot be trusted; the message is safe to show."""


class RevocationUnavailable(Exception):
    """Whether the token was revoked cannot be checked now (Redis unreachable)."""


class AccessTokenVerifier:
    """Checks access tokens against auth's published keys and denylist."""

    def __init__(self, fetch_jwks: Callable[[], Awaitable[str]], redis: aioredis.Redis, *,
                 key_prefix: str = "", refetch_interval: float = 30.0, leeway: float = 5.0,
                 verified_cache_size: int = 4096) -> None:
        self._fetch_jwks = fetch_jwks
        self._redis = redis
        self._key_prefix = key_prefix
        self._refetch_interval = refetch_interval
        self._leeway = leeway
        self._keys: dict[str, Any] = {}
        self._fetched_at = -float("inf")
        self._lock = asyncio.Lock()
        # token text -> what it says, least recently used first (module docstring).
        self._verified: OrderedDict[str, _Signed] = OrderedDict()
        self._verified_cache_size = verified_cache_size

    async def _refresh_keys(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._refetch_interval:
                return
            self._fetched_at = time.monotonic()
            jwks = json.loads(await self._fetch_jwks())
            self._keys = {jwk["kid"]: RSAAlgorithm.from_jwk(jwk) for jwk in jwks.get("keys", [])
                          if jwk.get("kty") == "RSA" and "kid" in jwk}
            self._verified.clear()  # a key may have been withdrawn

    async def _key_for(self, kid: str) -> Any:
        if kid not in self._keys:
            try:
                await self._refresh_keys()
            except Exception as exc:  # auth unreachable: no new keys, old ones still work
                log.warning("could not fetch the JWKS", exc_info=True)
                raise InvalidToken("the token's signing key is unknown") from exc
        if kid not in self._keys:
            raise InvalidToken("the token's signing key is unknown")
        return self._keys[kid]

    async def verify(self, token: str) -> VerifiedToken:
        """What a token says, or InvalidToken (RevocationUnavailable without Redis)."""
        signed = self._verified.get(token)
        if signed is not None and time.time() < signed.token.expires_at + self._leeway:
            self._verified.move_to_end(token)
        else:
            self._verified.pop(token, None)
            signed = await self._check_signature(token)
            self._verified[token] = signed
            if len(self._verified) > self._verified_cache_size:
                self._verified.popitem(last=False)
        verified = signed.token
        user_id = verified.caller.user_id
        keys = [denylist_key(self._key_prefix, verified.jti),
                revoked_before_key(self._key_prefix, user_id)]
        # Auth puts a `sid` in every token; one without can only be ended by the other marks.
        if signed.session_id:
            keys.append(session_revoked_key(self._key_prefix, signed.session_id))
        try:
            denied, revoked_before, *session_revoked = await self._redis.mget(keys)
        except (RedisError, OSError) as exc:
            raise RevocationUnavailable("the token revocation store is unreachable") from exc
        # A token issued in the second of a revocation but before it has an `iat` below the
        # revocation time (auth sets it to the next second) and is refused; auth gives tokens
        # issued after it, in that same second, the revocation time itself as `iat`.
        if (denied is not None or any(mark is not None for mark in session_revoked)
                or (revoked_before is not None and verified.issued_at < int(revoked_before))):
            raise InvalidToken("the token has been revoked")
        return verified

    async def _check_signature(self, token: str) -> _Signed:
        """The token's signature, algorithm, issuer, audience, expiry and claims, checked."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("the token is not a JWT") from exc
        if header.get("alg") != "RS256":
            raise InvalidToken("the token is not signed with RS256")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key")
        key = await self._key_for(kid)
        try:
            claims = jwt.decode(
                token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("the token is invalid") from exc
        roles = claims.get("roles") or []
        caller = context.Caller(user_id=str(claims["sub"]), tier=str(claims.get("tier", "free")),
                                roles=tuple(str(role) for role in roles))
        auth_time = claims.get("auth_time")
        session_id = claims.get("sid")
        return _Signed(
            VerifiedToken(caller, str(claims["jti"]), int(claims["exp"]), int(claims["iat"]),
                          int(auth_time) if isinstance(auth_time, int) else None),
            session_id if isinstance(session_id, str) and session_id else None)


@dataclass(frozen=True)
class _Signed:
    """A token whose signature and claims are good; whether it was revoked is not known."""

    token: VerifiedToken
    session_id: str | None


class AuthenticationMiddleware:
    """Sets the caller from a bearer token; a bad token is a 401 problem, none is anonymous."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        verifier: AccessTokenVerifier | None = (scope.get("state") or {}).get("token_verifier")
        if scope["type"] != "http" or verifier is None:
            await self.app(scope, receive, send)
            return
        authorization = next((value.decode("latin-1") for name, value in scope["headers"]
                              if name == b"authorization"), None)
        if authorization is None:
            await self.app(scope, receive, send)
            return
        scheme, _, token = authorization.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise InvalidToken("use 'Authorization: Bearer <access token>'")
            verified = await verifier.verify(token.strip())
        except InvalidToken as exc:
            log.warning("invalid access token", extra={
                "security_event": "unauthorized_access", "reason": str(exc),
                "path": scope["path"]})
            response = problem_response(401, str(exc), instance=scope["path"],
                                        type_="invalid-token", headers=_CHALLENGE)
            await response(scope, receive, send)
            return
        except RevocationUnavailable:
            log.error("access token not checked: revocation store unreachable",
                      extra={"path": scope["path"]}, exc_info=True)
            response = dependency_unavailable(
                scope["path"], "Signed-in requests cannot be checked right now; retry shortly.")
            await response(scope, receive, send)
            return
        caller_var = context.caller.set(verified.caller)
        token_var = current_token.set(verified)
        try:
            await self.app(scope, receive, send)
        finally:
            current_token.reset(token_var)
            context.caller.reset(caller_var)


async def require_caller() -> context.Caller:
    """Dependency of routes that need a signed-in user."""
    who = context.caller.get()
    if who is None:
        raise Problem(401, "Sign in: this route needs an access token.", type_="unauthenticated",
                      headers={"WWW-Authenticate": 'Bearer realm="career-tools"'})
    return who


CurrentCaller = Annotated[context.Caller, Depends(require_caller)]
