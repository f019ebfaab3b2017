"""The tokens a session holds and how they end early: a session's token pair (an RS256 access
token and an opaque refresh token kept as its hash), the revocation of access tokens before they
expire (one token, one session's, or every one of a user's, in the Redis denylist the gateway
checks), and the JWKS the gateway verifies access tokens with. The mechanics (signing, hashing,
keys) are auth.tokens and auth.keys; this module decides when and for how long."""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import User
from auth.repository import RefreshTokens
from auth.service.dependencies import Dependencies
from auth.tokens import AccessToken, hash_refresh_token, new_refresh_token
from career_kit.errors import InvalidArgument

MAX_JTI_LENGTH = 128
# Redis keeps a revocation this much longer than an access token lives: the gateway accepts a
# token a few seconds past its expiry (clock leeway).
REVOCATION_MARGIN_SECONDS = 60

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedTokens:
    access: AccessToken
    refresh_token: str
    refresh_expires_at: datetime
    session_id: uuid.UUID


class Tokens:
    """Issues token pairs and access tokens, and revokes access tokens early."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    def jwks_json(self) -> str:
        return self.deps.keys.jwks_json()

    async def issue(self, session: AsyncSession, user: User, family_id: uuid.UUID,
                    now: datetime, user_agent: str | None, ip: str | None, *,
                    authenticated_at: datetime) -> IssuedTokens:
        """A token pair of the session `family_id`, signed into at `authenticated_at`."""
        access = await self.access_token(user, family_id, now, authenticated_at)
        refresh = new_refresh_token()
        expires_at = now + self.deps.refresh_ttl
        await RefreshTokens(session).add(
            user_id=user.id, family_id=family_id, token_hash=hash_refresh_token(refresh),
            created_at=now, expires_at=expires_at, authenticated_at=authenticated_at,
            user_agent=user_agent, ip=ip)
        return IssuedTokens(access, refresh, expires_at, family_id)

    async def access_token(self, user: User, family_id: uuid.UUID, now: datetime,
                           authenticated_at: datetime, *,
                           not_before: int | None = None) -> AccessToken:
        """An access token of the session; its `iat` is at least the user's revocation time
        (`not_before`, read from Redis unless given), so that it survives a revocation made
        earlier in the same second."""
        if not_before is None:
            try:
                not_before = await self.deps.denylist.revoked_before(user.id)
            except (RedisError, OSError):
                # Without it, a token issued in the second of a revocation is refused until
                # the user refreshes: not worth failing a sign-in for.
                log.warning("revocation time unavailable; token issued without it",
                            exc_info=True)
        return self.deps.issuer.issue(user_id=user.id, tier=user.tier, roles=list(user.roles),
                                      session_id=family_id, now=now,
                                      auth_time=authenticated_at, not_before=not_before)

    async def revoke_all_of_user(self, user_id: uuid.UUID, now: datetime) -> int:
        """Make the gateway refuse every access token of the user issued so far, for as long
        as one can live; returns the revocation time T (Unix seconds): tokens with `iat` < T
        are refused. `iat` is in whole seconds, so T is the second after `now`: a token issued
        earlier in the same second is refused too, and one issued later in it gets T as its
        `iat` (`access_token`)."""
        before = math.floor(now.timestamp()) + 1
        return await self.deps.denylist.revoke_before(user_id, before,
                                                      self.longest_token_life())

    async def revoke_session(self, family_id: uuid.UUID) -> None:
        """Make the gateway refuse every access token of the session (`sid` = `family_id`),
        for as long as one can live. Ending one session cannot use the user's revocation
        time: that would end the user's other sessions' tokens too."""
        await self.deps.denylist.revoke_session(family_id, self.longest_token_life())

    async def deny(self, jti: str, ttl_seconds: int) -> None:
        """Make the gateway refuse one access token (by `jti`) for `ttl_seconds`
        (`denylist_ttl`); nothing when the TTL is zero."""
        if ttl_seconds:
            await self.deps.denylist.add(jti, ttl_seconds)

    def denylist_ttl(self, jti: str, expires_at: datetime | None, now: datetime) -> int:
        """Seconds to keep `jti` on the denylist: until the token expires, never longer than
        a token can live (so a bogus expiry cannot fill Redis). Checked before anything is
        written, so that a malformed request changes nothing."""
        if not jti:
            return 0
        if len(jti) > MAX_JTI_LENGTH:
            raise InvalidArgument(f"access_jti must be at most {MAX_JTI_LENGTH} characters")
        if expires_at is None:
            raise InvalidArgument("access_expires_at is required with access_jti")
        remaining = math.ceil((expires_at - now).total_seconds())
        return max(0, min(remaining, self.longest_token_life()))

    def longest_token_life(self) -> int:
        return math.ceil(self.deps.issuer.ttl.total_seconds()) + REVOCATION_MARGIN_SECONDS
