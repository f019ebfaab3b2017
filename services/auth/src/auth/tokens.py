"""Access tokens (RS256 JWTs), and the opaque tokens stored only as a hash: refresh tokens and
the single-use e-mail tokens (verification, password reset)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from auth.keys import ALGORITHM, SigningKeys

ISSUER = "career-tools-app"
AUDIENCE = "career-tools-users"


@dataclass(frozen=True)
class AccessToken:
    token: str
    jti: str
    expires_at: datetime


class AccessTokenIssuer:
    """Signs access tokens with the ring's signing key; `kid` names the key in the JWKS."""

    def __init__(self, keys: SigningKeys, ttl: timedelta) -> None:
        self.keys = keys
        self.ttl = ttl

    def issue(self, *, user_id: uuid.UUID, tier: str, roles: list[str],
              session_id: uuid.UUID, now: datetime, auth_time: datetime,
              not_before: int | None = None) -> AccessToken:
        """`auth_time` is when the user signed in to start the session (OIDC's claim of that
        name). `not_before` is the user's revocation time (auth.service.tokens), if any: a token
        issued in the same second as a revocation but after it gets that later second as its
        `iat`, so the gateway's `iat < T` check cannot catch it (at most one second ahead,
        within the gateway's leeway)."""
        jti = uuid.uuid4().hex
        expires_at = (now + self.ttl).replace(microsecond=0)
        issued_at = max(int(now.timestamp()), not_before or 0)
        claims: dict[str, Any] = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": str(user_id), "tier": tier,
            "roles": list(roles), "sid": str(session_id), "jti": jti,
            "iat": issued_at, "exp": int(expires_at.timestamp()),
            "auth_time": int(auth_time.timestamp()),
        }
        key = self.keys.signing
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                           headers={"kid": key.kid})
        return AccessToken(token, jti, expires_at)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> bytes:
    # A plain SHA-256 suffices: the token has 256 bits of entropy, so there is nothing to salt
    # or stretch against, and it must be looked up by its hash.
    return hashlib.sha256(token.encode()).digest()


def new_email_token() -> str:
    return secrets.token_urlsafe(32)


def hash_email_token(token: str) -> bytes:
    # As for refresh tokens: 256 random bits need no salt or stretching.
    return hashlib.sha256(token.encode()).digest()
