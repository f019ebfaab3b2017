"""Sign-in with external identity providers (Google, LinkedIn, X, Facebook) over OAuth 2.0 /
OpenID Connect: the providers' settings, the authorization URL, the code exchange (Authlib's
client, PKCE S256 everywhere), ID-token validation (PyJWT against the provider's JWKS) and the
userinfo call, reduced to one `ProviderProfile`; and the pending round trips in Redis.

Nothing here decides who signs in: that is `auth.service.oauth`.
"""

from __future__ import annotations

import json
import secrets
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import jwt
import redis.asyncio as aioredis

from auth.config import Settings
from career_kit.errors import FailedPrecondition, InvalidArgument, NotFound, Unauthenticated

with warnings.catch_warnings():
    # Authlib 1.x warns (with an "always" filter of its own) that its httpx module moves.
    import authlib.deprecate  # noqa: F401  (installs that filter before ours)

    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

PROVIDERS = ("google", "linkedin", "x", "facebook")
STATE_TTL_SECONDS = 600
HTTP_TIMEOUT = 10.0
# Google's ID tokens carry either form of its issuer (its discovery names the first).
_ISSUER_ALIASES = {"https://accounts.google.com": ("https://accounts.google.com",
                                                   "accounts.google.com")}


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    client_id: str
    client_secret: str
    scope: str
    # How the client authenticates at the token endpoint (what each provider documents).
    token_auth_method: str
    discovery_url: str = ""  # OIDC providers: endpoints, issuer and JWKS from here
    authorization_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""

    @property
    def oidc(self) -> bool:
        return bool(self.discovery_url)


def provider_configs(settings: Settings) -> dict[str, ProviderConfig]:
    """Every provider with a client id (the others are switched off)."""
    configs = [
        ProviderConfig("google", settings.google_client_id,
                       settings.google_client_secret.get_secret_value(), "openid email profile",
                       "client_secret_basic", discovery_url=settings.google_discovery_url),
        ProviderConfig("linkedin", settings.linkedin_client_id,
                       settings.linkedin_client_secret.get_secret_value(), "openid profile email",
                       "client_secret_post", discovery_url=settings.linkedin_discovery_url),
        # users.email + user.fields=confirmed_email is the only way X shares an address.
        ProviderConfig("x", settings.x_client_id, settings.x_client_secret.get_secret_value(),
                       "tweet.read users.read users.email", "client_secret_basic",
                       authorization_url=settings.x_authorization_url,
                       token_url=settings.x_token_url, userinfo_url=settings.x_userinfo_url),
        ProviderConfig("facebook", settings.facebook_client_id,
                       settings.facebook_client_secret.get_secret_value(), "email,public_profile",
                       "client_secret_post",
                       authorization_url=settings.facebook_authorization_url,
                       token_url=settings.facebook_token_url,
                       userinfo_url=settings.facebook_userinfo_url),
    ]
    return {c.name: c for c in configs if c.client_id}


