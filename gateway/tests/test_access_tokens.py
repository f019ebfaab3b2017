"""Access-token verification: only RS256 tokens from auth's keys, for us, unexpired, unrevoked.

The keys here are made by the test and published through the verifier's JWKS source, the way
auth publishes its own; the denylist is the real Redis.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
import redis.asyncio as aioredis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from career_kit.revocation_keys import denylist_key, revoked_before_key, session_revoked_key
from gateway.access_tokens import (
    AUDIENCE,
    ISSUER,
    AccessTokenVerifier,
    InvalidToken,
)


class SigningKey:
    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        self.jwk = {**json.loads(RSAAlgorithm.to_jwk(self.private.public_key())),
                    "kid": self.kid, "use": "sig", "alg": "RS256"}
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def token(self, **overrides) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "tier": "pro",
                  "roles": ["user"], "jti": uuid.uuid4().hex, "iat": now, "exp": now + 900}
        claims.update(overrides)
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid})


class Jwks:
    """The key set as auth would publish it; counts fetches."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.fetches = 0

    async def __call__(self) -> str:
        self.fetches += 1
        return json.dumps({"keys": [key.jwk for key in self.keys]})


@pytest.fixture
async def redis(infra):
    client = aioredis.from_url(infra.redis_url)
    yield client
    await client.aclose()


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_valid_token_names_the_caller(redis, redis_key_prefix) -> None:
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis, key_prefix=redis_key_prefix)
    verified = await verifier.verify(key.token(sub="u-9", tier="premium", roles=["admin"],
                                               jti="j-1"))
    caller = verified.caller
    assert (caller.user_id, caller.tier, caller.roles) == ("u-9", "premium", ("admin",))
    assert verified.jti == "j-1" and verified.expires_at > time.time()


async def test_alg_none_is_refused(redis) -> None:
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis)
    claims = jwt.decode(key.token(), options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': key.kid})}.{_b64(claims)}."
    with pytest.raises(InvalidToken, match="RS256"):
        await verifier.verify(unsigned)


async def test_hs256_signed_with_the_public_key_is_refused(redis) -> None:
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis)
    claims = jwt.decode(key.token(), options={"verify_signature": False})
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": key.kid})
    signing_input = f"{header}.{_b64(claims)}"
    signature = base64.urlsafe_b64encode(hmac.new(
        key.public_pem, signing_input.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken, match="RS256"):
        await verifier.verify(f"{signing_input}.{signature}")


@pytest.mark.parametrize("overrides, reason", [
    ({"exp": int(time.time()) - 60}, "expired"),
    ({"aud": "someone-else"}, "invalid"),
    ({"iss": "evil-issuer"}, "invalid"),
])
async def test_expired_and_foreign_tokens_are_refused(redis, overrides, reason) -> None:
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis, leeway=0)
    with pytest.raises(InvalidToken, match=reason):
        await verifier.verify(key.token(**overrides))


async def test_a_token_signed_by_another_key_is_refused(redis) -> None:
    published, attacker = SigningKey(), SigningKey()
    attacker.kid = published.kid  # claims to be the published key
    verifier = AccessTokenVerifier(Jwks(published), redis)
    with pytest.raises(InvalidToken):
        await verifier.verify(attacker.token())


async def test_a_revoked_token_is_refused(redis, redis_key_prefix) -> None:
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis, key_prefix=redis_key_prefix)
    token = key.token(jti="jti-logged-out")
    await verifier.verify(token)
    await redis.set(denylist_key(redis_key_prefix, "jti-logged-out"), "1", ex=900)
    with pytest.raises(InvalidToken, match="revoked"):
        await verifier.verify(token)


