"""Sign-in with Google, LinkedIn, X and Facebook against devstack's fake identity provider: the
round trip (state, PKCE, nonce, ID token), who gets signed in or linked, and unlinking."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
import jwt
import pyotp
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import SecretStr

from career.auth.v1 import auth_pb2, events_pb2
from devstack.fakes.identity import FakeIdentityProvider

BASE = "http://gateway.test"
NEW_PASSWORD = "a brand new passphrase"
PROVIDERS = ("google", "linkedin", "x", "facebook")


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider() as fake:
        for provider in PROVIDERS:
            fake.register_client(provider, f"{provider}-app", f"{provider}-secret",
                                 [f"{BASE}/auth/oauth/{provider}/callback"])
        yield fake


def provider_settings(idp: FakeIdentityProvider) -> dict[str, Any]:
    settings: dict[str, Any] = {"oauth_redirect_base_url": BASE}
    for provider in PROVIDERS:
        settings[f"{provider}_client_id"] = f"{provider}-app"
        settings[f"{provider}_client_secret"] = SecretStr(f"{provider}-secret")
    settings["google_discovery_url"] = idp.endpoints("google")["discovery"]
    settings["linkedin_discovery_url"] = idp.endpoints("linkedin")["discovery"]
    for provider in ("x", "facebook"):
        endpoints = idp.endpoints(provider)
        settings[f"{provider}_authorization_url"] = endpoints["authorization_endpoint"]
        settings[f"{provider}_token_url"] = endpoints["token_endpoint"]
        settings[f"{provider}_userinfo_url"] = endpoints["userinfo_endpoint"]
    return settings


@pytest.fixture
def auth_overrides(idp: FakeIdentityProvider) -> dict[str, Any]:
    return provider_settings(idp)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def round_trip(auth, provider: str, *, as_user: str | None = None,
                     intent: int = auth_pb2.OAUTH_INTENT_LOGIN) -> dict[str, str]:
    """StartOAuth, then the browser at the provider: the callback's query parameters."""
    start = await auth.call("StartOAuth", auth_pb2.StartOAuthRequest(
        provider=provider, intent=intent), as_user=as_user)
    async with httpx.AsyncClient() as browser:
        response = await browser.get(start.authorization_url)
    assert response.status_code == 302, response.text
    location = response.headers["location"].split("#")[0]
    assert location.startswith(f"{BASE}/auth/oauth/{provider}/callback?")
    params = _query(location)
    assert params["state"] == start.state
    return params


async def finish(auth, provider: str, params: dict[str, str]) -> auth_pb2.FinishOAuthResponse:
    return await auth.call("FinishOAuth", auth_pb2.FinishOAuthRequest(
        provider=provider, state=params["state"], code=params.get("code", ""),
        error=params.get("error", ""), user_agent="pytest", ip="203.0.113.9"))


def _sub() -> str:
    return str(uuid.uuid4().int)[:18]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_first_sign_in_creates_a_verified_user_without_password(
        auth, idp, provider) -> None:
    email = f"{provider}-{_sub()}@example.com"
    idp.add_user(provider, sub=_sub(), email=email, name="Grace Hopper")
    reply = await finish(auth, provider, await round_trip(auth, provider))
    assert reply.tokens.access_token and reply.tokens.refresh_token
    assert reply.user.email == email and reply.user.name == "Grace Hopper"
    assert reply.user.HasField("email_verified_at") and reply.linked
    [(password_hash,)] = await auth.rows("SELECT password_hash FROM users")
    assert password_hash is None
    [registered] = await auth.published("user.registered", events_pb2.UserRegistered)
    assert registered.user_id == reply.user.id and registered.email == email
    again = await finish(auth, provider, await round_trip(auth, provider))
    assert again.user.id == reply.user.id and not again.linked
    identities = await auth.call("ListIdentities", auth_pb2.ListIdentitiesRequest(),
                                 as_user=reply.user.id)
    assert [i.provider for i in identities.identities] == [provider]


async def test_pkce_and_nonce_reach_the_provider(auth, idp) -> None:
    idp.add_user("google", sub=_sub(), email=f"g-{_sub()}@example.com")
    params = await round_trip(auth, "google")
    authorize = idp.requests_for("google", "/o/oauth2/v2/auth")[-1]
    assert authorize.query["code_challenge_method"] == "S256" and authorize.query["nonce"]
    await finish(auth, "google", params)
    token_request = idp.requests_for("google", "/token")[-1]
    assert token_request.form["code_verifier"] and token_request.status == 200


