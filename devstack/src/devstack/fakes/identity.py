"""A fake identity provider for tests and offline runs: Google, LinkedIn, X and Facebook logins.

Never used by production code. One Starlette app, served by uvicorn on 127.0.0.1 in a background
thread, emulates the four providers' OAuth 2.0 / OpenID Connect endpoints under path prefixes
(`/google`, `/linkedin`, `/x`, `/facebook`), with each provider's documented response shapes:

* Google OIDC: discovery, authorize, token (code + refresh with `access_type=offline`), userinfo,
  JWKS; RS256 ID tokens whose `iss` is `https://accounts.google.com` (or `accounts.google.com`).
* LinkedIn OIDC: discovery, authorize, accessToken, userinfo, JWKS; `iss` `https://www.linkedin.com/oauth`.
* X OAuth 2.0: authorize (PKCE S256 required), token (Basic client auth for confidential clients,
  `offline.access` -> rotating refresh tokens), `GET /2/users/me`.
* Facebook Login: versioned dialog and `oauth/access_token` (GET or POST), `GET /me?fields=...`.

The authorize endpoints show no login page: they sign in the user a test registered with
`add_user()` (the last one added, or the one chosen with `next_login()`) and redirect straight back
with a code. Unknown clients and unregistered redirect URIs get a 400 page, as on the real sites.

    idp = FakeIdentityProvider()
    idp.start()
    idp.register_client("google", "cid", "secret", ["http://app.test/cb"])
    idp.add_user("google", sub="1001", email="ann@example.com", name="Ann")
    idp.endpoints("google")["token_endpoint"]
    ...
    idp.stop()

Token-endpoint errors follow what each provider answers (Google `invalid_grant`, LinkedIn and X
`invalid_request` with their messages, Facebook `OAuthException` objects); pass
`error_style="rfc"` to get plain RFC 6749 codes (`invalid_grant`, `invalid_client`) everywhere.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote_plus, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from devstack.fakes.serving import ThreadedApp

Provider = Literal["google", "linkedin", "x", "facebook"]
PROVIDERS: tuple[str, ...] = ("google", "linkedin", "x", "facebook")

GOOGLE_ISSUER = "https://accounts.google.com"
LINKEDIN_ISSUER = "https://www.linkedin.com/oauth"
FACEBOOK_VERSION = "v26.0"

# Lifetimes (seconds) as the providers document them.
ACCESS_TOKEN_TTL = {"google": 3599, "linkedin": 5183999, "x": 7200, "facebook": 5183944}
ID_TOKEN_TTL = 3600
FACEBOOK_LONG_LIVED_TTL = 5183944
LINKEDIN_ERROR = (
    "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
    "authorization code. Or authorization code expired. Or external member binding exists"
)


@dataclass
class FakeUser:
    """A user who can sign in at one provider."""

    provider: str
    sub: str
    email: str | None = None
    email_verified: bool = True
    name: str = "Test User"
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None
    username: str | None = None  # X handle; defaults to "user<sub>"
    locale: str = "en-US"


@dataclass
class FakeClient:
    """An OAuth client (app) registered at one provider."""

    provider: str
    client_id: str
    client_secret: str | None  # None: public client (X and Google allow PKCE-only clients)
    redirect_uris: list[str]


@dataclass
class RecordedRequest:
    """One request the fake served, for assertions."""

    provider: str
    method: str
    path: str  # path below the provider prefix, e.g. "/token"
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    status: int = 0


@dataclass
class _Code:
    provider: str
    client_id: str
    redirect_uri: str
    sub: str
    scopes: list[str]
    issued_at: float
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    offline: bool = False
    used: bool = False


@dataclass
class _Token:
    provider: str
    client_id: str
    sub: str
    scopes: list[str]
    expires_at: float | None
    kind: Literal["access", "refresh"] = "access"
    revoked: bool = False
    code: str | None = None  # the authorization code it was issued for


class OAuthProblem(Exception):
    """Internal: an error answer of the token endpoint."""

    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(json.dumps(body))
        self.status = status
        self.body = body


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    """PKCE S256 code challenge of a verifier (RFC 7636)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _split_scopes(raw: str | None, provider: str) -> list[str]:
    if not raw:
        return []
    if provider in ("linkedin", "facebook"):
        raw = raw.replace(",", " ")
    return [s for s in raw.split() if s]


@dataclass
class _State:
    clients: dict[tuple[str, str], FakeClient] = field(default_factory=dict)
    users: dict[tuple[str, str], FakeUser] = field(default_factory=dict)
    next_sub: dict[str, str] = field(default_factory=dict)
    deny: dict[str, str] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    tokens: dict[str, _Token] = field(default_factory=dict)


