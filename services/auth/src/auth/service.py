"""Rules of the auth service: registration and e-mail verification, login with lockout,
sign-in with external providers (OAuth/OIDC) and two-factor authentication (TOTP),
refresh-token rotation with reuse detection, logout and sessions, password reset and change,
the user's profile and deletion, and the tier that follows billing's subscriptions. No gRPC
types here, and nothing commits: the caller owns the transaction (see `RejectedAfterRecording`
for failures whose bookkeeping must commit)."""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from auth import events, two_factor
from auth.keys import SigningKeys
from auth.models import EmailToken, OAuthIdentity, User
from auth.oauth import OAuthProviders, OAuthStateStore, check_state, new_pending, new_state
from auth.passwords import PasswordHashing, check_password_rules
from auth.repository import (
    AccessTokenDenylist,
    ActiveSession,
    EmailTokenRepository,
    OAuthIdentityRepository,
    RecoveryCodeRepository,
    RefreshTokenRepository,
    SecurityEventRepository,
    UserRepository,
)
from auth.tokens import (
    AccessToken,
    AccessTokenIssuer,
    hash_email_token,
    hash_refresh_token,
    new_email_token,
    new_refresh_token,
)
from auth.two_factor import SecretBox, TwoFactorLoginTokens
from career_kit.conversions import utc_now
from career_kit.errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from career_kit.events import Outbox

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
INVALID_CREDENTIALS = "invalid e-mail or password"
INVALID_REFRESH_TOKEN = "invalid or expired refresh token"
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 100
MAX_USER_AGENT_LENGTH = 512
MAX_JTI_LENGTH = 128
# How long after signing in a user may do what would otherwise need their password: delete an
# account that has none, or set a first password.
RECENT_SIGN_IN = timedelta(minutes=10)
# Redis keeps a revocation this much longer than an access token lives: the gateway accepts a
# token a few seconds past its expiry (clock leeway).
REVOCATION_MARGIN_SECONDS = 60
# Deliberately loose: the real check is the verification e-mail.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# Single-use e-mail tokens.
VERIFY = "verify"
RESET = "reset"
VERIFICATION_TTL = timedelta(hours=24)
RESET_TTL = timedelta(hours=1)
MAX_EMAIL_TOKEN_LENGTH = 256
_TOKEN_WORDS = {VERIFY: "verification", RESET: "password reset"}

# Profile.
THEMES = ("light", "dark", "system")
DEFAULT_PREFERENCES: dict[str, Any] = {"emailNotifications": True, "jobAlerts": True,
                                       "newsletter": False, "theme": "system", "language": "en"}
# language[-Script][-REGION]: e.g. "en", "pt-BR", "zh-Hant-TW", "es-419".
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?$")
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_SOCIAL_LINKS = 20
MAX_URL_LENGTH = 2048

# Tiers that billing decides; "admin" is granted by staff and never taken away by billing.
PAID_PLANS = ("pro", "premium")
PAYING_STATUSES = ("active", "trialing", "past_due")

# Security event kinds.
LOGIN_FAILED = "login_failed"
LOGIN_SUCCEEDED = "login_succeeded"
LOCKOUT_EVENT = "lockout"
TOKEN_REUSE = "token_reuse"
LOGOUT = "logout"
LOGOUT_ALL = "logout_all"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
PASSWORD_CHECK_FAILED = "password_check_failed"
IDENTITY_LINKED = "identity_linked"
IDENTITY_UNLINKED = "identity_unlinked"
TWO_FACTOR_ENABLED = "two_factor_enabled"
TWO_FACTOR_DISABLED = "two_factor_disabled"
RECOVERY_CODE_USED = "recovery_code_used"
RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"

# Kinds that another component may report (record_security_event). Only what auth cannot see
# for itself: the kinds auth records are never accepted from outside, so that a caller cannot
# forge a lockout or a token reuse into the audit trail and the alerts that follow it.
REPORTABLE_KINDS = frozenset({RATE_LIMIT_EXCEEDED})
RATE_LIMIT_KEY_KINDS = ("ip", "user", "email")
_RULE_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_HTTP_METHOD = re.compile(r"^[A-Z]{1,16}$")
# Paths are the client's choice (every /api/... path falls under a rule): bounded in storage.
MAX_REPORTED_PATH_LENGTH = 512

LOGIN = "login"
LINK = "link"
WRONG_CODE = "the code is wrong or was already used"
TWO_FACTOR_EXPIRED = "this sign-in has expired; sign in again"

log = logging.getLogger("auth.service")


class SecurityEvents:
    """Stores a security event and publishes it as security.<kind> in the same transaction."""

    def __init__(self, outbox: Outbox, clock: Callable[[], datetime]) -> None:
        self.repository = SecurityEventRepository()
        self.outbox = outbox
        self.clock = clock

    async def add(self, session: AsyncSession, *, kind: str, user_id: uuid.UUID | None,
                  ip: str | None, detail: dict[str, Any] | None = None,
                  now: datetime | None = None) -> None:
        now = now or self.clock()
        await self.repository.add(session, kind=kind, user_id=user_id, ip=ip, detail=detail,
                                  now=now)
        await self.outbox.add(session, events.security_event(kind, user_id, ip, detail, now))

class RejectedAfterRecording(Exception):
    """A rejection whose bookkeeping (failed-login counter, security event, revoked token
    family) must still commit: the unit of work commits, then raises `error`."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.detail)
        self.error = error


@dataclass(frozen=True)
class Registration:
    # None when the address already had an account (nothing was created; the owner is mailed).
    user: User | None
    verification_required: bool


@dataclass(frozen=True)
class IssuedTokens:
    access: AccessToken
    refresh_token: str
    refresh_expires_at: datetime
    session_id: uuid.UUID


@dataclass(frozen=True)
class PasswordChange:
    """A changed password: how many other sessions ended, and the kept session's new access
    token (its old one was revoked with every other), if a session was kept."""

    revoked_sessions: int
    access: AccessToken | None = None
    session_id: uuid.UUID | None = None


@dataclass(frozen=True)
class SignIn:
    """A login's outcome: tokens, or (two-factor users) a token for the second step."""

    user: User
    tokens: IssuedTokens | None = None
    two_factor_token: str | None = None


