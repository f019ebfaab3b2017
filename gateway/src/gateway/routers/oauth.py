"""/auth/oauth and /auth/identities: sign-in with Google, LinkedIn, X and Facebook, and the
signed-in user's linked provider accounts. The auth service does the OAuth work (state, PKCE,
code exchange, ID token); the gateway only moves the browser and sets the session cookies.

* `GET /auth/oauth/{provider}/start` redirects (302) to the provider and sets an `oauth_state`
  cookie (httpOnly, SameSite=Lax so that it survives the provider's redirect back, limited to
  /auth/oauth, ten minutes) holding the round trip's state.
* `GET /auth/oauth/{provider}/callback` is where the provider sends the browser back. The state
  must match that cookie: a callback URL planted by someone else (login CSRF) fails here even
  before auth checks the state. The browser then goes on (303) to the SPA at
  `<GATEWAY_SPA_BASE_URL>/oauth/complete` with only non-secret facts in the query:
  - signed in: `?provider=google`, with the refresh and CSRF cookies set exactly as by
    `POST /auth/login`; the SPA gets its access token from `POST /auth/refresh`;
  - a second factor is due: `?provider=google&two_factor=1`, no session cookies, and the second
    step's token in the httpOnly `two_factor_token` cookie that `POST /auth/2fa/login` reads;
  - a link finished: `?provider=google&linked=1`;
  - refused (state mismatch, consent denied, unverified e-mail, ...):
    `?provider=google&error=<problem type>`, e.g. `oauth-state-mismatch`, `oauth-denied`.
  Tokens never travel in the URL, where history, logs and Referer headers would keep them.
  A client that asks for `Accept: application/json` (and not HTML) gets the JSON instead: a
  `LoginOut` plus the cookies, `{"two_factor_required": true, "two_factor_token": ...}`,
  `{"linked": true, ...}`, or a problem+json error.
* Linking a provider to the signed-in user cannot start with a redirect (a navigation carries
  no Authorization header), so it is `POST /auth/oauth/{provider}/link` with the bearer token,
  answering `{"authorization_url": ...}` for the SPA to navigate to; the same callback then
  sets no session cookies.
"""

from __future__ import annotations

import hmac
import logging
import re
from datetime import datetime
from urllib.parse import urlencode

import grpc
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel

from career.auth.v1 import auth_pb2
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep
from gateway.conversions import datetime_of
from gateway.deps import SettingsDep
from gateway.problems import Problem, grpc_problem_type, http_status_for
from gateway.routers.auth_schemas import (
    LoginOut,
    TwoFactorRequiredOut,
    UserOut,
    token_out,
    user_out,
)
from gateway.session_cookies import client_of, set_session_cookies, set_two_factor_cookie

log = logging.getLogger("gateway.oauth")

router = APIRouter(tags=["auth"])

STATE_COOKIE = "oauth_state"
_STATE_COOKIE_PATH = "/auth/oauth"
_STATE_TTL_SECONDS = 600
# Where the SPA finishes a provider round trip, under GATEWAY_SPA_BASE_URL.
SPA_COMPLETE_PATH = "/oauth/complete"
# For failures that carry no problem type of their own (an unreachable auth service).
_GENERIC_ERROR = "oauth-failed"
_PROVIDER_NAME = re.compile(r"[a-z0-9_-]{1,32}")


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
            response_class=RedirectResponse,  # no body: the 302 is documented without one
            responses={302: {"description": "To the provider's consent page (Location), with "
                                            "the oauth_state cookie set"}},
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


def _wants_json(request: Request) -> bool:
    """Whether the client asked for JSON; a browser's navigation asks for HTML (or */*)."""
    accept = request.headers.get("accept", "").lower()
    return "json" in accept and "text/html" not in accept


def _spa_redirect(spa_base_url: str, provider: str, **params: str) -> RedirectResponse:
    # The provider comes from the URL, which anyone can craft: the SPA gets it only when it
    # looks like a provider's name.
    if _PROVIDER_NAME.fullmatch(provider):
        params = {"provider": provider, **params}
    # 303: the browser follows with a GET whatever brought it here.
    return RedirectResponse(f"{spa_base_url}{SPA_COMPLETE_PATH}?{urlencode(params)}",
                            status_code=status.HTTP_303_SEE_OTHER)


