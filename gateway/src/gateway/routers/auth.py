"""/auth: sign-up and e-mail verification, sign-in, token refresh, sign-out, password reset and
change, the signed-in user (profile, deletion), their sessions and security activity, and the
public keys (/.well-known/jwks.json). Everything is the auth service's gRPC API.

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

The cookies and the CSRF check are in `gateway/session_cookies.py`, the request and answer
shapes (and the protobuf -> JSON conversions) in `auth_schemas.py`; both serve oauth.py too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response, status
from google.protobuf.timestamp_pb2 import Timestamp

from career.auth.v1 import auth_pb2
from gateway.access_tokens import CurrentCaller, VerifiedToken, current_token
from gateway.clients import ClientsDep
from gateway.conversions import PageSize, PageToken, datetime_of, page_request
from gateway.deps import SettingsDep
from gateway.problems import Problem
from gateway.ratelimit import (
    PASSWORD_RESET_PER_EMAIL,
    REGISTER_PER_EMAIL,
    RESEND_VERIFICATION_PER_EMAIL,
    enforce_email_budget,
)
from gateway.routers.auth_schemas import (
    AcceptedOut,
    ChangePasswordIn,
    DeleteMeIn,
    EmailIn,
    JwkSetOut,
    JwkSetResponse,
    LoginIn,
    LoginOut,
    LogoutAllOut,
    PasswordChangedOut,
    RecoveryCodesOut,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    ResetPasswordIn,
    SecurityEventsOut,
    SessionOut,
    TokenOut,
    TwoFactorCodeIn,
    TwoFactorDisableIn,
    TwoFactorLoginIn,
    TwoFactorRequiredOut,
    TwoFactorSetupOut,
    UpdateMeIn,
    UserOut,
    VerifyEmailIn,
    security_events_out,
    token_out,
    user_out,
)
from gateway.session_cookies import (
    REFRESH_COOKIE,
    TWO_FACTOR_COOKIE,
    clear_session_cookies,
    clear_two_factor_cookie,
    client_of,
    refresh_token_from,
    set_session_cookies,
)

router = APIRouter(tags=["auth"])

def _auth_time(token: VerifiedToken) -> Timestamp | None:
    """The sign-in time auth asks for when an account has no password to confirm with."""
    return Timestamp(seconds=token.auth_time) if token.auth_time is not None else None


def _email_hash_key(settings: SettingsDep) -> bytes:
    # The internal secret is the one server-side secret every gateway replica shares.
    return settings.platform.internal_secret.get_secret_value().encode()


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
        set_session_cookies(request, response, reply.tokens)
    return LoginOut(**token_out(reply.tokens, cookie), user=user_out(reply.user))


@router.post("/auth/login", response_model=LoginOut | TwoFactorRequiredOut,
             summary="Sign in: the access token in the body, the refresh token in a cookie "
                     "(or the second step's token for two-factor users)")
async def login(body: LoginIn, request: Request, response: Response, clients: ClientsDep,
                cookie: bool = True) -> LoginOut | TwoFactorRequiredOut:
    user_agent, ip = client_of(request)
    reply = await clients.auth.Login(auth_pb2.LoginRequest(
        email=body.email, password=body.password, user_agent=user_agent, ip=ip))
    return _login_out(reply, request, response, cookie)


@router.post("/auth/2fa/login", response_model=LoginOut,
             summary="Second step of a two-factor login: a TOTP code or a recovery code")
async def two_factor_login(body: TwoFactorLoginIn, request: Request, response: Response,
                           clients: ClientsDep, cookie: bool = True) -> LoginOut:
    user_agent, ip = client_of(request)
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
        clear_two_factor_cookie(response)
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
    user_agent, ip = client_of(request)
    try:
        reply = await clients.auth.Refresh(auth_pb2.RefreshRequest(
            refresh_token=refresh_token_from(request, body), user_agent=user_agent, ip=ip))
    except Exception:
        if not from_body:
            clear_session_cookies(response)
        raise
    if not from_body:
        set_session_cookies(request, response, reply.tokens)
    return TokenOut(**token_out(reply.tokens, cookie=not from_body))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT,
             summary="Sign out of this session; the access token stops working at once")
async def logout(request: Request, caller: CurrentCaller, clients: ClientsDep,
                 body: Annotated[RefreshIn | None, Body()] = None) -> Response:
    token = current_token.get()
    assert token is not None  # CurrentCaller guarantees a verified token
    expires = Timestamp(seconds=token.expires_at)
    refresh_token = (body.refresh_token if body and body.refresh_token
                     else refresh_token_from(request, None)
                     if request.cookies.get(REFRESH_COOKIE) else None)
    message = auth_pb2.LogoutRequest(access_jti=token.jti, access_expires_at=expires)
    if refresh_token:
        message.refresh_token = refresh_token
    await clients.auth.Logout(message)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response)
    return response


@router.post("/auth/logout-all", response_model=LogoutAllOut,
             summary="Sign out of every session of this account")
async def logout_all(caller: CurrentCaller, clients: ClientsDep,
                     response: Response) -> LogoutAllOut:
    token = current_token.get()
    assert token is not None
    reply = await clients.auth.LogoutAll(auth_pb2.LogoutAllRequest(
        access_jti=token.jti, access_expires_at=Timestamp(seconds=token.expires_at)))
    clear_session_cookies(response)
    return LogoutAllOut(revoked_sessions=reply.revoked_sessions)


@router.get("/auth/me", response_model=UserOut, summary="The signed-in user")
async def me(caller: CurrentCaller, clients: ClientsDep) -> UserOut:
    return user_out(await clients.auth.GetMe(auth_pb2.GetMeRequest()))


@router.get("/auth/sessions", response_model=list[SessionOut],
            summary="The signed-in user's active sessions")
async def sessions(caller: CurrentCaller, clients: ClientsDep) -> list[SessionOut]:
    reply = await clients.auth.ListSessions(auth_pb2.ListSessionsRequest())
    return [SessionOut(
        id=s.id, created_at=datetime_of(s, "created_at"),
        last_used_at=datetime_of(s, "last_used_at"),
        expires_at=datetime_of(s, "expires_at"),
        user_agent=s.user_agent, ip=s.ip,
    ) for s in reply.sessions]


@router.delete("/auth/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="End one of the signed-in user's sessions")
async def revoke_session(session_id: str, caller: CurrentCaller, clients: ClientsDep) -> Response:
    await clients.auth.RevokeSession(auth_pb2.RevokeSessionRequest(session_id=session_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/security-events", response_model=SecurityEventsOut,
            summary="The signed-in user's security activity, newest first")
async def security_events(caller: CurrentCaller, clients: ClientsDep,
                          page_size: PageSize = 20,
                          page_token: PageToken = None) -> SecurityEventsOut:
    """Sign-ins, failed attempts, lockouts, sign-outs, password and two-factor changes, linked
    identities: what the account's owner needs to spot someone else's use of it."""
    return security_events_out(await clients.auth.ListSecurityEvents(
        auth_pb2.ListSecurityEventsRequest(page=page_request(page_size, page_token))))


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
    clear_session_cookies(response)
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
        expires_at=datetime_of(reply, "access_expires_at"),
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
    if "profile_image_file_id" in given:
        message.profile_image_file_id = body.profile_image_file_id or ""
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
        access_expires_at=Timestamp(seconds=token.expires_at),
        auth_time=_auth_time(token)))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response)
    return response


# response_model and response_class document the answer; auth's JSON goes out as it came.
@router.get("/.well-known/jwks.json", response_model=JwkSetOut, response_class=JwkSetResponse,
            summary="Public keys that verify access tokens")
async def jwks(clients: ClientsDep) -> Response:
    reply = await clients.auth.GetJwks(auth_pb2.GetJwksRequest())
    return Response(reply.jwks_json, media_type=JwkSetResponse.media_type,
                    headers={"Cache-Control": "public, max-age=300"})