@dataclass(frozen=True)
class OAuthOutcome:
    sign_in: SignIn
    intent: str  # LOGIN or LINK
    linked: bool  # this round trip linked the identity to the user


@dataclass(frozen=True)
class TwoFactorSetup:
    secret: str
    otpauth_uri: str


def normalise_email(email: str) -> str:
    """The address without surrounding spaces; uniqueness ignores letter case."""
    email = email.strip()
    if not email:
        raise InvalidArgument("email is required", problem_type="invalid-email")
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise InvalidArgument("email is not a valid e-mail address", problem_type="invalid-email")
    return email


def _ip(value: str) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise InvalidArgument(f"ip {value[:64]!r} is not an IP address") from None


def _user_agent(value: str) -> str | None:
    return value[:MAX_USER_AGENT_LENGTH] or None


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise InvalidArgument(f"{what} is not a valid id") from None


def _caller(caller_id: str | None) -> uuid.UUID:
    if not caller_id:
        raise Unauthenticated("sign in first")
    try:
        return uuid.UUID(caller_id)
    except ValueError:
        raise Unauthenticated("the caller's identity is not a user id") from None



def _url(value: str, what: str) -> str:
    value = value.strip()
    parts = urlsplit(value) if len(value) <= MAX_URL_LENGTH else None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or any(c.isspace() for c in value)):
        raise InvalidArgument(f"{what} must be an http(s) URL of at most {MAX_URL_LENGTH} "
                              "characters", problem_type="invalid-url")
    return value


def _language(value: str) -> str:
    """A short BCP 47 tag in its canonical letter case ("pt-br" becomes "pt-BR")."""
    value = value.strip()
    if not _LANGUAGE.match(value):
        raise InvalidArgument("language must be a short BCP 47 tag such as 'en' or 'pt-BR'")
    first, *rest = value.split("-")
    return "-".join([first.lower(), *(p.title() if len(p) == 4 else p.upper() for p in rest)])


def _preferences(changes: dict[str, Any]) -> dict[str, Any]:
    """Validated preference changes, keyed as stored (see DEFAULT_PREFERENCES)."""
    unknown = set(changes) - set(DEFAULT_PREFERENCES)
    if unknown:
        raise InvalidArgument(f"unknown preferences: {', '.join(sorted(unknown))}")
    checked = dict(changes)
    if "theme" in checked and checked["theme"] not in THEMES:
        raise InvalidArgument(f"theme must be one of {', '.join(THEMES)}")
    if "language" in checked:
        checked["language"] = _language(checked["language"])
    return checked


def _social_links(links: dict[str, str]) -> dict[str, str]:
    if len(links) > MAX_SOCIAL_LINKS:
        raise InvalidArgument(f"at most {MAX_SOCIAL_LINKS} social links")
    checked = {}
    for platform, url in links.items():
        if not _PLATFORM.match(platform):
            raise InvalidArgument(f"social link name {platform[:40]!r} must be 1-32 lower-case "
                                  "letters, digits, '-' or '_'")
        checked[platform] = _url(url, f"social link {platform!r}")
    return checked


def tier_for(plan: str, status: str) -> str:
    """The tier a subscription gives: a paid plan while it is paid (or being retried)."""
    return plan if plan in PAID_PLANS and status in PAYING_STATUSES else "free"