class FakeIdentityProvider:
    """Google, LinkedIn, X and Facebook logins on one local HTTP server (see module docstring)."""

    def __init__(
        self,
        *,
        google_issuer: str = GOOGLE_ISSUER,
        linkedin_issuer: str = LINKEDIN_ISSUER,
        facebook_version: str = FACEBOOK_VERSION,
        code_ttl: float = 600.0,
        error_style: Literal["provider", "rfc"] = "provider",
    ) -> None:
        self.issuers = {"google": google_issuer, "linkedin": linkedin_issuer}
        self.facebook_version = facebook_version
        self.code_ttl = code_ttl
        self.error_style = error_style
        self.requests: list[RecordedRequest] = []
        self._state = _State()
        self._lock = threading.RLock()
        self._time_offset = 0.0
        self._keys = {
            p: (f"fake-{p}-{secrets.token_hex(4)}", rsa.generate_private_key(65537, 2048))
            for p in ("google", "linkedin")
        }
        self.app = self._build_app()
        self._http = ThreadedApp(self.app, "fake-identity")

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeIdentityProvider:
        """Serve on 127.0.0.1:<free port> in a background thread; returns self."""
        if self._http.port is None:
            self._http.start()
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread."""
        self._http.stop()
        self._http.port = None

    def __enter__(self) -> FakeIdentityProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._http.url

    def url(self, provider: str, path: str = "") -> str:
        """Absolute URL of `path` under a provider's prefix."""
        self._check(provider)
        return f"{self.base_url}/{provider}{path}"

    def endpoints(self, provider: str) -> dict[str, str]:
        """The provider's endpoint URLs on this fake (keys named as in OIDC discovery)."""
        u = lambda path: self.url(provider, path)  # noqa: E731
        if provider == "google":
            return {
                "discovery": u("/.well-known/openid-configuration"),
                "authorization_endpoint": u("/o/oauth2/v2/auth"),
                "token_endpoint": u("/token"),
                "userinfo_endpoint": u("/v1/userinfo"),
                "jwks_uri": u("/oauth2/v3/certs"),
                "revocation_endpoint": u("/revoke"),
            }
        if provider == "linkedin":
            return {
                "discovery": u("/oauth/.well-known/openid-configuration"),
                "authorization_endpoint": u("/oauth/v2/authorization"),
                "token_endpoint": u("/oauth/v2/accessToken"),
                "userinfo_endpoint": u("/v2/userinfo"),
                "jwks_uri": u("/oauth/openid/jwks"),
            }
        if provider == "x":
            return {
                "authorization_endpoint": u("/i/oauth2/authorize"),
                "token_endpoint": u("/2/oauth2/token"),
                "revocation_endpoint": u("/2/oauth2/revoke"),
                "userinfo_endpoint": u("/2/users/me"),
            }
        v = self.facebook_version
        return {
            "authorization_endpoint": u(f"/{v}/dialog/oauth"),
            "token_endpoint": u(f"/{v}/oauth/access_token"),
            "userinfo_endpoint": u(f"/{v}/me"),
        }

    # ------------------------------------------------------------------ test configuration

    def register_client(
        self,
        provider: str,
        client_id: str,
        client_secret: str | None,
        redirect_uris: list[str] | tuple[str, ...],
    ) -> FakeClient:
        """Register an app; `client_secret=None` makes a public (PKCE-only) client."""
        self._check(provider)
        client = FakeClient(provider, client_id, client_secret, list(redirect_uris))
        with self._lock:
            self._state.clients[(provider, client_id)] = client
        return client

    def add_user(
        self,
        provider: str,
        sub: str,
        email: str | None = None,
        email_verified: bool = True,
        name: str = "Test User",
        **extra: Any,
    ) -> FakeUser:
        """Add a user (extra: given_name, family_name, picture, username, locale).

        The last added user is the one who signs in next, unless `next_login()` says otherwise.
        """
        self._check(provider)
        user = FakeUser(provider, sub, email, email_verified, name, **extra)
        if user.username is None:
            user.username = f"user{sub}"
        if user.picture is None:
            user.picture = f"https://example.invalid/{provider}/{sub}.jpg"
        with self._lock:
            self._state.users[(provider, sub)] = user
            self._state.next_sub[provider] = sub
        return user

    def next_login(self, provider: str, sub: str) -> None:
        """Choose which registered user authorizes at the provider's next authorize request."""
        self._check(provider)
        with self._lock:
            if (provider, sub) not in self._state.users:
                raise KeyError(f"no {provider} user with sub {sub!r}")
            self._state.next_sub[provider] = sub

    def deny_next(self, provider: str, error: str | None = None) -> None:
        """Make the next authorize request end with the user refusing (redirect with an error).

        The default error is `access_denied` (Facebook adds error_reason=user_denied); LinkedIn
        documents `user_cancelled_authorize` / `user_cancelled_login` — pass them as `error`.
        """
        self._check(provider)
        with self._lock:
            self._state.deny[provider] = error or "access_denied"

    def advance_time(self, seconds: float) -> None:
        """Move the fake's clock forward (code and token expiry, iat/exp of new ID tokens)."""
        with self._lock:
            self._time_offset += seconds

    def now(self) -> float:
        return time.time() + self._time_offset

    def jwks(self, provider: str) -> dict[str, Any]:
        """The public JWKS of an OIDC provider (google, linkedin)."""
        kid, key = self._keys[provider]
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def requests_for(self, provider: str, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests of one provider, optionally only those to one path."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.provider == provider and (path is None or r.path == path)
            ]

    def revoke_all(self, provider: str, sub: str) -> None:
        """Invalidate every token of a user (e.g. the user removed the app)."""
        with self._lock:
            for token in self._state.tokens.values():
                if token.provider == provider and token.sub == sub:
                    token.revoked = True

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _check(provider: str) -> None:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; one of {PROVIDERS}")

    def _build_app(self) -> Starlette:
        v = self.facebook_version
        routes = [
            # Google
            Route("/google/.well-known/openid-configuration", self._google_discovery),
            Route("/google/o/oauth2/v2/auth", self._authorize("google")),
            Route("/google/token", self._token("google"), methods=["POST"]),
            Route("/google/v1/userinfo", self._oidc_userinfo("google"), methods=["GET", "POST"]),
            Route("/google/oauth2/v3/userinfo", self._oidc_userinfo("google")),
            Route("/google/oauth2/v3/certs", self._jwks_endpoint("google")),
            Route("/google/revoke", self._revoke("google"), methods=["POST"]),
            # LinkedIn
            Route("/linkedin/oauth/.well-known/openid-configuration", self._linkedin_discovery),
            Route("/linkedin/oauth/v2/authorization", self._authorize("linkedin")),
            Route("/linkedin/oauth/v2/accessToken", self._token("linkedin"), methods=["POST"]),
            Route("/linkedin/v2/userinfo", self._oidc_userinfo("linkedin")),
            Route("/linkedin/oauth/openid/jwks", self._jwks_endpoint("linkedin")),
            # X
            Route("/x/i/oauth2/authorize", self._authorize("x")),
            Route("/x/2/oauth2/token", self._token("x"), methods=["POST"]),
            Route("/x/2/oauth2/revoke", self._revoke("x"), methods=["POST"]),
            Route("/x/2/users/me", self._x_me),
            # Facebook (versioned paths; unversioned calls use the "app default version")
            Route(f"/facebook/{v}/dialog/oauth", self._authorize("facebook")),
            Route("/facebook/dialog/oauth", self._authorize("facebook")),
            Route(
                f"/facebook/{v}/oauth/access_token",
                self._token("facebook"),
                methods=["GET", "POST"],
            ),
            Route("/facebook/oauth/access_token", self._token("facebook"), methods=["GET", "POST"]),
            Route(f"/facebook/{v}/me", self._facebook_me),
            Route("/facebook/me", self._facebook_me),
        ]
        return Starlette(routes=routes)

    async def _record(self, provider: str, request: Request) -> RecordedRequest:
        form: dict[str, str] = {}
        if request.method == "POST":
            ctype = request.headers.get("content-type", "")
            if "application/x-www-form-urlencoded" in ctype:
                body = (await request.body()).decode("utf-8", "replace")
                form = dict(parse_qsl(body, keep_blank_values=True))
        prefix = f"/{provider}"
        record = RecordedRequest(
            provider=provider,
            method=request.method,
            path=request.url.path[len(prefix) :],
            query=dict(request.query_params),
            form=form,
            headers=dict(request.headers),
        )
        with self._lock:
            self.requests.append(record)
        return record

    @staticmethod
    def _done(record: RecordedRequest, response: Response) -> Response:
        record.status = response.status_code
        return response

    # ---- discovery and keys

    def _oidc_config(self, provider: str, request: Request) -> dict[str, Any]:
        ep = self.endpoints(provider)
        common = {
            "issuer": self.issuers[provider],
            "authorization_endpoint": ep["authorization_endpoint"],
            "token_endpoint": ep["token_endpoint"],
            "userinfo_endpoint": ep["userinfo_endpoint"],
            "jwks_uri": ep["jwks_uri"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        if provider == "google":
            return common | {
                "device_authorization_endpoint": self.url("google", "/device/code"),
                "revocation_endpoint": ep["revocation_endpoint"],
                "response_types_supported": [
                    "code",
                    "token",
                    "id_token",
                    "code token",
                    "code id_token",
                    "token id_token",
                    "code token id_token",
                    "none",
                ],
                "subject_types_supported": ["public"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "claims_supported": [
                    "aud",
                    "email",
                    "email_verified",
                    "exp",
                    "family_name",
                    "given_name",
                    "iat",
                    "iss",
                    "name",
                    "picture",
                    "sub",
                ],
                "code_challenge_methods_supported": ["plain", "S256"],
                "grant_types_supported": [
                    "authorization_code",
                    "refresh_token",
                    "urn:ietf:params:oauth:grant-type:device_code",
                    "urn:ietf:params:oauth:grant-type:jwt-bearer",
                ],
            }
        return common | {
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "scopes_supported": ["openid", "profile", "email"],
            "claims_supported": [
                "iss",
                "aud",
                "iat",
                "exp",
                "sub",
                "name",
                "given_name",
                "family_name",
                "picture",
                "email",
                "email_verified",
                "locale",
            ],
        }

    async def _google_discovery(self, request: Request) -> Response:
        record = await self._record("google", request)
        return self._done(record, JSONResponse(self._oidc_config("google", request)))

    async def _linkedin_discovery(self, request: Request) -> Response:
        record = await self._record("linkedin", request)
        return self._done(record, JSONResponse(self._oidc_config("linkedin", request)))

    def _jwks_endpoint(self, provider: str):
        async def handler(request: Request) -> Response:
            record = await self._record(provider, request)
            return self._done(record, JSONResponse(self.jwks(provider)))

        return handler

    # ---- authorize

    def _authorize(self, provider: str):
        async def handler(request: Request) -> Response:
            record = await self._record(provider, request)
            return self._done(record, self._do_authorize(provider, request))

        return handler

    def _error_page(self, provider: str, title: str, detail: str) -> Response:
        body = (
            f"<!doctype html><title>{html.escape(title)}</title>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(detail)}</p>"
            f"<p>(fake {provider} identity provider)</p>"
        )
        return HTMLResponse(body, status_code=400)

    def _do_authorize(self, provider: str, request: Request) -> Response:
        q = request.query_params
        client_id = q.get("client_id", "")
        redirect_uri = q.get("redirect_uri", "")
        state = q.get("state")
        with self._lock:
            client = self._state.clients.get((provider, client_id))
        if client is None:
            return self._error_page(
                provider, "Error 401: invalid_client", "The OAuth client was not found."
            )
        if redirect_uri not in client.redirect_uris:
            return self._error_page(
                provider,
                "Error 400: redirect_uri_mismatch",
                f"The redirect URI {redirect_uri!r} is not registered for this app.",
            )
        if provider != "facebook" and q.get("response_type") != "code":
            return self._redirect_error(
                provider,
                redirect_uri,
                state,
                "unsupported_response_type",
                "response_type must be code",
            )
        challenge = q.get("code_challenge")
        method = q.get("code_challenge_method")
        if provider == "x":
            if not challenge:
                return self._error_page(
                    provider, "Something went wrong", "code_challenge is required (PKCE)."
                )
            if method != "S256":
                return self._error_page(
                    provider, "Something went wrong", "code_challenge_method must be S256."
                )
        if challenge and method is None:
            method = "plain"
        if challenge and method not in ("S256", "plain"):
            return self._redirect_error(
                provider,
                redirect_uri,
                state,
                "invalid_request",
                "unsupported code_challenge_method",
            )
        scopes = _split_scopes(q.get("scope"), provider)
        if provider in ("google", "linkedin", "x") and not scopes:
            return self._redirect_error(
                provider,
                redirect_uri,
                state,
                "invalid_request",
                "Missing required parameter: scope",
            )
        with self._lock:
            denied = self._state.deny.pop(provider, None)
            sub = self._state.next_sub.get(provider)
        if denied:
            return self._redirect_error(
                provider, redirect_uri, state, denied, "The user denied access"
            )
        if sub is None:
            return self._error_page(provider, "No user", "Call add_user() before authorizing.")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._state.codes[code] = _Code(
                provider=provider,
                client_id=client_id,
                redirect_uri=redirect_uri,
                sub=sub,
                scopes=scopes,
                issued_at=self.now(),
                nonce=q.get("nonce"),
                code_challenge=challenge,
                code_challenge_method=method if challenge else None,
                offline=q.get("access_type") == "offline",
            )
        params = {"code": code}
        if provider == "google":
            params["scope"] = " ".join(scopes)
        if state is not None:
            params["state"] = state
        return RedirectResponse(_add_query(redirect_uri, params), status_code=302)

    def _redirect_error(
        self, provider: str, redirect_uri: str, state: str | None, error: str, description: str
    ) -> Response:
        params = {"error": error}
        if provider == "facebook" and error == "access_denied":
            params |= {
                "error_code": "200",
                "error_description": "Permissions error",
                "error_reason": "user_denied",
            }
        elif provider in ("linkedin", "x", "facebook"):
            params["error_description"] = description
        if state is not None:
            params["state"] = state
        response = RedirectResponse(_add_query(redirect_uri, params), status_code=302)
        if provider == "facebook":
            # Facebook appends "#_=_" to its redirects.
            response.headers["location"] += "#_=_"
        return response

    # ---- token

    def _token(self, provider: str):
        async def handler(request: Request) -> Response:
            record = await self._record(provider, request)
            params = dict(record.form) if request.method == "POST" else {}
            if provider == "facebook":
                params = dict(record.query) | params
            try:
                body = self._do_token(provider, request, params)
            except OAuthProblem as problem:
                return self._done(record, JSONResponse(problem.body, status_code=problem.status))
            headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
            return self._done(record, JSONResponse(body, headers=headers))

        return handler

    def _problem(self, provider: str, kind: str, status: int = 400, **fb: Any) -> OAuthProblem:
        """Build a provider-shaped error. kind: bad_code, used_code, redirect, verifier,
        no_verifier, bad_refresh, bad_client, no_client_auth, bad_grant_type, missing."""
        if self.error_style == "rfc":
            rfc = {
                "bad_client": ("invalid_client", 401),
                "no_client_auth": ("invalid_client", 401),
                "bad_grant_type": ("unsupported_grant_type", 400),
                "missing": ("invalid_request", 400),
            }.get(kind, ("invalid_grant", 400))
            return OAuthProblem(rfc[1], {"error": rfc[0], "error_description": kind})
        if provider == "google":
            error, status, desc = {
                "redirect": ("redirect_uri_mismatch", 400, "Bad Request"),
                "verifier": ("invalid_grant", 400, "Invalid code verifier."),
                "no_verifier": ("invalid_grant", 400, "Missing code verifier."),
                "bad_client": ("invalid_client", 401, "Unauthorized"),
                "no_client_auth": (
                    "invalid_request",
                    400,
                    "Could not determine client ID from request.",
                ),
                "bad_grant_type": ("unsupported_grant_type", 400, "Invalid grant_type: "),
                "missing": ("invalid_request", 400, "Missing required parameter"),
            }.get(kind, ("invalid_grant", 400, "Bad Request"))
            return OAuthProblem(status, {"error": error, "error_description": desc})
        if provider == "linkedin":
            if kind in ("bad_client", "no_client_auth"):
                return OAuthProblem(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "Client authentication failed",
                    },
                )
            if kind == "bad_grant_type":
                return OAuthProblem(
                    400,
                    {
                        "error": "unsupported_grant_type",
                        "error_description": "Unsupported grant_type",
                    },
                )
            if kind == "bad_refresh":
                return OAuthProblem(
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": "The provided refresh token is invalid",
                    },
                )
            return OAuthProblem(
                400, {"error": "invalid_request", "error_description": LINKEDIN_ERROR}
            )
        if provider == "x":
            error, status, desc = {
                "verifier": (
                    "invalid_request",
                    400,
                    "Value passed for the code verifier did not match the code challenge.",
                ),
                "no_verifier": (
                    "invalid_request",
                    400,
                    "Missing required parameter [code_verifier].",
                ),
                "bad_refresh": ("invalid_request", 400, "Value passed for the token was invalid."),
                "bad_client": ("unauthorized_client", 401, "Missing valid authorization header"),
                "no_client_auth": (
                    "unauthorized_client",
                    401,
                    "Missing valid authorization header",
                ),
                "bad_grant_type": (
                    "invalid_request",
                    400,
                    "Value passed for the grant type was invalid.",
                ),
                "missing": ("invalid_request", 400, "Missing required parameter."),
            }.get(
                kind,
                ("invalid_request", 400, "Value passed for the authorization code was invalid."),
            )
            return OAuthProblem(status, {"error": error, "error_description": desc})
        # Facebook Graph API error envelope.
        message, code, subcode = {
            "used_code": ("This authorization code has been used.", 100, 36009),
            "expired_code": ("This authorization code has expired.", 100, 36007),
            "redirect": (
                "Error validating verification code. Please make sure your redirect_uri is "
                "identical to the one you used in the OAuth dialog request",
                100,
                36008,
            ),
            "verifier": ("Invalid code verifier.", 100, None),
            "no_verifier": ("Missing code verifier.", 100, None),
            "bad_client": ("Error validating client secret.", 1, None),
            "no_client_auth": ("Missing client_id parameter.", 101, None),
            "bad_refresh": ("Invalid OAuth access token - Cannot parse access token", 190, None),
        }.get(kind, ("Invalid verification code format.", 100, None))
        error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
        if subcode:
            error["error_subcode"] = subcode
        error["fbtrace_id"] = secrets.token_urlsafe(8)
        return OAuthProblem(400, {"error": error})

    def _client_auth(self, provider: str, request: Request, params: dict[str, str]) -> FakeClient:
        """Authenticate the client from HTTP Basic or client_id/client_secret parameters."""
        client_id = params.get("client_id")
        secret = params.get("client_secret")
        basic = False
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:]).decode()
            except (ValueError, UnicodeDecodeError) as exc:
                raise self._problem(provider, "bad_client") from exc
            basic_id, _, basic_secret = raw.partition(":")
            client_id, secret, basic = unquote_plus(basic_id), unquote_plus(basic_secret), True
        if not client_id:
            raise self._problem(provider, "no_client_auth")
        with self._lock:
            client = self._state.clients.get((provider, client_id))
        if client is None:
            raise self._problem(provider, "bad_client")
        if client.client_secret is not None:
            if provider == "x" and not basic:
                # X: confidential clients must use the Basic header.
                raise self._problem(provider, "no_client_auth")
            if secret is None or not secrets.compare_digest(secret, client.client_secret):
                raise self._problem(provider, "bad_client")
        return client

    def _do_token(self, provider: str, request: Request, params: dict[str, str]) -> dict[str, Any]:
        client = self._client_auth(provider, request, params)
        grant_type = params.get("grant_type")
        if provider == "facebook":
            if grant_type == "fb_exchange_token":
                return self._facebook_exchange(client, params)
            grant_type = grant_type or "authorization_code"
        if grant_type == "authorization_code":
            return self._code_grant(provider, client, params)
        if grant_type == "refresh_token" and provider in ("google", "linkedin", "x"):
            return self._refresh_grant(provider, client, params)
        raise self._problem(provider, "bad_grant_type")

    def _code_grant(
        self, provider: str, client: FakeClient, params: dict[str, str]
    ) -> dict[str, Any]:
        code_value = params.get("code")
        if not code_value:
            raise self._problem(provider, "missing")
        with self._lock:
            code = self._state.codes.get(code_value)
            if code is None or code.provider != provider or code.client_id != client.client_id:
                raise self._problem(provider, "bad_code")
            if code.used:
                # RFC 6749 4.1.2: a reused code should also revoke what it issued.
                for token in self._state.tokens.values():
                    if token.code == code_value:
                        token.revoked = True
                raise self._problem(provider, "used_code")
            if self.now() - code.issued_at > self.code_ttl:
                code.used = True
                raise self._problem(provider, "expired_code")
            if params.get("redirect_uri") != code.redirect_uri:
                raise self._problem(provider, "redirect")
            if code.code_challenge:
                verifier = params.get("code_verifier")
                if not verifier:
                    raise self._problem(provider, "no_verifier")
                expected = s256(verifier) if code.code_challenge_method == "S256" else verifier
                if not secrets.compare_digest(expected, code.code_challenge):
                    raise self._problem(provider, "verifier")
            code.used = True
        return self._issue(provider, client, code.sub, code.scopes, code=code)

    def _refresh_grant(
        self, provider: str, client: FakeClient, params: dict[str, str]
    ) -> dict[str, Any]:
        value = params.get("refresh_token", "")
        with self._lock:
            token = self._state.tokens.get(value)
            if (
                token is None
                or token.kind != "refresh"
                or token.revoked
                or token.provider != provider
                or token.client_id != client.client_id
                or (token.expires_at is not None and self.now() > token.expires_at)
            ):
                raise self._problem(provider, "bad_refresh")
            scopes = token.scopes
            if requested := _split_scopes(params.get("scope"), provider):
                if not set(requested) <= set(scopes):
                    raise self._problem(provider, "bad_refresh")
                scopes = requested
            if provider == "x":
                token.revoked = True  # X rotates refresh tokens: the old one is dead now
        # Google keeps the refresh token (none in the answer); X answers with a new one.
        return self._issue(provider, client, token.sub, scopes)

    def _issue(
        self,
        provider: str,
        client: FakeClient,
        sub: str,
        scopes: list[str],
        *,
        code: _Code | None = None,
    ) -> dict[str, Any]:
        now = self.now()
        ttl = ACCESS_TOKEN_TTL[provider]
        code_value = None
        if code is not None:
            code_value = next((k for k, c in self._state.codes.items() if c is code), None)
        access = secrets.token_urlsafe(32)
        if provider == "google":
            access = "ya29." + access
        with self._lock:
            self._state.tokens[access] = _Token(
                provider, client.client_id, sub, scopes, now + ttl, code=code_value
            )
        if provider == "facebook":
            return {"access_token": access, "token_type": "bearer", "expires_in": ttl}
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": ttl,
            "scope": (",".join(scopes) if provider == "linkedin" else " ".join(scopes)),
            "token_type": "bearer" if provider == "x" else "Bearer",
        }
        wants_refresh = (provider == "x" and "offline.access" in scopes) or (
            provider == "google" and code is not None and code.offline
        )
        if wants_refresh:
            value = secrets.token_urlsafe(32)
            if provider == "google":
                value = "1//" + value
            with self._lock:
                self._state.tokens[value] = _Token(
                    provider, client.client_id, sub, scopes, None, kind="refresh", code=code_value
                )
            body["refresh_token"] = value
        if provider in ("google", "linkedin") and "openid" in scopes:
            nonce = code.nonce if code is not None else None
            body["id_token"] = self.make_id_token(
                provider, client.client_id, sub, scopes, nonce=nonce, access_token=access
            )
        return body

    def _facebook_exchange(self, client: FakeClient, params: dict[str, str]) -> dict[str, Any]:
        value = params.get("fb_exchange_token", "")
        with self._lock:
            token = self._state.tokens.get(value)
            if token is None or token.provider != "facebook" or token.revoked:
                raise self._problem("facebook", "bad_refresh")
            access = secrets.token_urlsafe(32)
            self._state.tokens[access] = _Token(
                "facebook",
                client.client_id,
                token.sub,
                token.scopes,
                self.now() + FACEBOOK_LONG_LIVED_TTL,
            )
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": FACEBOOK_LONG_LIVED_TTL,
        }

    def make_id_token(
        self,
        provider: str,
        client_id: str,
        sub: str,
        scopes: list[str] | tuple[str, ...] = ("openid", "email", "profile"),
        *,
        nonce: str | None = None,
        access_token: str | None = None,
        **overrides: Any,
    ) -> str:
        """Sign an ID token as the provider would; `overrides` replace claims (negative tests)."""
        user = self._state.users[(provider, sub)]
        now = int(self.now())
        claims: dict[str, Any] = {
            "iss": self.issuers[provider],
            "aud": client_id,
            "sub": sub,
            "iat": now,
            "exp": now + ID_TOKEN_TTL,
        }
        if provider == "google":
            claims["azp"] = client_id
            if access_token:
                digest = hashlib.sha256(access_token.encode()).digest()
                claims["at_hash"] = _b64url(digest[: len(digest) // 2])
        if "email" in scopes and user.email:
            claims["email"] = user.email
            claims["email_verified"] = user.email_verified
        if "profile" in scopes:
            claims |= self._profile_claims(user)
            if provider == "linkedin":
                claims["locale"] = user.locale
        if nonce is not None:
            claims["nonce"] = nonce
        claims |= overrides
        kid, key = self._keys[provider]
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    @staticmethod
    def _profile_claims(user: FakeUser) -> dict[str, Any]:
        given, _, family = user.name.partition(" ")
        return {
            "name": user.name,
            "given_name": user.given_name or given,
            "family_name": user.family_name or family,
            "picture": user.picture,
        }

    # ---- resource endpoints

    def _bearer(
        self, provider: str, request: Request, *, query_param: bool = False
    ) -> _Token | None:
        value = None
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith(("bearer ", "oauth ")):
            value = auth.split(None, 1)[1].strip()
        elif query_param:
            value = request.query_params.get("access_token")
        if not value:
            return None
        with self._lock:
            token = self._state.tokens.get(value)
        if (
            token is None
            or token.kind != "access"
            or token.revoked
            or token.provider != provider
            or (token.expires_at is not None and self.now() > token.expires_at)
        ):
            return None
        return token

    def _oidc_userinfo(self, provider: str):
        async def handler(request: Request) -> Response:
            record = await self._record(provider, request)
            token = self._bearer(provider, request, query_param=provider == "google")
            if token is None:
                if provider == "google":
                    body = {"error": "invalid_request", "error_description": "Invalid Credentials"}
                else:
                    body = {
                        "serviceErrorCode": 65600,
                        "message": "Invalid access token",
                        "status": 401,
                    }
                return self._done(
                    record,
                    JSONResponse(
                        body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="fake"'}
                    ),
                )
            if "openid" not in token.scopes and provider == "linkedin":
                body = {"serviceErrorCode": 100, "message": "Not enough permissions", "status": 403}
                return self._done(record, JSONResponse(body, status_code=403))
            user = self._state.users[(provider, token.sub)]
            info: dict[str, Any] = {"sub": user.sub}
            if "profile" in token.scopes:
                info |= self._profile_claims(user)
                if provider == "linkedin":
                    lang, _, country = user.locale.partition("-")
                    info["locale"] = {"country": country, "language": lang}
            if "email" in token.scopes and user.email:
                info["email"] = user.email
                info["email_verified"] = user.email_verified
            return self._done(record, JSONResponse(info))

        return handler

    async def _x_me(self, request: Request) -> Response:
        record = await self._record("x", request)
        token = self._bearer("x", request)
        if token is None:
            body = {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            }
            return self._done(record, JSONResponse(body, status_code=401))
        if not {"users.read", "tweet.read"} <= set(token.scopes):
            body = {
                "title": "Forbidden",
                "type": "about:blank",
                "status": 403,
                "detail": "You are not permitted to perform this action.",
            }
            return self._done(record, JSONResponse(body, status_code=403))
        user = self._state.users[("x", token.sub)]
        data: dict[str, Any] = {"id": user.sub, "name": user.name, "username": user.username}
        fields = {f for f in request.query_params.get("user.fields", "").split(",") if f}
        if "profile_image_url" in fields:
            data["profile_image_url"] = user.picture
        if "confirmed_email" in fields and "users.email" in token.scopes and user.email:
            data["confirmed_email"] = user.email
        return self._done(record, JSONResponse({"data": data}))

    async def _facebook_me(self, request: Request) -> Response:
        record = await self._record("facebook", request)
        token = self._bearer("facebook", request, query_param=True)
        if token is None:
            body = {
                "error": {
                    "message": "Invalid OAuth access token - Cannot parse access token",
                    "type": "OAuthException",
                    "code": 190,
                    "fbtrace_id": secrets.token_urlsafe(8),
                }
            }
            return self._done(record, JSONResponse(body, status_code=400))
        user = self._state.users[("facebook", token.sub)]
        fields = [f for f in request.query_params.get("fields", "id,name").split(",") if f]
        out: dict[str, Any] = {}
        for name in fields:
            if name == "id":
                out["id"] = user.sub
            elif name == "name":
                out["name"] = user.name
            elif name in ("first_name", "last_name"):
                first, _, last = user.name.partition(" ")
                out[name] = (
                    user.given_name or first if name == "first_name" else user.family_name or last
                )
            elif name == "email":
                # Only with the email permission, and only if the account has a confirmed address.
                if "email" in token.scopes and user.email and user.email_verified:
                    out["email"] = user.email
            elif name.startswith("picture"):
                out["picture"] = {
                    "data": {"height": 50, "is_silhouette": False, "url": user.picture, "width": 50}
                }
            else:
                body = {
                    "error": {
                        "message": (
                            f"(#100) Tried accessing nonexisting field ({name}) on node type (User)"
                        ),
                        "type": "OAuthException",
                        "code": 100,
                        "fbtrace_id": secrets.token_urlsafe(8),
                    }
                }
                return self._done(record, JSONResponse(body, status_code=400))
        out.setdefault("id", user.sub)
        return self._done(record, JSONResponse(out))

    def _revoke(self, provider: str):
        async def handler(request: Request) -> Response:
            record = await self._record(provider, request)
            value = record.form.get("token") or record.query.get("token", "")
            with self._lock:
                token = self._state.tokens.get(value)
                if token is not None and token.provider == provider:
                    token.revoked = True
            body: dict[str, Any] = {"revoked": True} if provider == "x" else {}
            return self._done(record, JSONResponse(body))

        return handler


def _add_query(url: str, params: dict[str, str]) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{urlencode(params)}"
