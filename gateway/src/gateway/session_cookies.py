"""The browser session's cookies: the refresh token (httpOnly, SameSite=Strict, only /auth
receives it), the CSRF token the SPA echoes in `X-CSRF-Token` (double submit, bound to the
session: an HMAC of the refresh token it travels with), and the second factor's step token.
/auth (routers/auth.py) and the provider sign-in (routers/oauth.py) set them the same way."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from fastapi import Request, Response

from career.auth.v1 import auth_pb2
from gateway.problems import Problem
from gateway.routers.auth_schemas import RefreshIn

REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_REFRESH_COOKIE_PATH = "/auth"
TWO_FACTOR_COOKIE = "two_factor_token"
_TWO_FACTOR_COOKIE_PATH = "/auth/2fa/login"
# As long as auth keeps a login waiting for its second factor.
_TWO_FACTOR_TTL_SECONDS = 300


def csrf_token(request: Request, refresh_token: str) -> str:
    """The CSRF token of the session whose refresh token this is (see the module docstring)."""
    key = request.app.state.settings.platform.internal_secret.get_secret_value().encode()
    digest = hmac.new(key, b"csrf:" + refresh_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def set_session_cookies(request: Request, response: Response,
                        tokens: auth_pb2.TokenPair) -> None:
    """Give the browser the session's refresh token and its CSRF token."""
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


def clear_two_factor_cookie(response: Response) -> None:
    """Remove the second step's token once the login it was for has finished."""
    response.delete_cookie(TWO_FACTOR_COOKIE, path=_TWO_FACTOR_COOKIE_PATH, secure=True,
                           httponly=True, samesite="strict")


def clear_session_cookies(response: Response) -> None:
    """Remove the session's cookies (sign-out, or a refresh that failed)."""
    response.delete_cookie(REFRESH_COOKIE, path=_REFRESH_COOKIE_PATH, secure=True,
                           httponly=True, samesite="strict")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=True, samesite="strict")


def refresh_token_from(request: Request, body: RefreshIn | None) -> str:
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


def client_of(request: Request) -> tuple[str, str]:
    """The user agent and address auth records with a session."""
    return request.headers.get("user-agent", "")[:512], (
        request.client.host if request.client else "")
