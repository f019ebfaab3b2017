"""Ending sessions ends their access tokens too: logout everywhere, password reset and change,
deletion and a reused refresh token set the user's revocation time in Redis (the gateway
refuses tokens issued before it), and tokens issued afterwards, even within the same second,
are not caught by it; ending one session (logout, RevokeSession) marks that session revoked
and leaves the user's others alone. Access tokens also carry when their session was signed
into."""

from __future__ import annotations

import time
import uuid

import jwt

from auth.repository import AccessTokenDenylist
from career.auth.v1 import auth_pb2, events_pb2

PASSWORD = "correct horse battery staple"  # what the harness registers with
NEW_PASSWORD = "a brand new passphrase"


def _claims(access_token: str) -> dict:
    return jwt.decode(access_token, options={"verify_signature": False})


async def _revoked_before(auth, user_id: str) -> int | None:
    value = await auth.redis.get(
        f"{auth.settings.platform.redis_key_prefix}auth:revoked-before:{user_id}")
    return int(value) if value is not None else None


async def _revocation_ttl(auth, user_id: str) -> int:
    return await auth.redis.ttl(
        f"{auth.settings.platform.redis_key_prefix}auth:revoked-before:{user_id}")


def _session_key(auth, session_id: str) -> str:
    return f"{auth.settings.platform.redis_key_prefix}auth:session-revoked:{session_id}"


async def test_ending_one_session_revokes_its_access_tokens_and_no_others(auth) -> None:
    ada = await auth.register()
    laptop = (await auth.login(user_agent="laptop")).tokens
    phone = (await auth.login(user_agent="phone")).tokens
    assert _claims(phone.access_token)["sid"] == phone.session_id

    await auth.call("RevokeSession", auth_pb2.RevokeSessionRequest(
        session_id=phone.session_id), as_user=ada.id)
    assert await auth.redis.get(_session_key(auth, phone.session_id)) is not None
    # Kept as long as a token can live (15 minutes here) plus the gateway's leeway, no longer.
    assert 900 < await auth.redis.ttl(_session_key(auth, phone.session_id)) <= 960
    # The laptop goes on: neither its session nor the user is marked.
    assert await auth.redis.exists(_session_key(auth, laptop.session_id)) == 0
    assert await _revoked_before(auth, ada.id) is None


async def test_logout_revokes_the_access_tokens_of_its_session(auth) -> None:
    ada = await auth.register()
    by_id = (await auth.login(user_agent="laptop")).tokens
    by_refresh_token = (await auth.login(user_agent="phone")).tokens
    kept = (await auth.login(user_agent="tablet")).tokens

    await auth.call("Logout", auth_pb2.LogoutRequest(session_id=by_id.session_id),
                    as_user=ada.id)
    await auth.call("Logout", auth_pb2.LogoutRequest(
        refresh_token=by_refresh_token.refresh_token))
    for ended in (by_id, by_refresh_token):
        assert 900 < await auth.redis.ttl(_session_key(auth, ended.session_id)) <= 960
    assert await auth.redis.exists(_session_key(auth, kept.session_id)) == 0
    assert await _revoked_before(auth, ada.id) is None


async def test_logout_all_revokes_every_access_token_issued_so_far(auth) -> None:
    ada = await auth.register("ada@example.com")
    grace = await auth.register("grace@example.com")
    laptop, phone = (await auth.login()).tokens, (await auth.login()).tokens
    await auth.login("grace@example.com")
    assert await _revoked_before(auth, ada.id) is None

    await auth.call("LogoutAll", auth_pb2.LogoutAllRequest(), as_user=ada.id)
    before = await _revoked_before(auth, ada.id)
    assert before is not None
    for tokens in (laptop, phone):
        assert _claims(tokens.access_token)["iat"] < before
    # Kept as long as a token can live (15 minutes here) plus the gateway's leeway, no longer.
    assert 900 < await _revocation_ttl(auth, ada.id) <= 960
    assert await _revoked_before(auth, grace.id) is None

    # Signing in again right away, within the same second, gives a token that is not caught.
    again = (await auth.login()).tokens
    assert _claims(again.access_token)["iat"] >= before
    refreshed = (await auth.call("Refresh", auth_pb2.RefreshRequest(
        refresh_token=again.refresh_token))).tokens
    assert _claims(refreshed.access_token)["iat"] >= before