async def test_state_is_single_use_and_bound_to_its_provider(auth, idp) -> None:
    idp.add_user("google", sub=_sub(), email=f"g-{_sub()}@example.com")
    params = await round_trip(auth, "google")
    wrong_provider = await auth.error("FinishOAuth", auth_pb2.FinishOAuthRequest(
        provider="linkedin", state=params["state"], code=params["code"]))
    assert wrong_provider.code() == grpc.StatusCode.UNAUTHENTICATED
    params = await round_trip(auth, "google")
    await finish(auth, "google", params)
    replay = await auth.error("FinishOAuth", auth_pb2.FinishOAuthRequest(
        provider="google", state=params["state"], code=params["code"]))
    assert replay.code() == grpc.StatusCode.UNAUTHENTICATED
    forged = await auth.error("FinishOAuth", auth_pb2.FinishOAuthRequest(
        provider="google", state="forged", code="whatever"))
    assert forged.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_denied_consent_is_unauthenticated(auth, idp) -> None:
    idp.add_user("x", sub=_sub(), email=f"x-{_sub()}@example.com")
    idp.deny_next("x")
    params = await round_trip(auth, "x")
    error = await auth.error("FinishOAuth", auth_pb2.FinishOAuthRequest(
        provider="x", state=params["state"], error=params["error"]))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_same_verified_email_links_to_a_verified_account(auth, idp) -> None:
    email = f"ann-{_sub()}@example.com"
    idp.add_user("google", sub=_sub(), email=email)
    first = await finish(auth, "google", await round_trip(auth, "google"))
    idp.add_user("linkedin", sub=_sub(), email=email.upper())
    second = await finish(auth, "linkedin", await round_trip(auth, "linkedin"))
    assert second.user.id == first.user.id and second.linked
    identities = await auth.call("ListIdentities", auth_pb2.ListIdentitiesRequest(),
                                 as_user=first.user.id)
    assert sorted(i.provider for i in identities.identities) == ["google", "linkedin"]


async def test_unverified_provider_email_is_not_linked(auth, idp) -> None:
    email = f"ann-{_sub()}@example.com"
    idp.add_user("google", sub=_sub(), email=email)
    await finish(auth, "google", await round_trip(auth, "google"))
    idp.add_user("linkedin", sub=_sub(), email=email, email_verified=False)
    error = await auth.error("FinishOAuth", (await _request(auth, "linkedin")))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not verified" in error.details()


async def test_unverified_local_account_is_not_linked(auth, idp) -> None:
    email = f"ann-{_sub()}@example.com"
    await auth.register(email)  # a password, but the address was never confirmed
    idp.add_user("google", sub=_sub(), email=email)
    error = await auth.error("FinishOAuth", (await _request(auth, "google")))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await auth.rows("SELECT 1 FROM oauth_identities") == []


async def _request(auth, provider: str) -> auth_pb2.FinishOAuthRequest:
    params = await round_trip(auth, provider)
    return auth_pb2.FinishOAuthRequest(provider=provider, state=params["state"],
                                       code=params["code"])


async def test_link_intent_links_to_the_caller(auth, idp) -> None:
    user = await auth.register(f"ann-{_sub()}@example.com")
    idp.add_user("facebook", sub=_sub(), email=f"other-{_sub()}@example.com")
    params = await round_trip(auth, "facebook", as_user=user.id,
                              intent=auth_pb2.OAUTH_INTENT_LINK)
    reply = await finish(auth, "facebook", params)
    assert reply.linked and reply.user.id == user.id and not reply.HasField("tokens")
    assert reply.intent == auth_pb2.OAUTH_INTENT_LINK
    # Now the Facebook account signs in to that user.
    again = await finish(auth, "facebook", await round_trip(auth, "facebook"))
    assert again.user.id == user.id and again.tokens.access_token
    anonymous = await auth.error("StartOAuth", auth_pb2.StartOAuthRequest(
        provider="facebook", intent=auth_pb2.OAUTH_INTENT_LINK))
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_unlink_refuses_the_last_way_to_sign_in(auth, idp) -> None:
    email = f"ann-{_sub()}@example.com"
    idp.add_user("google", sub=_sub(), email=email)
    user = (await finish(auth, "google", await round_trip(auth, "google"))).user
    last = await auth.error("UnlinkIdentity", auth_pb2.UnlinkIdentityRequest(provider="google"),
                            as_user=user.id)
    assert last.code() == grpc.StatusCode.FAILED_PRECONDITION
    idp.add_user("x", sub=_sub(), email=email)
    await finish(auth, "x", await round_trip(auth, "x"))
    await auth.call("UnlinkIdentity", auth_pb2.UnlinkIdentityRequest(provider="google"),
                    as_user=user.id)
    left = await auth.call("ListIdentities", auth_pb2.ListIdentitiesRequest(), as_user=user.id)
    assert [i.provider for i in left.identities] == ["x"]
    missing = await auth.error("UnlinkIdentity",
                               auth_pb2.UnlinkIdentityRequest(provider="google"),
                               as_user=user.id)
    assert missing.code() == grpc.StatusCode.NOT_FOUND


async def test_unknown_and_unconfigured_providers(auth) -> None:
    unknown = await auth.error("StartOAuth", auth_pb2.StartOAuthRequest(provider="myspace"))
    assert unknown.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("auth_overrides", [{}])
