"""E-mail verification: a single-use, expiring token per request, and no account enumeration."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import grpc

from career.auth.v1 import auth_pb2, events_pb2

REQUESTED = "user.email_verification_requested"


async def _tokens(auth) -> list[events_pb2.EmailVerificationRequested]:
    return await auth.published(REQUESTED, events_pb2.EmailVerificationRequested)


async def test_register_requests_verification_with_a_token_stored_only_as_its_hash(auth) -> None:
    user = await auth.register("ada@example.com", "Ada")
    [request] = await _tokens(auth)
    assert (request.user_id, request.email, request.name, request.language) == (
        user.id, "ada@example.com", "Ada", "en")
    expires_at = request.expires_at.ToDatetime(tzinfo=UTC)
    assert abs(expires_at - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
    [(purpose, token_hash, used_at)] = await auth.rows(
        "SELECT purpose, token_hash, used_at FROM email_tokens")
    assert purpose == "verify" and used_at is None
    assert bytes(token_hash) == hashlib.sha256(request.token.encode()).digest()


async def test_a_verification_token_verifies_once(auth) -> None:
    user = await auth.register()
    [request] = await _tokens(auth)

    reply = await auth.call("VerifyEmail", auth_pb2.VerifyEmailRequest(token=request.token))
    assert reply.user.id == user.id and reply.user.HasField("email_verified_at")
    me = await auth.call("GetMe", auth_pb2.GetMeRequest(), as_user=user.id)
    assert me.HasField("email_verified_at")
    [verified] = await auth.published("user.email_verified", events_pb2.UserEmailVerified)
    assert (verified.user_id, verified.email) == (user.id, "ada@example.com")

    again = await auth.error("VerifyEmail", auth_pb2.VerifyEmailRequest(token=request.token))
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "already been used" in again.details()
    assert len(await auth.published("user.email_verified", events_pb2.UserEmailVerified)) == 1


async def test_an_expired_verification_token_is_refused(auth) -> None:
    user = await auth.register()
    [request] = await _tokens(auth)
    await auth.rows("UPDATE email_tokens SET expires_at = now() - interval '1 second'")
    expired = await auth.error("VerifyEmail", auth_pb2.VerifyEmailRequest(token=request.token))
    assert expired.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "expired" in expired.details()
    me = await auth.call("GetMe", auth_pb2.GetMeRequest(), as_user=user.id)
    assert not me.HasField("email_verified_at")


async def test_unknown_and_reset_tokens_do_not_verify(auth) -> None:
    await auth.register()
    await auth.call("ForgotPassword", auth_pb2.ForgotPasswordRequest(email="ada@example.com"))
    [reset] = await auth.published("user.password_reset_requested",
                                   events_pb2.PasswordResetRequested)
    for token in ("no-such-token", reset.token, "x" * 10_000):
        error = await auth.error("VerifyEmail", auth_pb2.VerifyEmailRequest(token=token))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "not valid" in error.details()
    empty = await auth.error("VerifyEmail", auth_pb2.VerifyEmailRequest())
    assert empty.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_resend_answers_alike_and_publishes_only_for_an_unverified_user(auth) -> None:
    await auth.register("unverified@example.com")
    await auth.register("verified@example.com")
    [_, verified_request] = await _tokens(auth)
    await auth.call("VerifyEmail", auth_pb2.VerifyEmailRequest(token=verified_request.token))

    replies = [await auth.call("ResendVerification",
                               auth_pb2.ResendVerificationRequest(email=email))
               for email in ("nobody@example.com", "verified@example.com",
                             " UNVERIFIED@example.com ")]
    assert {reply.SerializeToString() for reply in replies} == {b""}
    requests = await _tokens(auth)
    assert [r.email for r in requests] == ["unverified@example.com", "verified@example.com",
                                           "unverified@example.com"]
    first, resent = requests[0], requests[2]
    assert first.token != resent.token

    # The new link works, and spends the older one with it.
    await auth.call("VerifyEmail", auth_pb2.VerifyEmailRequest(token=resent.token))
    old = await auth.error("VerifyEmail", auth_pb2.VerifyEmailRequest(token=first.token))
    assert old.code() == grpc.StatusCode.FAILED_PRECONDITION

    malformed = await auth.error("ResendVerification",
                                 auth_pb2.ResendVerificationRequest(email="not-an-address"))
    assert malformed.code() == grpc.StatusCode.INVALID_ARGUMENT
