"""The JSON shapes of /auth (requests and answers) and the conversions from auth's protobuf
messages to them; oauth.py answers with some of the same. Times and the names of the proto's
enums come from gateway/conversions.py, like every router's."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from career.auth.v1 import auth_pb2
from gateway.conversions import TIERS, datetime_of


class Preferences(BaseModel):
    email_notifications: bool
    job_alerts: bool
    newsletter: bool
    theme: str
    language: str


class ProfileImageOut(BaseModel):
    file_id: str
    urls: dict[str, str]


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
    profile_image: ProfileImageOut | None = Field(
        description="The uploaded picture (PATCH /auth/me with profile_image_file_id) and the "
                    "public URLs of its variants: original, 512-webp, 512-jpeg, 128-webp, "
                    "128-jpeg")
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


class SecurityEventOut(BaseModel):
    id: str
    kind: str = Field(examples=["login_succeeded"])
    ip: str = Field(examples=["203.0.113.7"])
    created_at: datetime | None


class SecurityEventsOut(BaseModel):
    events: list[SecurityEventOut]
    next_page_token: str | None = Field(
        description="Pass as `page_token` for the next (older) page; null on the last")


def security_events_out(reply: auth_pb2.ListSecurityEventsResponse) -> SecurityEventsOut:
    return SecurityEventsOut(
        events=[SecurityEventOut(id=e.id, kind=e.kind, ip=e.ip,
                                 created_at=datetime_of(e, "created_at"))
                for e in reply.events],
        next_page_token=reply.page.next_page_token or None)


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
    `profile_image_url` or `profile_image_file_id` removes the picture. A picture uploaded to
    /api/uploads/profile-images is set with its id (`profile_image_file_id`)."""

    name: str | None = Field(default=None, max_length=100)
    preferences: PreferencesPatch | None = None
    social_links: dict[str, str] | None = Field(
        default=None, examples=[{"linkedin": "https://www.linkedin.com/in/ada"}])
    profile_image_url: str | None = Field(default=None, max_length=2048)
    profile_image_file_id: str | None = Field(default=None, max_length=64)


class DeleteMeIn(BaseModel):
    # Empty (or no body at all) for an account without a password, which confirms with a
    # sign-in within the last ten minutes instead.
    password: str = Field(default="", max_length=256)


def user_out(user: auth_pb2.User) -> UserOut:
    p = user.preferences
    return UserOut(
        id=user.id, email=user.email, name=user.name,
        # Auth always sets a tier; TIER_UNSPECIFIED keeps the answer it has always had.
        tier=TIERS.name_of(user.tier) or "unspecified",
        roles=list(user.roles), email_verified=user.HasField("email_verified_at"),
        preferences=Preferences(email_notifications=p.email_notifications,
                                job_alerts=p.job_alerts, newsletter=p.newsletter,
                                theme=p.theme, language=p.language),
        social_links=dict(user.social_links),
        profile_image_url=user.profile_image_url or None,
        profile_image=(ProfileImageOut(file_id=user.profile_image.file_id,
                                       urls=dict(user.profile_image.urls))
                       if user.HasField("profile_image") else None),
        two_factor_enabled=user.two_factor_enabled,
        last_login_at=datetime_of(user, "last_login_at"),
        created_at=datetime_of(user, "created_at"),
    )


def token_out(tokens: auth_pb2.TokenPair, cookie: bool) -> dict:
    """The fields of TokenOut; the refresh token only when it does not travel in a cookie."""
    return {"access_token": tokens.access_token,
            "expires_at": datetime_of(tokens, "access_expires_at"),
            "session_id": tokens.session_id,
            "refresh_token": None if cookie else tokens.refresh_token}