async def test_a_provider_without_client_id_is_off(auth) -> None:
    off = await auth.error("StartOAuth", auth_pb2.StartOAuthRequest(provider="google"))
    assert off.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_provider_sign_in_of_a_two_factor_user_needs_the_second_step(auth, idp) -> None:
    idp.add_user("google", sub=_sub(), email=f"ann-{_sub()}@example.com")
    user = (await finish(auth, "google", await round_trip(auth, "google"))).user
    setup = await auth.call("SetupTwoFactor", auth_pb2.SetupTwoFactorRequest(), as_user=user.id)
    await auth.call("EnableTwoFactor", auth_pb2.EnableTwoFactorRequest(
        code=pyotp.TOTP(setup.secret).now()), as_user=user.id)
    reply = await finish(auth, "google", await round_trip(auth, "google"))
    assert reply.two_factor_token and not reply.HasField("tokens")
    done = await auth.call("CompleteTwoFactorLogin", auth_pb2.CompleteTwoFactorLoginRequest(
        two_factor_token=reply.two_factor_token,
        code=pyotp.TOTP(setup.secret).at(time.time() + 30)))
    assert done.tokens.access_token and done.user.id == user.id


# A user who signed up with a provider has no password: a recent sign-in stands in for it. ---


def _auth_time(tokens: auth_pb2.TokenPair, minutes_ago: float = 0) -> Timestamp:
    """The access token's auth_time claim, as the gateway forwards it (optionally aged)."""
    claims = jwt.decode(tokens.access_token, options={"verify_signature": False})
    return Timestamp(seconds=int(claims["auth_time"] - minutes_ago * 60))


async def _provider_user(auth, idp) -> auth_pb2.FinishOAuthResponse:
    idp.add_user("google", sub=_sub(), email=f"ann-{_sub()}@example.com")
    return await finish(auth, "google", await round_trip(auth, "google"))


async def test_a_user_without_password_sets_one_after_a_recent_sign_in(auth, idp) -> None:
    reply = await _provider_user(auth, idp)
    user, tokens = reply.user, reply.tokens

    for auth_time in (None, _auth_time(tokens, minutes_ago=11)):
        stale = await auth.error("ChangePassword", auth_pb2.ChangePasswordRequest(
            new_password=NEW_PASSWORD, refresh_token=tokens.refresh_token,
            auth_time=auth_time), as_user=user.id)
        assert stale.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "Sign in again" in stale.details()
    guessed = await auth.error("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password="something", new_password=NEW_PASSWORD,
        auth_time=_auth_time(tokens)), as_user=user.id)
    assert guessed.code() == grpc.StatusCode.INVALID_ARGUMENT
    [(password_hash,)] = await auth.rows("SELECT password_hash FROM users")
    assert password_hash is None

    changed = await auth.call("ChangePassword", auth_pb2.ChangePasswordRequest(
        new_password=NEW_PASSWORD, refresh_token=tokens.refresh_token,
        auth_time=_auth_time(tokens, minutes_ago=9)), as_user=user.id)
    assert changed.session_id == tokens.session_id and changed.access_token
    signed_in = await auth.call("Login", auth_pb2.LoginRequest(email=user.email,
                                                               password=NEW_PASSWORD))
    assert signed_in.user.id == user.id
    [(detail,)] = await auth.rows("SELECT detail FROM security_events "
                                  "WHERE kind = 'password_changed'")
    assert detail["first_password"] is True
    # From now on the password is what proves it is them.
    without = await auth.error("ChangePassword", auth_pb2.ChangePasswordRequest(
        new_password="a third passphrase", auth_time=_auth_time(tokens)), as_user=user.id)
    assert without.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_user_without_password_deletes_the_account_after_a_recent_sign_in(
        auth, idp) -> None:
    reply = await _provider_user(auth, idp)
    user, tokens = reply.user, reply.tokens
    for auth_time in (None, _auth_time(tokens, minutes_ago=11)):
        stale = await auth.error("DeleteMe", auth_pb2.DeleteMeRequest(auth_time=auth_time),
                                 as_user=user.id)
        assert stale.code() == grpc.StatusCode.PERMISSION_DENIED
    guessed = await auth.error("DeleteMe", auth_pb2.DeleteMeRequest(
        password="something", auth_time=_auth_time(tokens)), as_user=user.id)
    assert guessed.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await auth.published("user.deleted", events_pb2.UserDeleted) == []

    # Signing in again with the provider is the confirmation.
    again = await finish(auth, "google", await round_trip(auth, "google"))
    await auth.call("DeleteMe", auth_pb2.DeleteMeRequest(auth_time=_auth_time(again.tokens)),
                    as_user=user.id)
    [deleted] = await auth.published("user.deleted", events_pb2.UserDeleted)
    assert deleted.user_id == user.id
    assert await auth.rows("SELECT 1 FROM users") == []


async def test_a_user_without_password_can_also_set_one_by_email(auth, idp) -> None:
    user = (await _provider_user(auth, idp)).user
    await auth.call("ForgotPassword", auth_pb2.ForgotPasswordRequest(email=user.email))
    [request] = await auth.published("user.password_reset_requested",
                                     events_pb2.PasswordResetRequested)
    await auth.call("ResetPassword", auth_pb2.ResetPasswordRequest(
        token=request.token, new_password=NEW_PASSWORD))
    signed_in = await auth.call("Login", auth_pb2.LoginRequest(email=user.email,
                                                               password=NEW_PASSWORD))
    assert signed_in.user.id == user.id
