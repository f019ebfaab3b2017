"""/auth: sign-up and e-mail verification, sign-in, token refresh, sign-out, password reset and
change, the signed-in user (profile, deletion) and their sessions, and the public keys
(/.well-known/jwks.json). Everything is the auth service's gRPC API.

The SPA keeps the access token in memory and never sees the refresh token: login and refresh
set it in an httpOnly, Secure, SameSite=Strict cookie limited to /auth, together with a CSRF
token in a cookie the SPA can read. A call that relies on the refresh cookie (refresh, logout)
must echo that CSRF token in `X-CSRF-Token` (double submit), so another site cannot make the
browser spend it. The CSRF token is bound to the session: it is an HMAC of the refresh token
it travels with (keyed with the gateway's server secret), so a cookie/header pair chosen by
someone else (cookie injection from a sibling subdomain) never passes, even where SameSite
does not hold. Clients without cookies may send the refresh token in the body instead.

Change-password keeps the session it is called from and ends the others. The gateway names
that session by the refresh cookie (or a refresh token in the body): the bearer token already
authenticates the call, so the cookie only says which session to keep and needs no CSRF check.
Without either, every session of the user ends. Every access token issued before the change
stops working, the caller's too, so the kept session's new access token is in the answer.
A user who signed up with a provider has no password: they set a first one with an empty
`current_password`, and delete their account without one, within ten minutes of signing in
(auth checks the access token's `auth_time`, which the gateway forwards). Forgot/reset
password also works for them.

Whether an address has an account never shows (OWASP's advice for sign-up and recovery):
register answers 202 with the same body for a new address and a taken one (auth mails the
taken address's owner instead of creating anything), and forgot-password and
resend-verification answer alike for every address. All three send mail to the address in the
body, so besides the middleware's per-IP budget each spends a budget per address
(ratelimit.py), the same for addresses with and without an account.

Two-factor authentication (/auth/2fa/...): setup returns the TOTP secret and its otpauth URI,
enable checks a first code and returns ten recovery codes (shown once), disable needs the
password and a code. For a user with two factors, login answers 200
`{"two_factor_required": true, "two_factor_token": ...}` without tokens or cookies, and
`POST /auth/2fa/login` with that token and a code (or a recovery code) finishes it like login.
Sign-in with providers lives in `oauth.py`; its callback ends in a browser navigation, so it
hands the second step's token over in an httpOnly `two_factor_token` cookie limited to
/auth/2fa/login (never in the URL), which that route uses when the body has no token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Request, Response, status
from fastapi.responses import JSONResponse
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, Field

from career.auth.v1 import auth_pb2
from gateway.access_tokens import CurrentCaller, VerifiedToken, current_token
from gateway.clients import ClientsDep
from gateway.deps import SettingsDep
from gateway.problems import Problem
from gateway.ratelimit import (
    PASSWORD_RESET_PER_EMAIL,
    REGISTER_PER_EMAIL,
    RESEND_VERIFICATION_PER_EMAIL,
    enforce_email_budget,
)

router = APIRouter(tags=["auth"])

REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_REFRESH_COOKIE_PATH = "/auth"
TWO_FACTOR_COOKIE = "two_factor_token"
_TWO_FACTOR_COOKIE_PATH = "/auth/2fa/login"
# As long as auth keeps a login waiting for its second factor.
_TWO_FACTOR_TTL_SECONDS = 300


class Preferences(BaseModel):
    email_notifications: bool
    job_alerts: bool
    newsletter: bool
    theme: str
    language: str


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    tier: str
    roles: list[str]
    email_verified: bool
    preferences: Preferences
    social_links: dict[str, str]
    profile_image_url: str | None
    two_factor_enabled: bool
    last_login_at: datetime | None
    created_at: datetime | None


class RegisterIn(BaseModel):
    email: str = Field(max_length=254, examples=["ada@example.com"])
    password: str = Field(max_length=256)
    name: str = Field(min_length=1, max_length=100)


class RegisterOut(BaseModel):
    """The same for every address, taken or not (module docstring)."""

    detail: str
    verification_required: bool


class LoginIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_at: datetime
    session_id: str
    # Only for clients that asked not to use the cookie (see the module docstring).
    refresh_token: str | None = None


class LoginOut(TokenOut):
    user: UserOut


class TwoFactorRequiredOut(BaseModel):
    """A login that needs its second step: POST the token with a code to /auth/2fa/login."""

    two_factor_required: Literal[True] = True
    two_factor_token: str


class TwoFactorLoginIn(BaseModel):
    # Optional only after a provider sign-in, which left it in the two_factor_token cookie.
    two_factor_token: str | None = Field(default=None, min_length=1, max_length=256)
    code: str | None = Field(default=None, max_length=64, examples=["123456"])
    recovery_code: str | None = Field(default=None, max_length=64)


class TwoFactorSetupOut(BaseModel):
    secret: str
    otpauth_uri: str


class TwoFactorCodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class TwoFactorDisableIn(BaseModel):
    password: str = Field(default="", max_length=256)
    code: str = Field(min_length=1, max_length=64)


class RefreshIn(BaseModel):
    refresh_token: str | None = None


class SessionOut(BaseModel):
    id: str
    created_at: datetime | None
    last_used_at: datetime | None
    expires_at: datetime | None
    user_agent: str
    ip: str


class LogoutAllOut(BaseModel):
    revoked_sessions: int


class VerifyEmailIn(BaseModel):
    token: str = Field(min_length=1, max_length=256)


class EmailIn(BaseModel):
    email: str = Field(max_length=254, examples=["ada@example.com"])


class AcceptedOut(BaseModel):
    detail: str


class ResetPasswordIn(BaseModel):
    token: str = Field(min_length=1, max_length=256)
    password: str = Field(max_length=256)


class ChangePasswordIn(BaseModel):
    # Empty for an account without a password (signed up with a provider), which sets its
    # first one this way within ten minutes of signing in.
    current_password: str = Field(default="", max_length=256)
    new_password: str = Field(max_length=256)
    # Only for clients without the refresh cookie: names the session to keep.
    refresh_token: str | None = None


class Jwk(BaseModel):
    """One public key that verifies access tokens (RFC 7517; RSA members from RFC 7518)."""

    kty: Literal["RSA"]
    kid: str = Field(description="RFC 7638 thumbprint; access tokens name it in their header")
    use: Literal["sig"]
    alg: Literal["RS256"]
    n: str = Field(description="Modulus, base64url")
    e: str = Field(description="Public exponent, base64url")


class JwkSetOut(BaseModel):
    keys: list[Jwk]


class JwkSetResponse(JSONResponse):
    """A JWK Set document (RFC 7517 section 8.5.1 registers its media type)."""

    media_type = "application/jwk-set+json"


class PasswordChangedOut(BaseModel):
    """Every other session ended, and every access token issued so far stopped working, the
    caller's own too: the kept session goes on with this access token (its refresh token is
    unchanged). Without a session to keep, every session ended and the token fields are null."""

    revoked_sessions: int
    access_token: str | None
    token_type: str = "Bearer"
    expires_at: datetime | None
    session_id: str | None


class PreferencesPatch(BaseModel):
    email_notifications: bool | None = None
    job_alerts: bool | None = None
    newsletter: bool | None = None
    theme: Literal["light", "dark", "system"] | None = None
    language: str | None = Field(default=None, max_length=35, examples=["en", "pt-BR"])


class UpdateMeIn(BaseModel):
    """Only the fields present change. `social_links` replaces every link; an empty or null
    `profile_image_url` removes the picture."""

    name: str | None = Field(default=None, max_length=100)
    preferences: PreferencesPatch | None = None
    social_links: dict[str, str] | None = Field(
        default=None, examples=[{"linkedin": "https://www.linkedin.com/in/ada"}])
    profile_image_url: str | None = Field(default=None, max_length=2048)


class DeleteMeIn(BaseModel):
    # Empty (or no body at all) for an account without a password, which confirms with a
    # sign-in within the last ten minutes instead.
    password: str = Field(default="", max_length=256)


def _time(ts: Timestamp, present: bool = True) -> datetime | None:
    return ts.ToDatetime(tzinfo=UTC) if present else None


def user_out(user: auth_pb2.User) -> UserOut:
    p = user.preferences
    return UserOut(
        id=user.id, email=user.email, name=user.name,
        tier=auth_pb2.Tier.Name(user.tier).removeprefix("TIER_").lower(),
        roles=list(user.roles), email_verified=user.HasField("email_verified_at"),
        preferences=Preferences(email_notifications=p.email_notifications,
                                job_alerts=p.job_alerts, newsletter=p.newsletter,
                                theme=p.theme, language=p.language),
        social_links=dict(user.social_links),
        profile_image_url=user.profile_image_url or None,
        two_factor_enabled=user.two_factor_enabled,
        last_login_at=_time(user.last_login_at, user.HasField("last_login_at")),
        created_at=_time(user.created_at, user.HasField("created_at")),
    )


def csrf_token(request: Request, refresh_token: str) -> str:
    """The CSRF token of the session whose refresh token this is (module docstring)."""
    key = request.app.state.settings.platform.internal_secret.get_secret_value().encode()
    digest = hmac.new(key, b"csrf:" + refresh_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _set_session_cookies(request: Request, response: Response,
                         tokens: auth_pb2.TokenPair) -> None:
    max_age = max(0, int(tokens.refresh_expires_at.seconds - datetime.now(UTC).timestamp()))
    response.set_cookie(REFRESH_COOKIE, tokens.refresh_token, max_age=max_age,
                        path=_REFRESH_COOKIE_PATH, secure=True, httponly=True, samesite="strict")
    response.set_cookie(CSRF_COOKIE, csrf_token(request, tokens.refresh_token),
                        max_age=max_age, path="/", secure=True, httponly=False,
                        samesite="strict")


def set_two_factor_cookie(response: Response, token: str) -> None:
    """Hand a browser the second step's token without putting it in a URL (history, logs,
    Referer). Only /auth/2fa/login receives it. No CSRF token guards it: a forged request
    cannot finish the login without the user's code, and SameSite=Strict keeps other sites
    from sending it at all."""
    response.set_cookie(TWO_FACTOR_COOKIE, token, max_age=_TWO_FACTOR_TTL_SECONDS,
                        path=_TWO_FACTOR_COOKIE_PATH, secure=True, httponly=True,
                        samesite="strict")


def _clear_session_cookies(response: Response) -> None:
    response.delete_cookie(REFRESH_COOKIE, path=_REFRESH_COOKIE_PATH, secure=True,
                           httponly=True, samesite="strict")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=True, samesite="strict")


def _refresh_token_from(request: Request, body: RefreshIn | None) -> str:
    """The body's refresh token, or the cookie's after the CSRF double-submit check."""
    if body is not None and body.refresh_token:
        return body.refresh_token
    cookie = request.cookies.get(REFRESH_COOKIE)
    if not cookie:
        raise Problem(401, "No refresh token: sign in again.", type_="unauthenticated")
    sent = request.headers.get(CSRF_HEADER, "")
    # The header must be this session's token; the csrf cookie is only where the SPA reads it.
    if not sent or not hmac.compare_digest(sent, csrf_token(request, cookie)):
        raise Problem(403, f"The {CSRF_HEADER} header must repeat the {CSRF_COOKIE} cookie.",
                      type_="csrf-token-mismatch")
    return cookie


def _auth_time(token: VerifiedToken) -> Timestamp | None:
    """The sign-in time auth asks for when an account has no password to confirm with."""
    return Timestamp(seconds=token.auth_time) if token.auth_time is not None else None


def _email_hash_key(settings: SettingsDep) -> bytes:
    # The internal secret is the one server-side secret every gateway replica shares.
    return settings.platform.internal_secret.get_secret_value().encode()


def _client(request: Request) -> tuple[str, str]:
    return request.headers.get("user-agent", "")[:512], (
        request.client.host if request.client else "")


def _token_out(tokens: auth_pb2.TokenPair, cookie: bool) -> dict:
    return {"access_token": tokens.access_token,
            "expires_at": _time(tokens.access_expires_at),
            "session_id": tokens.session_id,
            "refresh_token": None if cookie else tokens.refresh_token}


_REGISTERED = RegisterOut(
    detail="Check your inbox: we sent a link to confirm this address. If it already has an "
           "account, the e-mail says how to sign in instead.",
    verification_required=True)


@router.post("/auth/register", response_model=RegisterOut,
             status_code=status.HTTP_202_ACCEPTED,
             summary="Create an account; an e-mail follows (same answer for every address)")
async def register(body: RegisterIn, request: Request, response: Response,
                   clients: ClientsDep, settings: SettingsDep) -> RegisterOut:
    await enforce_email_budget(request, response, REGISTER_PER_EMAIL, body.email,
                               _email_hash_key(settings))
    await clients.auth.Register(auth_pb2.RegisterRequest(
        email=body.email, password=body.password, name=body.name))
    return _REGISTERED


def _login_out(reply: auth_pb2.LoginResponse, request: Request, response: Response,
               cookie: bool) -> LoginOut | TwoFactorRequiredOut:
    if reply.two_factor_token:
        return TwoFactorRequiredOut(two_factor_token=reply.two_factor_token)
    if cookie:
        _set_session_cookies(request, response, reply.tokens)
    return LoginOut(**_token_out(reply.tokens, cookie), user=user_out(reply.user))


@router.post("/auth/login", response_model=LoginOut | TwoFactorRequiredOut,
             summary="Sign in: the access token in the body, the refresh token in a cookie "
                     "(or the second step's token for two-factor users)")
async def login(body: LoginIn, request: Request, response: Response, clients: ClientsDep,
                cookie: bool = True) -> LoginOut | TwoFactorRequiredOut:
    user_agent, ip = _client(request)
    reply = await clients.auth.Login(auth_pb2.LoginRequest(
        email=body.email, password=body.password, user_agent=user_agent, ip=ip))
    return _login_out(reply, request, response, cookie)


@router.post("/auth/2fa/login", response_model=LoginOut,
             summary="Second step of a two-factor login: a TOTP code or a recovery code")
async def two_factor_login(body: TwoFactorLoginIn, request: Request, response: Response,
                           clients: ClientsDep, cookie: bool = True) -> LoginOut:
    user_agent, ip = _client(request)
    token = body.two_factor_token or request.cookies.get(TWO_FACTOR_COOKIE, "")
    if not token:
        raise Problem(401, "No sign-in is waiting for a second factor: sign in again.",
                      type_="two-factor-token-invalid")
    message = auth_pb2.CompleteTwoFactorLoginRequest(
        two_factor_token=token, user_agent=user_agent, ip=ip)
    if body.code:
        message.code = body.code
    elif body.recovery_code:
        message.recovery_code = body.recovery_code
    else:
        raise Problem(400, "Send a code or a recovery code.", type_="missing-two-factor-code")
    reply = await clients.auth.CompleteTwoFactorLogin(message)
    out = _login_out(reply, request, response, cookie)
    assert isinstance(out, LoginOut)
    if request.cookies.get(TWO_FACTOR_COOKIE):
        response.delete_cookie(TWO_FACTOR_COOKIE, path=_TWO_FACTOR_COOKIE_PATH, secure=True,
                               httponly=True, samesite="strict")
    return out


@router.post("/auth/2fa/setup", response_model=TwoFactorSetupOut,
             summary="A new TOTP secret for the authenticator app (not yet in force)")
async def two_factor_setup(caller: CurrentCaller, clients: ClientsDep) -> TwoFactorSetupOut:
    reply = await clients.auth.SetupTwoFactor(auth_pb2.SetupTwoFactorRequest())
    return TwoFactorSetupOut(secret=reply.secret, otpauth_uri=reply.otpauth_uri)


@router.post("/auth/2fa/enable", response_model=RecoveryCodesOut,
             summary="Turn two factors on with a first code; the recovery codes, shown once")
async def two_factor_enable(body: TwoFactorCodeIn, caller: CurrentCaller,
                            clients: ClientsDep) -> RecoveryCodesOut:
    reply = await clients.auth.EnableTwoFactor(auth_pb2.EnableTwoFactorRequest(code=body.code))
    return RecoveryCodesOut(recovery_codes=list(reply.recovery_codes))


@router.post("/auth/2fa/disable", status_code=status.HTTP_204_NO_CONTENT,
             summary="Turn two factors off (password and a code or recovery code)")
async def two_factor_disable(body: TwoFactorDisableIn, caller: CurrentCaller,
                             clients: ClientsDep) -> Response:
    await clients.auth.DisableTwoFactor(auth_pb2.DisableTwoFactorRequest(
        password=body.password, code=body.code))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/refresh", response_model=TokenOut,
             summary="A new access token; the refresh token rotates (reuse ends the session)")
async def refresh(request: Request, response: Response, clients: ClientsDep,
                  body: Annotated[RefreshIn | None, Body()] = None) -> TokenOut:
    from_body = body is not None and bool(body.refresh_token)
    user_agent, ip = _client(request)
    try:
        reply = await clients.auth.Refresh(auth_pb2.RefreshRequest(
            refresh_token=_refresh_token_from(request, body), user_agent=user_agent, ip=ip))
    except Exception:
        if not from_body:
            _clear_session_cookies(response)
        raise
    if not from_body:
        _set_session_cookies(request, response, reply.tokens)
    return TokenOut(**_token_out(reply.tokens, cookie=not from_body))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT,
             summary="Sign out of this session; the access token stops working at once")
async def logout(request: Request, caller: CurrentCaller, clients: ClientsDep,
                 body: Annotated[RefreshIn | None, Body()] = None) -> Response:
    token = current_token.get()
    assert token is not None  # CurrentCaller guarantees a verified token
    expires = Timestamp(seconds=token.expires_at)
    refresh_token = (body.refresh_token if body and body.refresh_token
                     else _refresh_token_from(request, None)
                     if request.cookies.get(REFRESH_COOKIE) else None)
    message = auth_pb2.LogoutRequest(access_jti=token.jti, access_expires_at=expires)
    if refresh_token:
        message.refresh_token = refresh_token
    await clients.auth.Logout(message)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_session_cookies(response)
    return response


@router.post("/auth/logout-all", response_model=LogoutAllOut,
             summary="Sign out of every session of this account")
async def logout_all(caller: CurrentCaller, clients: ClientsDep,
                     response: Response) -> LogoutAllOut:
    token = current_token.get()
    assert token is not None
    reply = await clients.auth.LogoutAll(auth_pb2.LogoutAllRequest(
        access_jti=token.jti, access_expires_at=Timestamp(seconds=token.expires_at)))
    _clear_session_cookies(response)
    return LogoutAllOut(revoked_sessions=reply.revoked_sessions)


@router.get("/auth/me", response_model=UserOut, summary="The signed-in user")
async def me(caller: CurrentCaller, clients: ClientsDep) -> UserOut:
    return user_out(await clients.auth.GetMe(auth_pb2.GetMeRequest()))


@router.get("/auth/sessions", response_model=list[SessionOut],
            summary="The signed-in user's active sessions")
async def sessions(caller: CurrentCaller, clients: ClientsDep) -> list[SessionOut]:
    reply = await clients.auth.ListSessions(auth_pb2.ListSessionsRequest())
    return [SessionOut(
        id=s.id, created_at=_time(s.created_at, s.HasField("created_at")),
        last_used_at=_time(s.last_used_at, s.HasField("last_used_at")),
        expires_at=_time(s.expires_at, s.HasField("expires_at")),
        user_agent=s.user_agent, ip=s.ip,
    ) for s in reply.sessions]


@router.delete("/auth/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="End one of the signed-in user's sessions")
async def revoke_session(session_id: str, caller: CurrentCaller, clients: ClientsDep) -> Response:
    await clients.auth.RevokeSession(auth_pb2.RevokeSessionRequest(session_id=session_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/verify-email", response_model=UserOut,
             summary="Verify the e-mail address with the token from the verification e-mail")
async def verify_email(body: VerifyEmailIn, clients: ClientsDep) -> UserOut:
    reply = await clients.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(token=body.token))
    return user_out(reply.user)


# The same words whether or not the address has an account: nothing to learn from them.
_VERIFICATION_ACCEPTED = AcceptedOut(
    detail="If this address belongs to an account that is not verified yet, "
           "a new verification e-mail is on its way.")
_RESET_ACCEPTED = AcceptedOut(
    detail="If this address belongs to an account, an e-mail to reset its password is on "
           "its way.")


@router.post("/auth/resend-verification", response_model=AcceptedOut,
             status_code=status.HTTP_202_ACCEPTED,
             summary="Send the verification e-mail again (same answer for every address)")
async def resend_verification(body: EmailIn, request: Request, response: Response,
                              clients: ClientsDep, settings: SettingsDep) -> AcceptedOut:
    await enforce_email_budget(request, response, RESEND_VERIFICATION_PER_EMAIL, body.email,
                               _email_hash_key(settings))
    await clients.auth.ResendVerification(auth_pb2.ResendVerificationRequest(email=body.email))
    return _VERIFICATION_ACCEPTED


@router.post("/auth/forgot-password", response_model=AcceptedOut,
             status_code=status.HTTP_202_ACCEPTED,
             summary="E-mail a password reset link (same answer for every address)")
async def forgot_password(body: EmailIn, request: Request, response: Response,
                          clients: ClientsDep, settings: SettingsDep) -> AcceptedOut:
    await enforce_email_budget(request, response, PASSWORD_RESET_PER_EMAIL, body.email,
                               _email_hash_key(settings))
    await clients.auth.ForgotPassword(auth_pb2.ForgotPasswordRequest(email=body.email))
    return _RESET_ACCEPTED


@router.post("/auth/reset-password", status_code=status.HTTP_204_NO_CONTENT,
             summary="Set a new password with a reset token; every session ends")
async def reset_password(body: ResetPasswordIn, clients: ClientsDep) -> Response:
    await clients.auth.ResetPassword(auth_pb2.ResetPasswordRequest(
        token=body.token, new_password=body.password))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_session_cookies(response)
    return response


@router.post("/auth/change-password", response_model=PasswordChangedOut,
             summary="Change (or, without one yet, set) the password; every other session "
                     "ends, this one continues with a new access token")
async def change_password(body: ChangePasswordIn, request: Request, caller: CurrentCaller,
                          clients: ClientsDep) -> PasswordChangedOut:
    token = current_token.get()
    assert token is not None
    message = auth_pb2.ChangePasswordRequest(current_password=body.current_password,
                                             new_password=body.new_password,
                                             auth_time=_auth_time(token))
    current_session = body.refresh_token or request.cookies.get(REFRESH_COOKIE)
    if current_session:
        message.refresh_token = current_session
    reply = await clients.auth.ChangePassword(message)
    return PasswordChangedOut(
        revoked_sessions=reply.revoked_sessions, access_token=reply.access_token or None,
        expires_at=_time(reply.access_expires_at, reply.HasField("access_expires_at")),
        session_id=reply.session_id or None)


@router.patch("/auth/me", response_model=UserOut,
              summary="Change the signed-in user's name, preferences, links or picture")
async def update_me(body: UpdateMeIn, caller: CurrentCaller, clients: ClientsDep) -> UserOut:
    given = body.model_fields_set
    message = auth_pb2.UpdateMeRequest()
    if body.name is not None:
        message.name = body.name
    if body.preferences is not None:
        changes = body.preferences.model_dump(exclude_unset=True, exclude_none=True)
        message.preferences.CopyFrom(auth_pb2.PreferencesUpdate(**changes))
    if "social_links" in given:
        message.social_links.CopyFrom(auth_pb2.SocialLinks(links=body.social_links or {}))
    if "profile_image_url" in given:
        message.profile_image_url = body.profile_image_url or ""
    return user_out(await clients.auth.UpdateMe(message))


@router.delete("/auth/me", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete the signed-in user's account (confirmed with the password, or "
                       "without one, by a sign-in within ten minutes)")
async def delete_me(caller: CurrentCaller, clients: ClientsDep,
                    body: Annotated[DeleteMeIn | None, Body()] = None) -> Response:
    token = current_token.get()
    assert token is not None
    await clients.auth.DeleteMe(auth_pb2.DeleteMeRequest(
        password=body.password if body else "", access_jti=token.jti,
        access_expires_at=Timestamp(seconds=token.expires_at), auth_time=_auth_time(token)))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_session_cookies(response)
    return response


# response_model and response_class document the answer; auth's JSON goes out as it came.
@router.get("/.well-known/jwks.json", response_model=JwkSetOut, response_class=JwkSetResponse,
            summary="Public keys that verify access tokens")
async def jwks(clients: ClientsDep) -> Response:
    reply = await clients.auth.GetJwks(auth_pb2.GetJwksRequest())
    return Response(reply.jwks_json, media_type=JwkSetResponse.media_type,
                    headers={"Cache-Control": "public, max-age=300"})