async def test_tokens_issued_before_the_users_revocation_time_are_refused(
        redis, redis_key_prefix) -> None:
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis, key_prefix=redis_key_prefix)
    now = int(time.time())
    earlier = key.token(sub="u-1", iat=now - 60)
    same_second = key.token(sub="u-1", iat=now)
    other_user = key.token(sub="u-2", iat=now - 60)
    await verifier.verify(earlier)
    # Auth revoked u-1's tokens during second `now`, so the time it sets is the next second.
    await redis.set(revoked_before_key(redis_key_prefix, "u-1"), str(now + 1), ex=960)
    for token in (earlier, same_second):
        with pytest.raises(InvalidToken, match="revoked"):
            await verifier.verify(token)
    # What auth issues after the revocation carries at least that time; other users are fine.
    after = await verifier.verify(key.token(sub="u-1", iat=now + 1, auth_time=now - 30))
    assert (after.issued_at, after.auth_time) == (now + 1, now - 30)
    assert (await verifier.verify(other_user)).auth_time is None


async def test_tokens_of_an_ended_session_are_refused_and_the_users_others_are_not(
        redis, redis_key_prefix) -> None:
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis, key_prefix=redis_key_prefix)
    phone, laptop = str(uuid.uuid4()), str(uuid.uuid4())
    phone_tokens = [key.token(sub="u-1", sid=phone), key.token(sub="u-1", sid=phone)]
    laptop_token = key.token(sub="u-1", sid=laptop)
    await verifier.verify(phone_tokens[0])
    # Auth ended the phone's session (logout, or from the laptop's list of sessions).
    await redis.set(session_revoked_key(redis_key_prefix, phone), "1", ex=960)
    for token in phone_tokens:
        with pytest.raises(InvalidToken, match="revoked"):
            await verifier.verify(token)
    assert (await verifier.verify(laptop_token)).caller.user_id == "u-1"


async def test_a_new_key_is_fetched_on_an_unknown_kid_but_not_on_every_request(redis) -> None:
    old, new = SigningKey(), SigningKey()
    jwks = Jwks(old)
    verifier = AccessTokenVerifier(jwks, redis, refetch_interval=0.0)
    await verifier.verify(old.token())
    await verifier.verify(old.token())
    assert jwks.fetches == 1  # cached
    jwks.keys.append(new)  # auth rotated: both keys valid during the rollover
    await verifier.verify(new.token())
    await verifier.verify(old.token())
    assert jwks.fetches == 2

    throttled = AccessTokenVerifier(jwks, redis, refetch_interval=60.0)
    stranger = SigningKey()
    for _ in range(3):
        with pytest.raises(InvalidToken, match="unknown"):
            await throttled.verify(stranger.token())
    assert jwks.fetches == 3  # one fetch for the throttled verifier, however many unknown kids


async def test_garbage_is_refused(redis) -> None:
    verifier = AccessTokenVerifier(Jwks(SigningKey()), redis)
    with pytest.raises(InvalidToken):
        await verifier.verify("not.a.jwt")


async def test_a_remembered_token_is_still_checked_for_revocation_and_expiry(
        redis, redis_key_prefix) -> None:
    # The second verify of the same token skips the signature (remembered), never Redis's
    # marks nor the expiry.
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis, key_prefix=redis_key_prefix, leeway=0)
    expires_at = int(time.time()) + 2
    token = key.token(jti="j-remembered", exp=expires_at)
    assert (await verifier.verify(token)).jti == "j-remembered"
    assert (await verifier.verify(token)).jti == "j-remembered"
    await redis.set(denylist_key(redis_key_prefix, "j-remembered"), "1", ex=60)
    with pytest.raises(InvalidToken, match="revoked"):
        await verifier.verify(token)
    await redis.delete(denylist_key(redis_key_prefix, "j-remembered"))
    assert (await verifier.verify(token)).jti == "j-remembered"
    await asyncio.sleep(expires_at - time.time() + 0.05)  # a remembered token expires too
    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(token)


async def test_tokens_are_remembered_up_to_the_bound(redis, redis_key_prefix) -> None:
    key = SigningKey()
    verifier = AccessTokenVerifier(Jwks(key), redis, key_prefix=redis_key_prefix,
                                   verified_cache_size=3)
    tokens = [key.token() for _ in range(5)]
    for token in tokens:
        await verifier.verify(token)
    assert list(verifier._verified) == tokens[2:]  # the least recently used went first
