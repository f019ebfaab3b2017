"""Rules of the auth service: registration, login with lockout, refresh-token rotation with
reuse detection, logout and sessions. No gRPC types here, and nothing commits: the caller owns
the transaction (see `RejectedAfterRecording` for failures whose bookkeeping must commit)."""

from __future__ import annotations

import ipaddress
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from auth import events
from auth.keys import SigningKeys
from auth.models import User
from auth.passwords import PasswordHashing, check_password_rules
from auth.repository import (
    AccessTokenDenylist,
    ActiveSession,
    RefreshTokenRepository,
    SecurityEventRepository,
    UserRepository,
)
from auth.tokens import AccessToken, AccessTokenIssuer, hash_refresh_token, new_refresh_token
from career_kit.errors import (
    AlreadyExists,
    DomainError,
    InvalidArgument,
    NotFound,
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
# Deliberately loose: the real check is the verification e-mail.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# Security event kinds.
LOGIN_FAILED = "login_failed"
LOGIN_SUCCEEDED = "login_succeeded"
LOCKOUT_EVENT = "lockout"
TOKEN_REUSE = "token_reuse"
LOGOUT = "logout"
LOGOUT_ALL = "logout_all"


class RejectedAfterRecording(Exception):
    """A rejection whose bookkeeping (failed-login counter, security event, revoked token
    family) must still commit: the unit of work commits, then raises `error`."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.detail)
        self.error = error


@dataclass(frozen=True)
class Registration:
    user: User
    verification_required: bool


@dataclass(frozen=True)
class IssuedTokens:
    access: AccessToken
    refresh_token: str
    refresh_expires_at: datetime
    session_id: uuid.UUID


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


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuthService:
    def __init__(self, *, keys: SigningKeys, issuer: AccessTokenIssuer,
                 passwords: PasswordHashing, denylist: AccessTokenDenylist, outbox: Outbox,
                 refresh_ttl: timedelta, clock: Callable[[], datetime] = _utc_now) -> None:
        self.keys = keys
        self.issuer = issuer
        self.passwords = passwords
        self.denylist = denylist
        self.outbox = outbox
        self.refresh_ttl = refresh_ttl
        self.clock = clock
        self.users = UserRepository()
        self.refresh_tokens = RefreshTokenRepository()
        self.security_events = SecurityEventRepository()

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
            raise AlreadyExists("an account with this e-mail already exists",
                                problem_type="email-taken")
        await self.outbox.add(session, events.user_registered(user))
        return Registration(user, verification_required=user.email_verified_at is None)

    # Login --------------------------------------------------------------------------------

    async def login(self, session: AsyncSession, *, email: str, password: str,
                    user_agent: str = "", ip: str = "") -> tuple[User, IssuedTokens]:
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
        await self.users.record_login(session, user, now=now, password_hash=new_hash)
        tokens = await self._issue(session, user, uuid.uuid4(), now, _user_agent(user_agent),
                                   client_ip)
        await self.security_events.add(session, kind=LOGIN_SUCCEEDED, user_id=user.id,
                                       ip=client_ip, now=now,
                                       detail={"session_id": str(tokens.session_id)})
        return user, tokens

    async def _count_failure(self, session: AsyncSession, user: User, ip: str | None,
                             now: datetime) -> None:
        attempts = user.login_attempts + 1
        await self.security_events.add(session, kind=LOGIN_FAILED, user_id=user.id, ip=ip,
                                       now=now, detail={"reason": "wrong_password",
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
                     now: datetime, user_agent: str | None, ip: str | None) -> IssuedTokens:
        access = self.issuer.issue(user_id=user.id, tier=user.tier, roles=list(user.roles),
                                   session_id=family_id, now=now)
        refresh = new_refresh_token()
        expires_at = now + self.refresh_ttl
        await self.refresh_tokens.add(session, user_id=user.id, family_id=family_id,
                                      token_hash=hash_refresh_token(refresh), created_at=now,
                                      expires_at=expires_at, user_agent=user_agent, ip=ip)
        return IssuedTokens(access, refresh, expires_at, family_id)

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
            # cannot tell which, so the whole session ends for both.
            await self.refresh_tokens.revoke_family(session, token.family_id, now)
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
                                 client_ip)

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
        longest = math.ceil(self.issuer.ttl.total_seconds()) + 60
        return max(0, min(remaining, longest))

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
