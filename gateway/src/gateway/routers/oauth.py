"""/auth/oauth and /auth/identities: sign-in with Google, LinkedIn, X and Facebook, and the
signed-in user's linked provider accounts. The auth service does the OAuth work (state, PKCE,
code exchange, ID token); the gateway only moves the browser and sets the session cookies.

* `GET /auth/oauth/{provider}/start` redirects (302) to the provider and sets an `oauth_state`
  cookie (httpOnly, SameSite=Lax so that it survives the provider's redirect back, limited to
  /auth/oauth, ten minutes) holding the round trip's state.
* `GET /auth/oauth/{provider}/callback` is where the provider sends the browser back. The state
  must match that cookie: a callback URL planted by someone else (login CSRF) fails here even
  before auth checks the state. On success it answers like `POST /auth/login`: the refresh and
  CSRF cookies plus a JSON `LoginOut` (200). A redirect to the SPA would need a gateway
  setting for the SPA's URL, which does not exist yet. A user with two-factor authentication
  gets `{"two_factor_required": true, "two_factor_token": ...}` for `POST /auth/2fa/login`.
* Linking a provider to the signed-in user cannot start with a redirect (a navigation carries
  no Authorization header), so it is `POST /auth/oauth/{provider}/link` with the bearer token,
  answering `{"authorization_url": ...}` for the SPA to navigate to; the same callback then
  answers `{"linked": true, "provider": ..., "user": ...}` and sets no session cookies.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel

from career.auth.v1 import auth_pb2
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep
from gateway.problems import Problem
from gateway.routers.auth import (
    LoginOut,
    TwoFactorRequiredOut,
    UserOut,
    _client,
    _set_session_cookies,
    _time,
    _token_out,
    user_out,
)

router = APIRouter(tags=["auth"])

STATE_COOKIE = "oauth_state"
_STATE_COOKIE_PATH = "/auth/oauth"
_STATE_TTL_SECONDS = 600


class AuthorizationUrlOut(BaseModel):
    authorization_url: str


class LinkedOut(BaseModel):
    linked: bool
    provider: str
    user: UserOut


class IdentityOut(BaseModel):
    provider: str
    subject: str
    email: str | None
    created_at: datetime | None


def _set_state_cookie(response: Response, state: str) -> None:
    response.set_cookie(STATE_COOKIE, state, max_age=_STATE_TTL_SECONDS, path=_STATE_COOKIE_PATH,
                        secure=True, httponly=True, samesite="lax")


@router.get("/auth/oauth/{provider}/start", status_code=status.HTTP_302_FOUND,
            summary="Sign in with a provider: redirects to its consent page")
async def start(provider: str, clients: ClientsDep) -> Response:
    reply = await clients.auth.StartOAuth(auth_pb2.StartOAuthRequest(
        provider=provider, intent=auth_pb2.OAUTH_INTENT_LOGIN))
    response = RedirectResponse(reply.authorization_url, status_code=status.HTTP_302_FOUND)
    _set_state_cookie(response, reply.state)
    return response


@router.post("/auth/oauth/{provider}/link", response_model=AuthorizationUrlOut,
             summary="Link a provider to the signed-in user: the URL to send the browser to")
async def link(provider: str, caller: CurrentCaller, clients: ClientsDep,
               response: Response) -> AuthorizationUrlOut:
    reply = await clients.auth.StartOAuth(auth_pb2.StartOAuthRequest(
        provider=provider, intent=auth_pb2.OAUTH_INTENT_LINK))
    _set_state_cookie(response, reply.state)
    return AuthorizationUrlOut(authorization_url=reply.authorization_url)


@router.get("/auth/oauth/{provider}/callback",
            response_model=LoginOut | TwoFactorRequiredOut | LinkedOut,
            summary="Where the provider sends the browser back: signs in (or links)")
async def callback(provider: str, request: Request, clients: ClientsDep, state: str = "",
                   code: str = "", error: str = "") -> Response:
    expected = request.cookies.get(STATE_COOKIE, "")
    if not state or not expected or not hmac.compare_digest(state, expected):
        raise Problem(400, "This sign-in was not started from this browser; start again.",
                      type_="oauth-state-mismatch")
    user_agent, ip = _client(request)
    reply = await clients.auth.FinishOAuth(auth_pb2.FinishOAuthRequest(
        provider=provider, state=state, code=code, error=error, user_agent=user_agent, ip=ip))
    if reply.intent == auth_pb2.OAUTH_INTENT_LINK:
        body = LinkedOut(linked=True, provider=provider, user=user_out(reply.user))
        response = JSONResponse(body.model_dump(mode="json"))
    elif reply.two_factor_token:
        body = TwoFactorRequiredOut(two_factor_token=reply.two_factor_token)
        response = JSONResponse(body.model_dump(mode="json"))
    else:
        out = LoginOut(**_token_out(reply.tokens, True), user=user_out(reply.user))
        response = JSONResponse(out.model_dump(mode="json"))
        _set_session_cookies(response, reply.tokens)
    response.delete_cookie(STATE_COOKIE, path=_STATE_COOKIE_PATH, secure=True, httponly=True,
                           samesite="lax")
    return response


@router.get("/auth/identities", response_model=list[IdentityOut],
            summary="The provider accounts linked to the signed-in user")
async def identities(caller: CurrentCaller, clients: ClientsDep) -> list[IdentityOut]:
    reply = await clients.auth.ListIdentities(auth_pb2.ListIdentitiesRequest())
    return [IdentityOut(provider=i.provider, subject=i.subject, email=i.email or None,
                        created_at=_time(i.created_at, i.HasField("created_at")))
            for i in reply.identities]


@router.delete("/auth/identities/{provider}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Unlink a provider (refused for the last way to sign in)")
async def unlink(provider: str, caller: CurrentCaller, clients: ClientsDep) -> Response:
    await clients.auth.UnlinkIdentity(auth_pb2.UnlinkIdentityRequest(provider=provider))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
