"""Access tokens, refresh rotation with reuse detection, logout and the denylist."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import grpc
import jwt
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from career.auth.v1 import auth_pb2


def _thumbprint(jwk: dict) -> str:
    """RFC 7638, written out here independently of auth.keys."""
    members = json.dumps({"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]},
                         separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(
        b"=").decode()


def _ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


async def test_access_token_claims_and_kid_verify_against_jwks(auth) -> None:
    user = await auth.register()
    reply = await auth.login()
    jwks = json.loads((await auth.call("GetJwks", auth_pb2.GetJwksRequest())).jwks_json)
    [jwk] = jwks["keys"]
    assert set(jwk) >= {"kty", "n", "e", "kid", "alg", "use"} and "d" not in jwk
    assert jwk["kid"] == _thumbprint(jwk)

    token = reply.tokens.access_token
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("RS256", jwk["kid"])
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = jwt.decode(token, key, algorithms=["RS256"], issuer="career-tools-app",
                        audience="career-tools-users")
    assert claims["sub"] == user.id
    assert (claims["tier"], claims["roles"], claims["sid"]) == ("free", [],
                                                                 reply.tokens.session_id)
    assert len(claims["jti"]) >= 16
    assert claims["exp"] - claims["iat"] == 900
    assert claims["exp"] == reply.tokens.access_expires_at.seconds
    assert abs(claims["iat"] - datetime.now(UTC).timestamp()) < 30
    refresh_ttl = reply.tokens.refresh_expires_at.seconds - claims["iat"]
    assert 604_790 <= refresh_ttl <= 604_810

    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key, algorithms=["RS256"], audience="someone-else")


async def test_refresh_rotates_and_reuse_revokes_family(auth) -> None:
    await auth.register()
    first = (await auth.login()).tokens
    second = (await auth.call("Refresh", auth_pb2.RefreshRequest(
        refresh_token=first.refresh_token, user_agent="Safari", ip="192.0.2.1"))).tokens
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    third = (await auth.call("Refresh", auth_pb2.RefreshRequest(
        refresh_token=second.refresh_token))).tokens

    # Only hashes are stored.
    stored = {bytes(h) for (h,) in await auth.rows("SELECT token_hash FROM refresh_tokens")}
    assert hashlib.sha256(third.refresh_token.encode()).digest() in stored
    assert not any(third.refresh_token.encode() in h for h in stored)

    # The first token again: the session ends for whoever holds any of its tokens.
    reused = await auth.error("Refresh", auth_pb2.RefreshRequest(
        refresh_token=first.refresh_token, ip="192.0.2.99"))
    assert reused.code() == grpc.StatusCode.UNAUTHENTICATED
    latest = await auth.error("Refresh", auth_pb2.RefreshRequest(
        refresh_token=third.refresh_token))
    assert latest.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await auth.rows("SELECT 1 FROM refresh_tokens WHERE revoked_at IS NULL") == []
    [(ip, session_id)] = await auth.rows(
        "SELECT host(ip), detail->>'session_id' FROM security_events "
        "WHERE kind = 'token_reuse'")
    assert (ip, session_id) == ("192.0.2.99", first.session_id)


async def test_unknown_or_expired_refresh_token_is_unauthenticated(auth) -> None:
    await auth.register()
    tokens = (await auth.login()).tokens
    unknown = await auth.error("Refresh", auth_pb2.RefreshRequest(refresh_token="not-a-token"))
    assert unknown.code() == grpc.StatusCode.UNAUTHENTICATED
    await auth.rows("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
    expired = await auth.error("Refresh", auth_pb2.RefreshRequest(
        refresh_token=tokens.refresh_token))
    assert expired.code() == grpc.StatusCode.UNAUTHENTICATED
    empty = await auth.error("Refresh", auth_pb2.RefreshRequest())
    assert empty.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_logout_denylists_access_jti(auth) -> None:
    user = await auth.register()
    tokens = (await auth.login()).tokens
    claims = jwt.decode(tokens.access_token, options={"verify_signature": False})
    await auth.call("Logout", auth_pb2.LogoutRequest(
        refresh_token=tokens.refresh_token, access_jti=claims["jti"],
        access_expires_at=tokens.access_expires_at))

    key = f"{auth.settings.platform.redis_key_prefix}auth:denylist:{claims['jti']}"
    ttl = await auth.redis.ttl(key)
    assert 850 <= ttl <= 900
    refused = await auth.error("Refresh", auth_pb2.RefreshRequest(
        refresh_token=tokens.refresh_token))
    assert refused.code() == grpc.StatusCode.UNAUTHENTICATED
    sessions = await auth.call("ListSessions", auth_pb2.ListSessionsRequest(), as_user=user.id)
    assert list(sessions.sessions) == []


async def test_logout_by_session_id_and_jti_validation(auth) -> None:
    user = await auth.register()
    tokens = (await auth.login()).tokens
    no_expiry = await auth.error("Logout", auth_pb2.LogoutRequest(
        session_id=tokens.session_id, access_jti="abc"), as_user=user.id)
    assert no_expiry.code() == grpc.StatusCode.INVALID_ARGUMENT
    anonymous = await auth.error("Logout", auth_pb2.LogoutRequest(
        session_id=tokens.session_id))
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED

    await auth.call("Logout", auth_pb2.LogoutRequest(
        session_id=tokens.session_id, access_jti="jti-1",
        access_expires_at=_ts(datetime.now(UTC) + timedelta(days=30))), as_user=user.id)
    # A forged far-future expiry cannot park keys in Redis for longer than a token lives.
    ttl = await auth.redis.ttl(f"{auth.settings.platform.redis_key_prefix}auth:denylist:jti-1")
    assert 0 < ttl <= 960
    refused = await auth.error("Refresh", auth_pb2.RefreshRequest(
        refresh_token=tokens.refresh_token))
    assert refused.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_logout_all_revokes_every_session_of_the_caller(auth) -> None:
    ada = await auth.register("ada@example.com")
    await auth.register("grace@example.com")
    laptop, phone = (await auth.login()).tokens, (await auth.login()).tokens
    other = (await auth.login("grace@example.com")).tokens

    reply = await auth.call("LogoutAll", auth_pb2.LogoutAllRequest(), as_user=ada.id)
    assert reply.revoked_sessions == 2
    for tokens in (laptop, phone):
        error = await auth.error("Refresh", auth_pb2.RefreshRequest(
            refresh_token=tokens.refresh_token))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    still = await auth.call("Refresh", auth_pb2.RefreshRequest(refresh_token=other.refresh_token))
    assert still.tokens.session_id == other.session_id
    anonymous = await auth.error("LogoutAll", auth_pb2.LogoutAllRequest())
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