@dataclass(frozen=True)
class ProviderProfile:
    """Who the provider says signed in. `email_verified` is the provider's word for it."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str
    picture: str | None


@dataclass(frozen=True)
class PendingOAuth:
    """What StartOAuth remembers until the callback: single use, ten minutes."""

    provider: str
    intent: str  # "login" or "link"
    code_verifier: str
    nonce: str
    user_id: str | None = None


class OAuthStateStore:
    def __init__(self, redis: aioredis.Redis, key_prefix: str) -> None:
        self.redis = redis
        self.key_prefix = key_prefix

    def key(self, state: str) -> str:
        return f"{self.key_prefix}auth:oauth-state:{state}"

    async def put(self, state: str, pending: PendingOAuth) -> None:
        await self.redis.set(self.key(state), json.dumps(asdict(pending)), ex=STATE_TTL_SECONDS)

    async def take(self, state: str) -> PendingOAuth | None:
        """The pending round trip, removed in the same step, so a state works once."""
        raw = await self.redis.getdel(self.key(state))
        return None if raw is None else PendingOAuth(**json.loads(raw))


def _bool(value: Any) -> bool:
    # LinkedIn has sent "true" as a string; everyone else a JSON boolean.
    return value is True or (isinstance(value, str) and value.lower() == "true")


class OAuthProviders:
    """The enabled providers and the HTTP round trips to them."""

    def __init__(self, configs: dict[str, ProviderConfig], redirect_base_url: str) -> None:
        self.configs = configs
        self.redirect_base_url = redirect_base_url.rstrip("/")
        self._discovery: dict[str, dict[str, Any]] = {}

    def config(self, provider: str) -> ProviderConfig:
        if provider not in PROVIDERS:
            raise NotFound(f"unknown sign-in provider {provider[:32]!r}",
                           problem_type="unknown-provider")
        config = self.configs.get(provider)
        if config is None:
            raise FailedPrecondition(f"sign-in with {provider} is not configured",
                                     problem_type="provider-disabled")
        return config

    def redirect_uri(self, provider: str) -> str:
        return f"{self.redirect_base_url}/auth/oauth/{provider}/callback"

    async def _metadata(self, config: ProviderConfig) -> dict[str, Any]:
        if not config.oidc:
            return {"authorization_endpoint": config.authorization_url,
                    "token_endpoint": config.token_url,
                    "userinfo_endpoint": config.userinfo_url}
        cached = self._discovery.get(config.name)
        if cached is None:
            cached = (await self._get_json(config.discovery_url))
            self._discovery[config.name] = cached
        return cached

    async def _get_json(self, url: str, **kwargs: Any) -> Any:
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                response = await http.get(url, **kwargs)
                response.raise_for_status()
                return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Unauthenticated(f"the identity provider did not answer as expected "
                                  f"({type(exc).__name__})", problem_type="provider-error") from exc

    def _client(self, config: ProviderConfig) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=config.client_id, client_secret=config.client_secret or None,
            scope=config.scope, redirect_uri=self.redirect_uri(config.name),
            code_challenge_method="S256", token_endpoint_auth_method=config.token_auth_method,
            timeout=HTTP_TIMEOUT)

    async def authorization_url(self, provider: str, state: str, pending: PendingOAuth) -> str:
        config = self.config(provider)
        metadata = await self._metadata(config)
        extra = {"nonce": pending.nonce} if config.oidc else {}
        async with self._client(config) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=state,
                code_verifier=pending.code_verifier, **extra)
        return url

    async def profile(self, provider: str, code: str, pending: PendingOAuth) -> ProviderProfile:
        """Exchange the code, check the ID token (OIDC) and ask who signed in."""
        config = self.config(provider)
        metadata = await self._metadata(config)
        async with self._client(config) as client:
            try:
                token = await client.fetch_token(metadata["token_endpoint"], code=code,
                                                 code_verifier=pending.code_verifier)
            except (OAuthError, httpx.HTTPError, ValueError) as exc:
                raise Unauthenticated("the identity provider refused the sign-in code",
                                      problem_type="oauth-code-rejected") from exc
            claims: dict[str, Any] = {}
            if config.oidc:
                claims = await self._id_token_claims(config, metadata, token, pending.nonce)
            try:
                if provider == "x":
                    response = await client.get(
                        metadata["userinfo_endpoint"],
                        params={"user.fields": "confirmed_email,profile_image_url"})
                elif provider == "facebook":
                    response = await client.get(metadata["userinfo_endpoint"],
                                                params={"fields": "id,name,email,picture"})
                else:
                    response = await client.get(metadata["userinfo_endpoint"])
                response.raise_for_status()
                info = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise Unauthenticated("the identity provider did not say who signed in",
                                      problem_type="provider-error") from exc
        return _profile(provider, claims, info)

    async def _id_token_claims(self, config: ProviderConfig, metadata: dict[str, Any],
                               token: dict[str, Any], nonce: str) -> dict[str, Any]:
        id_token = token.get("id_token")
        if not id_token:
            raise Unauthenticated("the identity provider sent no ID token",
                                  problem_type="invalid-id-token")
        jwks = await self._get_json(metadata["jwks_uri"])
        issuer = metadata["issuer"]
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            keys = jwt.PyJWKSet.from_dict(jwks)
            key = next((k for k in keys.keys if k.key_id == kid), None)
            if key is None:
                raise jwt.InvalidTokenError("no key with the token's kid")
            claims = jwt.decode(id_token, key.key, algorithms=["RS256"],
                                audience=config.client_id,
                                issuer=_ISSUER_ALIASES.get(issuer, issuer),
                                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                                leeway=60)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the ID token is not valid: {exc}",
                                  problem_type="invalid-id-token") from exc
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise Unauthenticated("the ID token's nonce does not match",
                                  problem_type="invalid-id-token")
        return claims


def _profile(provider: str, claims: dict[str, Any], info: dict[str, Any]) -> ProviderProfile:
    if provider == "x":
        data = info.get("data") or {}
        email = data.get("confirmed_email")
        # X hands out only addresses its user has confirmed.
        return ProviderProfile(provider, str(data.get("id", "")), email, bool(email),
                               data.get("name") or data.get("username") or "",
                               data.get("profile_image_url"))
    if provider == "facebook":
        email = info.get("email")
        picture = ((info.get("picture") or {}).get("data") or {}).get("url")
        # Graph returns `email` only for a confirmed address.
        return ProviderProfile(provider, str(info.get("id", "")), email, bool(email),
                               info.get("name") or "", picture)
    subject = str(claims.get("sub", ""))
    if str(info.get("sub", subject)) != subject:
        raise Unauthenticated("the userinfo answer is about someone else",
                              problem_type="provider-error")
    merged = {**claims, **{k: v for k, v in info.items() if v is not None}}
    email = merged.get("email")
    return ProviderProfile(provider, subject, email,
                           bool(email) and _bool(merged.get("email_verified")),
                           merged.get("name") or "", merged.get("picture"))


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_pending(provider: str, intent: str, user_id: str | None) -> PendingOAuth:
    return PendingOAuth(provider=provider, intent=intent,
                        code_verifier=secrets.token_urlsafe(48),
                        nonce=secrets.token_urlsafe(16), user_id=user_id)


def check_state(state: str) -> str:
    if not state or len(state) > 128:
        raise InvalidArgument("the sign-in state is missing or malformed",
                              problem_type="invalid-oauth-state")
    return state