class AuthService:
    def __init__(self, *, keys: SigningKeys, issuer: AccessTokenIssuer,
                 passwords: PasswordHashing, denylist: AccessTokenDenylist, outbox: Outbox,
                 refresh_ttl: timedelta, clock: Callable[[], datetime] = utc_now,
                 oauth: OAuthProviders | None = None, oauth_states: OAuthStateStore | None = None,
                 two_factor_tokens: TwoFactorLoginTokens | None = None,
                 secret_box: SecretBox | None = None) -> None:
        self.keys = keys
        self.issuer = issuer
        self.passwords = passwords
        self.denylist = denylist
        self.outbox = outbox
        self.refresh_ttl = refresh_ttl
        self.clock = clock
        self.users = UserRepository()
        self.refresh_tokens = RefreshTokenRepository()
        self.security_events = SecurityEvents(outbox, clock)
        self.email_tokens = EmailTokenRepository()
        self.identities = OAuthIdentityRepository()
        self.recovery_codes = RecoveryCodeRepository()
        self.oauth = oauth or OAuthProviders({}, "http://localhost:8000")
        self.oauth_states = oauth_states
        self.two_factor_tokens = two_factor_tokens
        self.secret_box = secret_box or SecretBox(None)

    # Registration -------------------------------------------------------------------------

    async def register(self, session: AsyncSession, *, email: str, password: str,
                       name: str) -> Registration:
        email = normalise_email(email)
        name = name.strip()
        if not name:
            raise InvalidArgument("name is required")
        if len(name) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"name must be at most {MAX_NAME_LENGTH} characters")
        check_password_rules(password)
        password_hash = await self.passwords.hash(password)
        user = await self.users.create(session, email=email, name=name,
                                       password_hash=password_hash)
        if user is None:
            # Taken: the answer must not say so (the same policy as password reset), so the
            # owner learns of it by e-mail, and the caller gets what a new address gets.
            existing = await self.users.get_by_email_for_update(session, email)
            if existing is not None:  # None only if it was deleted meanwhile
                await self.outbox.add(session, events.sign_up_attempted(existing, self.clock()))
            return Registration(None, verification_required=True)
        await self.outbox.add(session, events.user_registered(user))
        await self._request_verification(session, user, self.clock())
        return Registration(user, verification_required=user.email_verified_at is None)

    # E-mail tokens: verification and password reset ----------------------------------------

    async def _new_email_token(self, session: AsyncSession, user: User, purpose: str,
                               ttl: timedelta, now: datetime) -> tuple[str, datetime]:
        token = new_email_token()
        expires_at = now + ttl
        await self.email_tokens.add(session, user_id=user.id, purpose=purpose,
                                    token_hash=hash_email_token(token), created_at=now,
                                    expires_at=expires_at)
        return token, expires_at

    async def _request_verification(self, session: AsyncSession, user: User,
                                    now: datetime) -> None:
        token, expires_at = await self._new_email_token(session, user, VERIFY,
                                                        VERIFICATION_TTL, now)
        await self.outbox.add(session, events.email_verification_requested(user, token,
                                                                           expires_at))

    async def _redeem(self, session: AsyncSession, token: str, purpose: str,
                      now: datetime) -> EmailToken:
        """The unused, unexpired token for `purpose`, locked; the caller marks it used."""
        word = _TOKEN_WORDS[purpose]
        if not token:
            raise InvalidArgument("token is required")
        row = None
        if len(token) <= MAX_EMAIL_TOKEN_LENGTH:
            row = await self.email_tokens.get_by_hash_for_update(
                session, purpose=purpose, token_hash=hash_email_token(token))
        if row is None:
            raise InvalidArgument(f"this {word} link is not valid", problem_type="invalid-token")
        if row.used_at is not None:
            raise FailedPrecondition(f"this {word} link has already been used",
                                     problem_type="token-used")
        if row.expires_at <= now:
            raise FailedPrecondition(f"this {word} link has expired; ask for a new one",
                                     problem_type="token-expired")
        return row

    async def verify_email(self, session: AsyncSession, *, token: str) -> User:
        now = self.clock()
        row = await self._redeem(session, token, VERIFY, now)
        user = await self.users.get_for_update(session, row.user_id)
        assert user is not None  # tokens are deleted with their user
        # Older links of the same user are spent too: one address, verified once.
        await self.email_tokens.use_all_of_user(session, user_id=user.id, purpose=VERIFY,
                                                now=now)
        if user.email_verified_at is None:
            await self.users.mark_email_verified(session, user, now)
            await self.outbox.add(session, events.email_verified(user, now))
        return user

    async def resend_verification(self, session: AsyncSession, *, email: str) -> None:
        """Answers the same for unknown, verified and unverified addresses."""
        user = await self.users.get_by_email(session, normalise_email(email))
        if user is not None and user.email_verified_at is None:
            await self._request_verification(session, user, self.clock())

    async def forgot_password(self, session: AsyncSession, *, email: str) -> None:
        """Answers the same whether or not the address has an account."""
        user = await self.users.get_by_email(session, normalise_email(email))
        if user is None:
            return
        now = self.clock()
        token, expires_at = await self._new_email_token(session, user, RESET, RESET_TTL, now)
        await self.outbox.add(session, events.password_reset_requested(user, token, expires_at))

    async def reset_password(self, session: AsyncSession, *, token: str,
                             new_password: str) -> int:
        """Set the password and end every session; returns how many were active."""
        check_password_rules(new_password)
        now = self.clock()
        row = await self._redeem(session, token, RESET, now)
        user = await self.users.get_for_update(session, row.user_id)
        assert user is not None
        await self.users.set_password(session, user, now=now,
                                      password_hash=await self.passwords.hash(new_password))
        await self.email_tokens.use_all_of_user(session, user_id=user.id, purpose=RESET,
                                                now=now)
        # Whoever knew the old password may hold sessions: they all end, with their access
        # tokens.
        revoked = await self.refresh_tokens.revoke_all_of_user(session, user.id, now)
        await self._revoke_access_tokens(user.id, now)
        await self.security_events.add(session, kind=PASSWORD_RESET, user_id=user.id, ip=None,
                                       now=now, detail={"revoked_sessions": revoked})
        return revoked

    # The signed-in user's password, profile and account ------------------------------------

    async def _signed_in_user(self, session: AsyncSession, caller_id: str | None) -> User:
        user = await self.users.get_for_update(session, _caller(caller_id))
        if user is None:
            raise Unauthenticated("the signed-in user no longer exists")
        return user

    async def _check_password(self, session: AsyncSession, user: User, password: str,
                              now: datetime) -> None:
        """A wrong password counts like a failed login, so a stolen access token cannot be
        used to guess the password faster than the login form allows."""
        if not password:
            raise InvalidArgument("the current password is required")
        if user.lock_until is not None and user.lock_until > now:
            raise PermissionDenied("too many wrong passwords; try again later",
                                   problem_type="account-locked")
        if not await self.passwords.verify(user.password_hash, password):
            await self._count_failure(session, user, None, now)
            raise RejectedAfterRecording(PermissionDenied("the password is wrong",
                                                          problem_type="wrong-password"))

    def _require_recent_sign_in(self, auth_time: datetime | None, now: datetime,
                                action: str) -> None:
        """For users without a password: a sign-in within RECENT_SIGN_IN stands in for it, so
        that an access token found later (a shared computer, a leak) cannot be used to take
        the account over or delete it."""
        if auth_time is None or now - auth_time > RECENT_SIGN_IN:
            minutes = int(RECENT_SIGN_IN.total_seconds() // 60)
            raise PermissionDenied(
                f"Sign in again to {action}: it needs a sign-in within the last {minutes} "
                "minutes.", problem_type="recent-sign-in-required")

    async def change_password(self, session: AsyncSession, *, caller_id: str | None,
                              current_password: str, new_password: str,
                              refresh_token: str = "", session_id: str = "",
                              auth_time: datetime | None = None) -> PasswordChange:
        """Set a new password and end the user's other sessions (all of them when the current
        one is not named) and every access token issued so far; the kept session gets a new
        one. A user without a password (signed up with a provider) sets a first one: no
        current password, but a recent sign-in (`auth_time`)."""
        user = await self._signed_in_user(session, caller_id)
        check_password_rules(new_password)
        now = self.clock()
        first_password = user.password_hash is None
        if first_password:
            if current_password:
                raise InvalidArgument("this account has no password yet: leave the current "
                                      "password empty", problem_type="no-password")
            self._require_recent_sign_in(auth_time, now, "set a password")
        else:
            if new_password == current_password:
                raise InvalidArgument("the new password must differ from the current one",
                                      problem_type="weak-password")
            await self._check_password(session, user, current_password, now)
        keep = await self._current_session(session, user.id, refresh_token, session_id)
        await self.users.set_password(session, user, now=now,
                                      password_hash=await self.passwords.hash(new_password))
        revoked = await self.refresh_tokens.revoke_all_of_user(session, user.id, now,
                                                               except_family=keep)
        # The per-user revocation cannot spare one session's access tokens, so the kept
        # session gets a new one instead, issued at or after the revocation.
        before = await self._revoke_access_tokens(user.id, now)
        access = None
        if keep is not None:
            authenticated_at = await self.refresh_tokens.family_authenticated_at(session, keep)
            assert authenticated_at is not None  # the family was just found
            access = await self._access_token(user, keep, now, authenticated_at,
                                              not_before=before)
        await self.security_events.add(
            session, kind=PASSWORD_CHANGED, user_id=user.id, ip=None, now=now,
            detail={"revoked_sessions": revoked, "kept_session": keep and str(keep),
                    "first_password": first_password})
        return PasswordChange(revoked, access, keep)

    async def _current_session(self, session: AsyncSession, user_id: uuid.UUID,
                               refresh_token: str, session_id: str) -> uuid.UUID | None:
        """The caller's session named by a refresh token or id; None if it is not theirs."""
        if refresh_token:
            token = await self.refresh_tokens.get_by_hash_for_update(
                session, hash_refresh_token(refresh_token))
            if token is not None and token.user_id == user_id and token.revoked_at is None:
                return token.family_id
        elif session_id:
            family_id = _uuid(session_id, "session_id")
            if await self.refresh_tokens.family_owner(session, family_id) == user_id:
                return family_id
        return None

    async def update_me(self, session: AsyncSession, *, caller_id: str | None,
                        name: str | None = None, preferences: dict[str, Any] | None = None,
                        social_links: dict[str, str] | None = None,
                        profile_image_url: str | None = None) -> User:
        """Change what is given (not None); `preferences` holds only the keys to change."""
        user = await self._signed_in_user(session, caller_id)
        changes: dict[str, Any] = {}
        if name is not None:
            name = name.strip()
            if not name or len(name) > MAX_NAME_LENGTH:
                raise InvalidArgument(f"name must be 1 to {MAX_NAME_LENGTH} characters")
            changes["name"] = name
        if preferences:
            changes["preferences"] = {**DEFAULT_PREFERENCES, **(user.preferences or {}),
                                      **_preferences(preferences)}
        if social_links is not None:
            changes["social_links"] = _social_links(social_links)
        if profile_image_url is not None:
            changes["profile_image_url"] = (_url(profile_image_url, "profile_image_url")
                                            if profile_image_url.strip() else None)
        if changes:
            await self.users.update_profile(session, user, now=self.clock(), changes=changes)
        return user

    async def delete_me(self, session: AsyncSession, *, caller_id: str | None, password: str,
                        access_jti: str = "", access_expires_at: datetime | None = None,
                        auth_time: datetime | None = None) -> None:
        """Delete the account after checking the password (for a user without one: that they
        signed in recently, `auth_time`); sessions and e-mail tokens go with it, every access
        token of the user stops working, the security events stay without the user's id."""
        user = await self._signed_in_user(session, caller_id)
        now = self.clock()
        ttl = self._denylist_ttl(access_jti, access_expires_at, now)
        if user.password_hash is None:
            if password:
                raise InvalidArgument("this account has no password: sign in again instead "
                                      "and leave the password empty",
                                      problem_type="no-password")
            self._require_recent_sign_in(auth_time, now, "delete the account")
        else:
            await self._check_password(session, user, password, now)
        user_id = user.id
        await self.users.delete(session, user)
        await self.outbox.add(session, events.user_deleted(user_id, now))
        # Other services act on a valid token without asking auth: none may outlive the user.
        await self._revoke_access_tokens(user_id, now)
        if ttl:
            await self.denylist.add(access_jti, ttl)

    # Tier ---------------------------------------------------------------------------------

    async def apply_subscription(self, session: AsyncSession, *, user_id: str, plan: str,
                                 status: str, version: int) -> None:
        """Follow billing's subscription.updated. Versions older than (or equal to) the one
        applied are ignored, so redelivered and reordered events change nothing; an admin
        keeps the admin tier; a deleted user is ignored."""
        try:
            user_uuid = uuid.UUID(user_id)
        except ValueError:
            return  # not a user of ours; a retry could not change that
        user = await self.users.get_for_update(session, user_uuid)
        if user is None:
            return
        if user.subscription_version is not None and version <= user.subscription_version:
            return
        old_tier = user.tier
        new_tier = "admin" if old_tier == "admin" else tier_for(plan, status)
        now = self.clock()
        await self.users.set_tier(session, user, tier=new_tier, subscription_version=version,
                                  now=now)
        if new_tier != old_tier:
            await self.outbox.add(session, events.tier_changed(user.id, old_tier, new_tier, now))

    # Login --------------------------------------------------------------------------------

    async def login(self, session: AsyncSession, *, email: str, password: str,
                    user_agent: str = "", ip: str = "") -> SignIn:
        if not email.strip() or not password:
            raise InvalidArgument("email and password are required")
        client_ip = _ip(ip)
        now = self.clock()
        user = await self.users.get_by_email_for_update(session, email.strip())
        if user is None:
            await self.passwords.verify(None, password)  # same time as a wrong password
            await self.security_events.add(
                session, kind=LOGIN_FAILED, user_id=None, ip=client_ip, now=now,
                detail={"reason": "unknown_email", "email": email.strip().lower()[:254]})
            raise RejectedAfterRecording(Unauthenticated(INVALID_CREDENTIALS))

        matches = await self.passwords.verify(user.password_hash, password)
        if user.lock_until is not None and user.lock_until > now:
            await self.security_events.add(
                session, kind=LOGIN_FAILED, user_id=user.id, ip=client_ip, now=now,
                detail={"reason": "locked", "lock_until": user.lock_until.isoformat()})
            raise RejectedAfterRecording(Unauthenticated(INVALID_CREDENTIALS))
        if not matches:
            await self._count_failure(session, user, client_ip, now)
            raise RejectedAfterRecording(Unauthenticated(INVALID_CREDENTIALS))

        new_hash = None
        if user.password_hash and self.passwords.needs_rehash(user.password_hash):
            new_hash = await self.passwords.hash(password)
        return await self._sign_in(session, user, now, user_agent, client_ip, method="password",
                                   password_hash=new_hash)

    async def _sign_in(self, session: AsyncSession, user: User, now: datetime, user_agent: str,
                       ip: str | None, *, method: str, password_hash: str | None = None
                       ) -> SignIn:
        """Tokens for the user, or the token for the second step if they use two factors.
        The failed-login counter is not reset before the second factor passes: otherwise
        someone with the password could guess codes forever, four at a time."""
        if user.two_factor_enabled:
            # (A due password rehash waits for a login that completes: storing it now would
            # go through set_password, which also resets the counter.)
            token = await self._two_factor_tokens().issue(str(user.id))
            return SignIn(user, two_factor_token=token)
        await self.users.record_login(session, user, now=now, password_hash=password_hash)
        tokens = await self._issue(session, user, uuid.uuid4(), now, _user_agent(user_agent), ip,
                                   authenticated_at=now)
        await self.security_events.add(session, kind=LOGIN_SUCCEEDED, user_id=user.id, ip=ip,
                                       now=now, detail={"session_id": str(tokens.session_id),
                                                        "method": method})
        return SignIn(user, tokens=tokens)

    async def _count_failure(self, session: AsyncSession, user: User, ip: str | None,
                             now: datetime, reason: str = "wrong_password") -> None:
        attempts = user.login_attempts + 1
        await self.security_events.add(session, kind=LOGIN_FAILED, user_id=user.id, ip=ip,
                                       now=now, detail={"reason": reason,
                                                        "attempt": attempts})
        if attempts < MAX_FAILED_LOGINS:
            await self.users.record_failed_login(session, user, attempts=attempts,
                                                 lock_until=None, now=now)
            return
        lock_until = now + LOCKOUT
        # The count starts again after the lock, so the next lock needs five more failures.
        await self.users.record_failed_login(session, user, attempts=0, lock_until=lock_until,
                                             now=now)
        await self.security_events.add(session, kind=LOCKOUT_EVENT, user_id=user.id, ip=ip,
                                       now=now, detail={"lock_until": lock_until.isoformat(),
                                                        "failed_attempts": attempts})

    # Tokens -------------------------------------------------------------------------------

    async def _issue(self, session: AsyncSession, user: User, family_id: uuid.UUID,
                     now: datetime, user_agent: str | None, ip: str | None, *,
                     authenticated_at: datetime) -> IssuedTokens:
        """A token pair of the session `family_id`, signed into at `authenticated_at`."""
        access = await self._access_token(user, family_id, now, authenticated_at)
        refresh = new_refresh_token()
        expires_at = now + self.refresh_ttl
        await self.refresh_tokens.add(session, user_id=user.id, family_id=family_id,
                                      token_hash=hash_refresh_token(refresh), created_at=now,
                                      expires_at=expires_at, authenticated_at=authenticated_at,
                                      user_agent=user_agent, ip=ip)
        return IssuedTokens(access, refresh, expires_at, family_id)

    async def _access_token(self, user: User, family_id: uuid.UUID, now: datetime,
                            authenticated_at: datetime, *,
                            not_before: int | None = None) -> AccessToken:
        """An access token of the session; its `iat` is at least the user's revocation time
        (`not_before`, read from Redis unless given), so that it survives a revocation made
        earlier in the same second."""
        if not_before is None:
            try:
                not_before = await self.denylist.revoked_before(user.id)
            except (RedisError, OSError):
                # Without it, a token issued in the second of a revocation is refused until
                # the user refreshes: not worth failing a sign-in for.
                log.warning("revocation time unavailable; token issued without it",
                            exc_info=True)
        return self.issuer.issue(user_id=user.id, tier=user.tier, roles=list(user.roles),
                                 session_id=family_id, now=now, auth_time=authenticated_at,
                                 not_before=not_before)

    async def _revoke_access_tokens(self, user_id: uuid.UUID, now: datetime) -> int:
        """Make the gateway refuse every access token of the user issued so far, for as long
        as one can live; returns the revocation time T (Unix seconds): tokens with `iat` < T
        are refused. `iat` is in whole seconds, so T is the second after `now`: a token issued
        earlier in the same second is refused too, and one issued later in it gets T as its
        `iat` (`_access_token`)."""
        before = math.floor(now.timestamp()) + 1
        return await self.denylist.revoke_before(user_id, before, self._longest_token_life())

    async def _revoke_session_access_tokens(self, family_id: uuid.UUID) -> None:
        """Make the gateway refuse every access token of the session (`sid` = `family_id`),
        for as long as one can live. Ending one session cannot use the user's revocation
        time: that would end the user's other sessions' tokens too."""
        await self.denylist.revoke_session(family_id, self._longest_token_life())

    def _longest_token_life(self) -> int:
        return math.ceil(self.issuer.ttl.total_seconds()) + REVOCATION_MARGIN_SECONDS

    async def refresh(self, session: AsyncSession, *, refresh_token: str, user_agent: str = "",
                      ip: str = "") -> IssuedTokens:
        if not refresh_token:
            raise InvalidArgument("refresh_token is required")
        client_ip = _ip(ip)
        now = self.clock()
        token = await self.refresh_tokens.get_by_hash_for_update(
            session, hash_refresh_token(refresh_token))
        if token is None or token.revoked_at is not None:
            raise Unauthenticated(INVALID_REFRESH_TOKEN)
        if token.used_at is not None:
            # Someone holds a token that was already exchanged: the thief or the owner, we
            # cannot tell which, so the whole session ends for both. Its access tokens cannot
            # be told from the user's others, so they all stop working; the user's other
            # sessions simply refresh.
            await self.refresh_tokens.revoke_family(session, token.family_id, now)
            await self._revoke_access_tokens(token.user_id, now)
            await self.security_events.add(
                session, kind=TOKEN_REUSE, user_id=token.user_id, ip=client_ip, now=now,
                detail={"session_id": str(token.family_id)})
            raise RejectedAfterRecording(Unauthenticated(INVALID_REFRESH_TOKEN))
        if token.expires_at <= now:
            raise Unauthenticated(INVALID_REFRESH_TOKEN)
        user = await self.users.get(session, token.user_id)
        if user is None:
            raise Unauthenticated(INVALID_REFRESH_TOKEN)
        await self.refresh_tokens.mark_used(session, token, now)
        return await self._issue(session, user, token.family_id, now, _user_agent(user_agent),
                                 client_ip, authenticated_at=token.authenticated_at)

    # Logout and sessions ------------------------------------------------------------------

    async def logout(self, session: AsyncSession, *, caller_id: str | None,
                     refresh_token: str = "", session_id: str = "", access_jti: str = "",
                     access_expires_at: datetime | None = None) -> None:
        now = self.clock()
        ttl = self._denylist_ttl(access_jti, access_expires_at, now)
        user_id: uuid.UUID | None = None
        family_id: uuid.UUID | None = None
        if refresh_token:
            # Holding the refresh token is the right to end its session.
            token = await self.refresh_tokens.get_by_hash_for_update(
                session, hash_refresh_token(refresh_token))
            if token is not None:
                user_id, family_id = token.user_id, token.family_id
        elif session_id:
            user_id = _caller(caller_id)
            family_id = await self._own_session(session, user_id, session_id)
        if family_id is not None:
            await self.refresh_tokens.revoke_family(session, family_id, now)
            # The session's other access tokens (issued before the last refresh, or copied
            # elsewhere) end with it, not only the one presented.
            await self._revoke_session_access_tokens(family_id)
            await self.security_events.add(session, kind=LOGOUT, user_id=user_id, ip=None,
                                           now=now, detail={"session_id": str(family_id)})
        if ttl:
            await self.denylist.add(access_jti, ttl)

    async def logout_all(self, session: AsyncSession, *, caller_id: str | None,
                         access_jti: str = "", access_expires_at: datetime | None = None) -> int:
        user_id = _caller(caller_id)
        now = self.clock()
        ttl = self._denylist_ttl(access_jti, access_expires_at, now)
        revoked = await self.refresh_tokens.revoke_all_of_user(session, user_id, now)
        await self._revoke_access_tokens(user_id, now)
        await self.security_events.add(session, kind=LOGOUT_ALL, user_id=user_id, ip=None,
                                       now=now, detail={"revoked_sessions": revoked})
        if ttl:
            await self.denylist.add(access_jti, ttl)
        return revoked

    def _denylist_ttl(self, jti: str, expires_at: datetime | None, now: datetime) -> int:
        """Seconds to keep `jti` on the denylist: until the token expires, never longer than
        a token can live (so a bogus expiry cannot fill Redis)."""
        if not jti:
            return 0
        if len(jti) > MAX_JTI_LENGTH:
            raise InvalidArgument(f"access_jti must be at most {MAX_JTI_LENGTH} characters")
        if expires_at is None:
            raise InvalidArgument("access_expires_at is required with access_jti")
        remaining = math.ceil((expires_at - now).total_seconds())
        return max(0, min(remaining, self._longest_token_life()))

    async def _own_session(self, session: AsyncSession, user_id: uuid.UUID,
                           session_id: str) -> uuid.UUID:
        family_id = _uuid(session_id, "session_id")
        # Someone else's session answers like a missing one: ids are not confirmed to strangers.
        if await self.refresh_tokens.family_owner(session, family_id) != user_id:
            raise NotFound("no such session", problem_type="session-not-found")
        return family_id

    async def list_sessions(self, session: AsyncSession, *,
                            caller_id: str | None) -> list[ActiveSession]:
        user_id = _caller(caller_id)
        return await self.refresh_tokens.list_active(session, user_id, self.clock())

    async def revoke_session(self, session: AsyncSession, *, caller_id: str | None,
                             session_id: str) -> None:
        user_id = _caller(caller_id)
        if not session_id:
            raise InvalidArgument("session_id is required")
        family_id = await self._own_session(session, user_id, session_id)
        now = self.clock()
        await self.refresh_tokens.revoke_family(session, family_id, now)
        # Ending a session from another device (a lost phone) must stop it at once, not when
        # its access token runs out.
        await self._revoke_session_access_tokens(family_id)
        await self.security_events.add(session, kind=LOGOUT, user_id=user_id, ip=None, now=now,
                                       detail={"session_id": str(family_id),
                                               "revoked_by": "user"})

    # Users and keys -----------------------------------------------------------------------

    async def get_me(self, session: AsyncSession, *, caller_id: str | None) -> User:
        user = await self.users.get(session, _caller(caller_id))
        if user is None:
            raise Unauthenticated("the signed-in user no longer exists")
        return user

    def jwks_json(self) -> str:
        return self.keys.jwks_json()

    # Sign-in with external providers ------------------------------------------------------

    def _states(self) -> OAuthStateStore:
        if self.oauth_states is None:
            raise FailedPrecondition("sign-in with providers is not configured",
                                     problem_type="provider-disabled")
        return self.oauth_states

    async def start_oauth(self, session: AsyncSession, *, provider: str, intent: str,
                          caller_id: str | None) -> tuple[str, str]:
        """The provider's authorization URL and its state; for LINK, the caller's account is
        remembered with the state, so the callback (which carries no access token) links it."""
        provider = provider.strip().lower()
        self.oauth.config(provider)
        user_id = None
        if intent == LINK:
            user_id = str((await self.get_me(session, caller_id=caller_id)).id)
        state = new_state()
        pending = new_pending(provider, intent, user_id)
        url = await self.oauth.authorization_url(provider, state, pending)
        await self._states().put(state, pending)
        return url, state

    async def finish_oauth(self, session: AsyncSession, *, provider: str, state: str,
                           code: str, error: str = "", user_agent: str = "",
                           ip: str = "") -> OAuthOutcome:
        client_ip = _ip(ip)
        provider = provider.strip().lower()
        pending = await self._states().take(check_state(state))
        if pending is None or pending.provider != provider:
            raise Unauthenticated("this sign-in is unknown, expired or already finished; "
                                  "start again", problem_type="invalid-oauth-state")
        if error:
            raise Unauthenticated(f"the sign-in at {provider} did not happen ({error[:64]})",
                                  problem_type="oauth-denied")
        if not code:
            raise InvalidArgument("code is required")
        profile = await self.oauth.profile(provider, code, pending)
        if not profile.subject:
            raise Unauthenticated(f"{provider} did not say who signed in",
                                  problem_type="provider-error")
        now = self.clock()
        identity = await self.identities.get(session, provider=provider,
                                             subject=profile.subject)
        email = _provider_email(profile.email)

        if pending.intent == LINK:
            user = await self.users.get_for_update(session, _caller(pending.user_id))
            if user is None:
                raise Unauthenticated("the signed-in user no longer exists")
            if identity is not None and identity.user_id != user.id:
                raise AlreadyExists(f"this {provider} account is linked to another user",
                                    problem_type="identity-taken")
            if identity is None:
                await self._link(session, user, provider, profile.subject, email, now)
            return OAuthOutcome(SignIn(user), LINK, linked=identity is None)

        linked = False
        if identity is not None:
            user = await self.users.get_for_update(session, identity.user_id)
            assert user is not None  # identities are deleted with their user
        elif email and (user := await self.users.get_by_email_for_update(session, email)):
            # Linking by e-mail hands the account to whoever controls the provider account,
            # so both sides must have proved the address: the provider (else anyone can claim
            # any address there) and the account (else someone who registered the address
            # without owning it would keep a password to the owner's account).
            if not profile.email_verified:
                raise FailedPrecondition(
                    f"An account with this e-mail address exists, but {provider} has not "
                    f"verified the address. Sign in with your password and link {provider} "
                    "from your settings.", problem_type="oauth-email-unverified")
            if user.email_verified_at is None:
                raise FailedPrecondition(
                    "An account with this e-mail address exists but has not verified it yet. "
                    f"Verify it or sign in with your password, then link {provider} from "
                    "your settings.", problem_type="account-email-unverified")
            await self._link(session, user, provider, profile.subject, email, now)
            linked = True
        else:
            if not email:
                raise FailedPrecondition(
                    f"{provider} did not share an e-mail address, which an account needs. "
                    "Sign up with e-mail, then link it from your settings.",
                    problem_type="oauth-email-missing")
            user = await self._create_oauth_user(session, email, profile, now)
            await self._link(session, user, provider, profile.subject, email, now)
            linked = True
        sign_in = await self._sign_in(session, user, now, user_agent, client_ip, method=provider)
        return OAuthOutcome(sign_in, LOGIN, linked)

    async def _create_oauth_user(self, session: AsyncSession, email: str, profile: Any,
                                 now: datetime) -> User:
        name = " ".join(profile.name.split())[:MAX_NAME_LENGTH] or email.split("@")[0]
        picture = None
        if profile.picture:
            try:
                picture = _url(profile.picture, "picture")
            except InvalidArgument:
                picture = None
        user = await self.users.create(
            session, email=email, name=name, password_hash=None,
            email_verified_at=now if profile.email_verified else None,
            profile_image_url=picture)
        if user is None:  # registered in the meantime
            raise AlreadyExists("an account with this e-mail already exists; try again",
                                problem_type="email-taken")
        await self.outbox.add(session, events.user_registered(user))
        if user.email_verified_at is None:
            await self._request_verification(session, user, now)
        return user

    async def _link(self, session: AsyncSession, user: User, provider: str, subject: str,
                    email: str | None, now: datetime) -> None:
        if not await self.identities.add(session, user_id=user.id, provider=provider,
                                         subject=subject, email=email, now=now):
            raise AlreadyExists(f"this {provider} account was linked in the meantime",
                                problem_type="identity-taken")
        await self.security_events.add(session, kind=IDENTITY_LINKED, user_id=user.id, ip=None,
                                       now=now, detail={"provider": provider})

    async def list_identities(self, session: AsyncSession, *,
                              caller_id: str | None) -> list[OAuthIdentity]:
        return await self.identities.list_of_user(session, _caller(caller_id))

    async def unlink_identity(self, session: AsyncSession, *, caller_id: str | None,
                              provider: str) -> None:
        user = await self._signed_in_user(session, caller_id)
        provider = provider.strip().lower()
        identities = await self.identities.list_of_user(session, user.id)
        if not any(i.provider == provider for i in identities):
            raise NotFound(f"no {provider[:32]} account is linked",
                           problem_type="identity-not-found")
        if user.password_hash is None and all(i.provider == provider for i in identities):
            raise FailedPrecondition(
                "This is your only way to sign in: link another provider first.",
                problem_type="last-login-method")
        now = self.clock()
        await self.identities.delete(session, user_id=user.id, provider=provider)
        await self.security_events.add(session, kind=IDENTITY_UNLINKED, user_id=user.id,
                                       ip=None, now=now, detail={"provider": provider})

    # Security events other components observe --------------------------------------------

    async def record_security_event(self, session: AsyncSession, *, kind: str, user_id: str,
                                    ip: str, detail_kind: str | None,
                                    detail: dict[str, Any]) -> None:
        """Store and publish a security event reported by the gateway. `detail_kind` names
        the detail the request carried; it must be the one of `kind`."""
        if kind not in REPORTABLE_KINDS:
            raise InvalidArgument(f"security events of kind {kind[:64]!r} cannot be reported",
                                  problem_type="unknown-security-event-kind")
        if detail_kind != kind:
            raise InvalidArgument(f"a {kind} event needs its {kind} detail")
        checked = _rate_limit_detail(detail)
        client_ip = _ip(ip)
        # A token stays valid for minutes after its user is deleted: the event is still worth
        # keeping, about nobody (security_events.user_id references users).
        user = await self.users.get(session, _uuid(user_id, "user")) if user_id else None
        await self.security_events.add(session, kind=kind, user_id=user.id if user else None,
                                       ip=client_ip, detail=checked)

    # Two-factor authentication ------------------------------------------------------------

    def _two_factor_tokens(self) -> TwoFactorLoginTokens:
        if self.two_factor_tokens is None:
            raise FailedPrecondition("two-factor authentication is not configured")
        return self.two_factor_tokens

    async def setup_two_factor(self, session: AsyncSession, *,
                               caller_id: str | None) -> TwoFactorSetup:
        user = await self._signed_in_user(session, caller_id)
        if user.two_factor_enabled:
            raise FailedPrecondition("two-factor authentication is already on; turn it off "
                                     "first", problem_type="two-factor-enabled")
        secret = two_factor.new_secret()
        await self.users.set_two_factor(session, user, now=self.clock(), enabled=False,
                                        totp_secret=self.secret_box.seal(secret),
                                        totp_last_step=None)
        return TwoFactorSetup(secret, two_factor.otpauth_uri(secret, user.email))

    async def enable_two_factor(self, session: AsyncSession, *, caller_id: str | None,
                                code: str) -> list[str]:
        """Turn two factors on; returns the recovery codes (only their hashes are kept)."""
        user = await self._signed_in_user(session, caller_id)
        if user.two_factor_enabled:
            raise FailedPrecondition("two-factor authentication is already on",
                                     problem_type="two-factor-enabled")
        if not user.totp_secret:
            raise FailedPrecondition("set up two-factor authentication first",
                                     problem_type="two-factor-not-set-up")
        step = two_factor.matching_step(self.secret_box.open(user.totp_secret), code[:64],
                                        None, self.clock().timestamp())
        if step is None:
            raise InvalidArgument("the code is wrong; check the authenticator app's clock",
                                  problem_type="wrong-two-factor-code")
        now = self.clock()
        await self.users.set_two_factor(session, user, now=now, enabled=True,
                                        totp_secret=user.totp_secret, totp_last_step=step)
        codes = two_factor.new_recovery_codes()
        await self.recovery_codes.replace(
            session, user_id=user.id, code_hashes=[two_factor.hash_recovery_code(c)
                                                   for c in codes], now=now)
        await self.security_events.add(session, kind=TWO_FACTOR_ENABLED, user_id=user.id,
                                       ip=None, now=now)
        return codes

    async def disable_two_factor(self, session: AsyncSession, *, caller_id: str | None,
                                 password: str, code: str) -> None:
        """Needs the password (for users who have one) and a code or recovery code."""
        user = await self._signed_in_user(session, caller_id)
        if not user.two_factor_enabled:
            raise FailedPrecondition("two-factor authentication is not on",
                                     problem_type="two-factor-disabled")
        now = self.clock()
        if user.password_hash is not None:
            await self._check_password(session, user, password, now)
        if not code:
            raise InvalidArgument("a code from the authenticator app is required")
        if not await self._second_factor(session, user, code=code, recovery_code=code, now=now):
            await self._count_failure(session, user, None, now, reason="wrong_two_factor_code")
            raise RejectedAfterRecording(PermissionDenied(WRONG_CODE,
                                                          problem_type="wrong-two-factor-code"))
        await self.users.set_two_factor(session, user, now=now, enabled=False,
                                        totp_secret=None, totp_last_step=None)
        await self.recovery_codes.delete_all(session, user.id)
        await self.security_events.add(session, kind=TWO_FACTOR_DISABLED, user_id=user.id,
                                       ip=None, now=now)

    async def _second_factor(self, session: AsyncSession, user: User, *, code: str,
                             recovery_code: str, now: datetime) -> bool:
        """Check a TOTP code (spending its time step) or spend a recovery code."""
        if code and user.totp_secret:
            step = two_factor.matching_step(self.secret_box.open(user.totp_secret),
                                            code[:two_factor.MAX_CODE_LENGTH],
                                            user.totp_last_step, now.timestamp())
            if step is not None:
                await self.users.set_totp_last_step(session, user, step)
                return True
        if recovery_code and len(recovery_code) <= two_factor.MAX_CODE_LENGTH:
            if await self.recovery_codes.use(
                    session, user_id=user.id,
                    code_hash=two_factor.hash_recovery_code(recovery_code), now=now):
                await self.security_events.add(session, kind=RECOVERY_CODE_USED,
                                               user_id=user.id, ip=None, now=now)
                return True
        return False

    async def complete_two_factor_login(self, session: AsyncSession, *, two_factor_token: str,
                                        code: str = "", recovery_code: str = "",
                                        user_agent: str = "", ip: str = "") -> SignIn:
        if not two_factor_token or len(two_factor_token) > 256:
            raise InvalidArgument("two_factor_token is required")
        if not code and not recovery_code:
            raise InvalidArgument("a code or a recovery code is required")
        client_ip = _ip(ip)
        tokens = self._two_factor_tokens()
        user_id = await tokens.user_id(two_factor_token)
        user = None
        if user_id is not None:
            user = await self.users.get_for_update(session, _uuid(user_id, "user"))
        if user is None or not user.two_factor_enabled:
            raise Unauthenticated(TWO_FACTOR_EXPIRED, problem_type="two-factor-token-invalid")
        now = self.clock()
        if user.lock_until is not None and user.lock_until > now:
            await tokens.spend(two_factor_token)
            await self.security_events.add(
                session, kind=LOGIN_FAILED, user_id=user.id, ip=client_ip, now=now,
                detail={"reason": "locked", "lock_until": user.lock_until.isoformat()})
            raise RejectedAfterRecording(Unauthenticated(
                "too many wrong codes; try again later", problem_type="account-locked"))
        if not await self._second_factor(session, user, code=code, recovery_code=recovery_code,
                                         now=now):
            await self._count_failure(session, user, client_ip, now,
                                      reason="wrong_two_factor_code")
            raise RejectedAfterRecording(Unauthenticated(WRONG_CODE,
                                                         problem_type="wrong-two-factor-code"))
        await tokens.spend(two_factor_token)
        await self.users.record_login(session, user, now=now)
        issued = await self._issue(session, user, uuid.uuid4(), now, _user_agent(user_agent),
                                   client_ip, authenticated_at=now)
        await self.security_events.add(session, kind=LOGIN_SUCCEEDED, user_id=user.id,
                                       ip=client_ip, now=now,
                                       detail={"session_id": str(issued.session_id),
                                               "method": "two_factor"})
        return SignIn(user, tokens=issued)


def _rate_limit_detail(detail: dict[str, Any]) -> dict[str, Any]:
    rule, key_kind = str(detail.get("rule", "")), str(detail.get("key_kind", ""))
    method, path = str(detail.get("method", "")), str(detail.get("path", ""))
    limit, window = detail.get("limit", 0), detail.get("window_seconds", 0)
    if not _RULE_NAME.match(rule):
        raise InvalidArgument("rule must be 1-64 lower-case letters, digits or '_'")
    if key_kind not in RATE_LIMIT_KEY_KINDS:
        raise InvalidArgument(f"key_kind must be one of {', '.join(RATE_LIMIT_KEY_KINDS)}")
    if not _HTTP_METHOD.match(method):
        raise InvalidArgument("method must be an HTTP method such as 'POST'")
    if not path.startswith("/"):
        raise InvalidArgument("path must start with '/'")
    if not isinstance(limit, int) or not isinstance(window, int) or limit < 1 or window < 1:
        raise InvalidArgument("limit and window_seconds must be positive")
    return {"rule": rule, "key_kind": key_kind, "method": method,
            "path": path[:MAX_REPORTED_PATH_LENGTH], "limit": limit, "window_seconds": window}


def _provider_email(email: str | None) -> str | None:
    """The provider's address if it looks like one (it becomes the account's address)."""
    if not email:
        return None
    try:
        return normalise_email(email)
    except InvalidArgument:
        return None