async def test_reset_password_revokes_the_users_access_tokens(auth) -> None:
    ada = await auth.register()
    old = (await auth.login()).tokens
    await auth.call("ForgotPassword", auth_pb2.ForgotPasswordRequest(email="ada@example.com"))
    [request] = await auth.published("user.password_reset_requested",
                                     events_pb2.PasswordResetRequested)
    await auth.call("ResetPassword", auth_pb2.ResetPasswordRequest(
        token=request.token, new_password=NEW_PASSWORD))
    before = await _revoked_before(auth, ada.id)
    assert before is not None and _claims(old.access_token)["iat"] < before


async def test_change_password_gives_the_kept_session_a_new_access_token(auth) -> None:
    ada = await auth.register()
    current = (await auth.login(user_agent="laptop")).tokens
    other = (await auth.login(user_agent="phone")).tokens

    reply = await auth.call("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=PASSWORD, new_password=NEW_PASSWORD,
        refresh_token=current.refresh_token), as_user=ada.id)
    before = await _revoked_before(auth, ada.id)
    assert before is not None
    assert _claims(current.access_token)["iat"] < before  # the caller's old token too
    assert _claims(other.access_token)["iat"] < before
    new = _claims(reply.access_token)
    assert new["iat"] >= before and new["sub"] == ada.id
    assert reply.session_id == current.session_id == new["sid"]
    assert new["exp"] == reply.access_expires_at.seconds
    # Still the same sign-in: a password change is not a new one.
    assert new["auth_time"] == _claims(current.access_token)["auth_time"]
    # The kept session goes on refreshing.
    await auth.call("Refresh", auth_pb2.RefreshRequest(refresh_token=current.refresh_token))

    # Without a session to keep, every session ends and no token comes back.
    unnamed = await auth.call("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=NEW_PASSWORD, new_password="a third passphrase"), as_user=ada.id)
    assert (unnamed.access_token, unnamed.session_id) == ("", "")
    assert not unnamed.HasField("access_expires_at")


async def test_a_reused_refresh_token_revokes_the_users_access_tokens(auth) -> None:
    ada = await auth.register()
    stolen = (await auth.login(user_agent="laptop")).tokens
    phone = (await auth.login(user_agent="phone")).tokens
    rotated = (await auth.call("Refresh", auth_pb2.RefreshRequest(
        refresh_token=stolen.refresh_token))).tokens
    await auth.error("Refresh", auth_pb2.RefreshRequest(refresh_token=stolen.refresh_token))

    before = await _revoked_before(auth, ada.id)
    assert before is not None and _claims(rotated.access_token)["iat"] < before
    # The user's other session lost its access token too, and gets a new one by refreshing.
    again = (await auth.call("Refresh", auth_pb2.RefreshRequest(
        refresh_token=phone.refresh_token))).tokens
    assert _claims(again.access_token)["iat"] >= before


async def test_delete_me_revokes_the_users_access_tokens(auth) -> None:
    ada = await auth.register()
    other = (await auth.login()).tokens
    await auth.call("DeleteMe", auth_pb2.DeleteMeRequest(password=PASSWORD), as_user=ada.id)
    before = await _revoked_before(auth, ada.id)
    assert before is not None and _claims(other.access_token)["iat"] < before


async def test_the_revocation_time_never_moves_back(auth) -> None:
    denylist = AccessTokenDenylist(auth.redis, auth.settings.platform.redis_key_prefix)
    user_id = uuid.uuid4()
    now = int(time.time())
    assert await denylist.revoke_before(user_id, now + 1, 960) == now + 1
    # A replica whose clock is behind must not bring back what a later revocation ended.
    assert await denylist.revoke_before(user_id, now - 30, 960) == now + 1
    assert await denylist.revoked_before(user_id) == now + 1
    assert await denylist.revoke_before(user_id, now + 5, 960) == now + 5
    assert await denylist.revoked_before(uuid.uuid4()) is None


async def test_access_tokens_keep_the_sign_in_time_through_refreshes(auth) -> None:
    await auth.register()
    signed_in = (await auth.login()).tokens
    auth_time = _claims(signed_in.access_token)["auth_time"]
    assert abs(auth_time - time.time()) < 30
    # Backdate the sign-in: refreshes carry the session's time, not their own.
    await auth.rows("UPDATE refresh_tokens SET authenticated_at = "
                    "authenticated_at - interval '1 hour'")
    refreshed = (await auth.call("Refresh", auth_pb2.RefreshRequest(
        refresh_token=signed_in.refresh_token))).tokens
    assert _claims(refreshed.access_token)["auth_time"] == auth_time - 3600
    twice = (await auth.call("Refresh", auth_pb2.RefreshRequest(
        refresh_token=refreshed.refresh_token))).tokens
    assert _claims(twice.access_token)["auth_time"] == auth_time - 3600