def _error_code(exc: Problem | grpc.aio.AioRpcError) -> str:
    problem_type = exc.type if isinstance(exc, Problem) else grpc_problem_type(exc)
    if problem_type and problem_type != "about:blank":
        return problem_type
    return _GENERIC_ERROR


def _forget_state(response: Response) -> None:
    response.delete_cookie(STATE_COOKIE, path=_STATE_COOKIE_PATH, secure=True, httponly=True,
                           samesite="lax")


@router.get("/auth/oauth/{provider}/callback", status_code=status.HTTP_303_SEE_OTHER,
            response_class=RedirectResponse,
            responses={200: {"description": "With `Accept: application/json` only",
                             "model": LoginOut | TwoFactorRequiredOut | LinkedOut}},
            summary="Where the provider sends the browser back: signs in (or links), then "
                    "redirects to the SPA")
async def callback(provider: str, request: Request, clients: ClientsDep,
                   settings: SettingsDep, state: str = "", code: str = "",
                   error: str = "") -> Response:
    as_json = _wants_json(request)
    expected = request.cookies.get(STATE_COOKIE, "")
    if not state or not expected or not hmac.compare_digest(state, expected):
        # The cookie stays: it may belong to a round trip this browser really started.
        mismatch = Problem(400, "This sign-in was not started from this browser; start again.",
                           type_="oauth-state-mismatch")
        if as_json:
            raise mismatch
        return _spa_redirect(settings.spa_base_url, provider, error=_error_code(mismatch))
    user_agent, ip = client_of(request)
    try:
        reply = await clients.auth.FinishOAuth(auth_pb2.FinishOAuthRequest(
            provider=provider, state=state, code=code, error=error, user_agent=user_agent,
            ip=ip))
    except grpc.aio.AioRpcError as exc:
        if as_json:
            raise
        if http_status_for(exc.code()) >= 500:
            log.warning("OAuth sign-in failed upstream", extra={
                "grpc_code": exc.code().name, "grpc_details": exc.details()})
        response = _spa_redirect(settings.spa_base_url, provider=provider,
                                 error=_error_code(exc))
        _forget_state(response)  # auth spent or refused it: it cannot work again
        return response

    if reply.intent == auth_pb2.OAUTH_INTENT_LINK:
        if as_json:
            body = LinkedOut(linked=True, provider=provider, user=user_out(reply.user))
            response = JSONResponse(body.model_dump(mode="json"))
        else:
            response = _spa_redirect(settings.spa_base_url, provider=provider, linked="1")
    elif reply.two_factor_token:
        if as_json:
            body = TwoFactorRequiredOut(two_factor_token=reply.two_factor_token)
            response = JSONResponse(body.model_dump(mode="json"))
        else:
            response = _spa_redirect(settings.spa_base_url, provider=provider, two_factor="1")
            set_two_factor_cookie(response, reply.two_factor_token)
    else:
        if as_json:
            out = LoginOut(**token_out(reply.tokens, True), user=user_out(reply.user))
            response = JSONResponse(out.model_dump(mode="json"))
        else:
            response = _spa_redirect(settings.spa_base_url, provider=provider)
        set_session_cookies(request, response, reply.tokens)
    _forget_state(response)
    return response


@router.get("/auth/identities", response_model=list[IdentityOut],
            summary="The provider accounts linked to the signed-in user")
async def identities(caller: CurrentCaller, clients: ClientsDep) -> list[IdentityOut]:
    reply = await clients.auth.ListIdentities(auth_pb2.ListIdentitiesRequest())
    return [IdentityOut(provider=i.provider, subject=i.subject, email=i.email or None,
                        created_at=datetime_of(i, "created_at"))
            for i in reply.identities]


@router.delete("/auth/identities/{provider}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Unlink a provider (refused for the last way to sign in)")
async def unlink(provider: str, caller: CurrentCaller, clients: ClientsDep) -> Response:
    await clients.auth.UnlinkIdentity(auth_pb2.UnlinkIdentityRequest(provider=provider))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
