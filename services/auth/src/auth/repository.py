"""All storage of the auth service: SQL on users, refresh tokens, e-mail tokens, security
events, linked identities and recovery codes, one repository per aggregate bound to the session
of the unit of work (career_kit.repository: `Users(session).get(user_id)`); and the access-token
denylist (by jti, by session, and per user by issue time) in Redis, which lives outside any
transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from auth.models import (
    EmailToken,
    OAuthIdentity,
    RecoveryCode,
    RefreshToken,
    SecurityEvent,
    User,
)
from career_kit.pagination import Page
from career_kit.reads import Reader, Select
from career_kit.repository import Repository
from career_kit.revocation_keys import denylist_key, revoked_before_key, session_revoked_key

_USER_BY_ID = Select(select(User).where(User.id == bindparam("id")), entity=User)
_USER_BY_EMAIL = Select(select(User).where(func.lower(User.email) == bindparam("email")),
                        entity=User)


class UserReads:
    """The hot reads of accounts, outside any unit of work (career_kit.reads)."""

    def __init__(self, reads: Reader) -> None:
        self.reads = reads

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The account as it is now, detached: for reading, never for changing."""
        return await self.reads.one_or_none(_USER_BY_ID, id=user_id)

    async def get_by_email(self, email: str) -> User | None:
        """The account with this e-mail, in any letter case (as sign-in matches it)."""
        return await self.reads.one_or_none(_USER_BY_EMAIL, email=email.lower())


class Users(Repository):
    """Accounts: who signs in, with what, and what they may use."""

    async def create(self, *, email: str, name: str, password_hash: str | None,
                     email_verified_at: datetime | None = None,
                     profile_image_url: str | None = None) -> User | None:
        """Insert a user; None if the e-mail is taken (in any letter case). Users who sign up
        with a provider have no password."""
        statement = (
            insert(User)
            .values(email=email, name=name, password_hash=password_hash,
                    email_verified_at=email_verified_at, profile_image_url=profile_image_url)
            .on_conflict_do_nothing()
            .returning(User)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_email_for_update(self, email: str) -> User | None:
        """The user with this e-mail (case-insensitively), locked until the transaction ends so
        that concurrent failed logins count one by one."""
        statement = (select(User).where(func.lower(User.email) == email.lower())
                     .with_for_update())
        return (await self.session.scalars(statement)).one_or_none()

    async def get_for_update(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id, with_for_update=True)

    async def get_by_email(self, email: str) -> User | None:
        statement = select(User).where(func.lower(User.email) == email.lower())
        return (await self.session.scalars(statement)).one_or_none()

    async def mark_email_verified(self, user: User, now: datetime) -> None:
        user.email_verified_at = now
        user.updated_at = now
        await self.session.flush()

    async def set_password(self, user: User, *, password_hash: str, now: datetime) -> None:
        """A new password also lifts any lockout: the old failures were against the old one."""
        user.password_hash = password_hash
        user.login_attempts = 0
        user.lock_until = None
        user.updated_at = now
        await self.session.flush()

    async def update_profile(self, user: User, *, now: datetime,
                             changes: dict[str, Any]) -> None:
        """Set the given columns (name, preferences, social_links, profile_image_url,
        profile_image)."""
        for column, value in changes.items():
            setattr(user, column, value)
        user.updated_at = now
        await self.session.flush()

    async def set_tier(self, user: User, *, tier: str, subscription_version: int,
                       now: datetime) -> None:
        user.tier = tier
        user.subscription_version = subscription_version
        user.updated_at = now
        await self.session.flush()

    async def delete(self, user: User) -> None:
        """Delete the user; sessions and e-mail tokens go with it (ON DELETE CASCADE)."""
        await self.session.execute(delete(User).where(User.id == user.id))
        self.session.expunge(user)

    async def set_two_factor(self, user: User, *, now: datetime, enabled: bool,
                             totp_secret: str | None, totp_last_step: int | None) -> None:
        user.two_factor_enabled = enabled
        user.totp_secret = totp_secret
        user.totp_last_step = totp_last_step
        user.updated_at = now
        await self.session.flush()

    async def set_totp_last_step(self, user: User, step: int) -> None:
        user.totp_last_step = step
        await self.session.flush()

    async def record_failed_login(self, user: User, *, attempts: int,
                                  lock_until: datetime | None, now: datetime) -> None:
        user.login_attempts = attempts
        user.lock_until = lock_until
        user.updated_at = now
        await self.session.flush()

    async def record_login(self, user: User, *, now: datetime,
                           password_hash: str | None = None) -> None:
        user.login_attempts = 0
        user.lock_until = None
        user.last_login_at = now
        user.updated_at = now
        if password_hash is not None:
            user.password_hash = password_hash
        await self.session.flush()


@dataclass(frozen=True)
class ActiveSession:
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip: str | None


class RefreshTokens(Repository):
    """Refresh tokens; the tokens of one family (rotated from one sign-in) are a session."""

    async def add(self, *, user_id: uuid.UUID, family_id: uuid.UUID, token_hash: bytes,
                  created_at: datetime, expires_at: datetime, authenticated_at: datetime,
                  user_agent: str | None, ip: str | None) -> None:
        self.session.add(RefreshToken(
            user_id=user_id, family_id=family_id, token_hash=token_hash, created_at=created_at,
            expires_at=expires_at, authenticated_at=authenticated_at, user_agent=user_agent,
            ip=ip))
        await self.session.flush()

    async def get_by_hash_for_update(self, token_hash: bytes) -> RefreshToken | None:
        statement = (select(RefreshToken).where(RefreshToken.token_hash == token_hash)
                     .with_for_update())
        return (await self.session.scalars(statement)).one_or_none()

    async def mark_used(self, token: RefreshToken, now: datetime) -> None:
        token.used_at = now
        await self.session.flush()

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> int:
        """Revoke every token of the family; returns how many were still unrevoked."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now))
        return result.rowcount

    async def revoke_all_of_user(self, user_id: uuid.UUID, now: datetime, *,
                                 except_family: uuid.UUID | None = None) -> int:
        """Revoke every token of the user but those of `except_family`; returns the number of
        sessions that were active and are now revoked."""
        active = [s for s in await self.list_active(user_id, now) if s.id != except_family]
        statement = (update(RefreshToken)
                     .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)))
        if except_family is not None:
            statement = statement.where(RefreshToken.family_id != except_family)
        await self.session.execute(statement.values(revoked_at=now))
        return len(active)

    async def family_owner(self, family_id: uuid.UUID) -> uuid.UUID | None:
        statement = select(RefreshToken.user_id).where(RefreshToken.family_id == family_id).limit(1)
        return (await self.session.scalars(statement)).one_or_none()

    async def family_authenticated_at(self, family_id: uuid.UUID) -> datetime | None:
        """When the session was signed into (every token of a family has the same time)."""
        statement = (select(RefreshToken.authenticated_at)
                     .where(RefreshToken.family_id == family_id).limit(1))
        return (await self.session.scalars(statement)).one_or_none()

    async def list_active(self, user_id: uuid.UUID, now: datetime) -> list[ActiveSession]:
        """Sessions whose latest token is neither used, revoked nor expired, latest first."""
        family = RefreshToken.__table__.alias("family")
        current = RefreshToken.__table__.alias("current")
        first_issued = (select(func.min(family.c.created_at))
                        .where(family.c.family_id == current.c.family_id)
                        .scalar_subquery())
        statement = (
            select(current.c.family_id, first_issued, current.c.created_at,
                   current.c.expires_at, current.c.user_agent, current.c.ip)
            .where(current.c.user_id == user_id, current.c.used_at.is_(None),
                   current.c.revoked_at.is_(None), current.c.expires_at > now)
            .order_by(current.c.created_at.desc())
        )
        rows = (await self.session.execute(statement)).all()
        return [ActiveSession(row[0], row[1], row[2], row[3], row[4],
                              None if row[5] is None else str(row[5])) for row in rows]


class EmailTokens(Repository):
    """Single-use tokens mailed to users (verification, password reset), kept as hashes."""

    async def add(self, *, user_id: uuid.UUID, purpose: str, token_hash: bytes,
                  created_at: datetime, expires_at: datetime) -> None:
        self.session.add(EmailToken(user_id=user_id, purpose=purpose, token_hash=token_hash,
                                    created_at=created_at, expires_at=expires_at))
        await self.session.flush()

    async def get_by_hash_for_update(self, *, purpose: str,
                                     token_hash: bytes) -> EmailToken | None:
        statement = (select(EmailToken)
                     .where(EmailToken.token_hash == token_hash, EmailToken.purpose == purpose)
                     .with_for_update())
        return (await self.session.scalars(statement)).one_or_none()

    async def use_all_of_user(self, *, user_id: uuid.UUID, purpose: str, now: datetime) -> None:
        """Mark every unused token of the user for `purpose` used: one success ends them all."""
        await self.session.execute(
            update(EmailToken)
            .where(EmailToken.user_id == user_id, EmailToken.purpose == purpose,
                   EmailToken.used_at.is_(None))
            .values(used_at=now))


class SecurityEventLog(Repository):
    """The audit trail of security events (publishing them is the service's part)."""

    async def add(self, *, kind: str, user_id: uuid.UUID | None, ip: str | None,
                  detail: dict[str, Any] | None = None, now: datetime | None = None) -> None:
        values: dict[str, Any] = {"kind": kind, "user_id": user_id, "ip": ip,
                                  "detail": detail or {}}
        if now is not None:
            values["created_at"] = now
        self.session.add(SecurityEvent(**values))
        await self.session.flush()

    async def page_for_user(self, user_id: uuid.UUID, page: Page) -> list[SecurityEvent]:
        """The user's events, newest first (career_kit.pagination; the index on
        (user_id, created_at) serves it)."""
        query = select(SecurityEvent).where(SecurityEvent.user_id == user_id)
        if page.before is not None:
            query = query.where(func.row(SecurityEvent.created_at, SecurityEvent.id)
                                < func.row(page.before.created, uuid.UUID(page.before.key)))
        rows = await self.session.scalars(
            query.order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
            .limit(page.rows_to_read))
        return list(rows)


class OAuthIdentities(Repository):
    """Accounts at identity providers linked to users."""

    async def get(self, *, provider: str, subject: str) -> OAuthIdentity | None:
        statement = select(OAuthIdentity).where(OAuthIdentity.provider == provider,
                                                OAuthIdentity.subject == subject)
        return (await self.session.scalars(statement)).one_or_none()

    async def add(self, *, user_id: uuid.UUID, provider: str, subject: str,
                  email: str | None, now: datetime) -> bool:
        """Link the identity; False if it is linked already (to anyone)."""
        statement = (insert(OAuthIdentity)
                     .values(user_id=user_id, provider=provider, subject=subject, email=email,
                             created_at=now)
                     .on_conflict_do_nothing()
                     .returning(OAuthIdentity.id))
        return (await self.session.scalars(statement)).one_or_none() is not None

    async def list_of_user(self, user_id: uuid.UUID) -> list[OAuthIdentity]:
        statement = (select(OAuthIdentity).where(OAuthIdentity.user_id == user_id)
                     .order_by(OAuthIdentity.created_at, OAuthIdentity.provider))
        return list(await self.session.scalars(statement))

    async def delete(self, *, user_id: uuid.UUID, provider: str) -> int:
        result = await self.session.execute(
            delete(OAuthIdentity).where(OAuthIdentity.user_id == user_id,
                                        OAuthIdentity.provider == provider))
        return result.rowcount


class RecoveryCodes(Repository):
    """Two-factor recovery codes, kept as hashes."""

    async def replace(self, *, user_id: uuid.UUID, code_hashes: list[bytes],
                      now: datetime) -> None:
        """The user's recovery codes become exactly these."""
        await self.delete_all(user_id)
        self.session.add_all([RecoveryCode(user_id=user_id, code_hash=h, created_at=now)
                              for h in code_hashes])
        await self.session.flush()

    async def delete_all(self, user_id: uuid.UUID) -> None:
        await self.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))

    async def use(self, *, user_id: uuid.UUID, code_hash: bytes, now: datetime) -> bool:
        """Spend an unused code of the user; False if there is none with this hash."""
        result = await self.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == code_hash,
                   RecoveryCode.used_at.is_(None))
            .values(used_at=now)
            .returning(RecoveryCode.id))
        return result.first() is not None


# KEYS[1] the user's marker; ARGV: revocation time (Unix seconds), TTL in seconds. The marker
# only moves forward: a revocation computed on an auth replica whose clock is behind must not
# bring back tokens a later one revoked.
_REVOKE_BEFORE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local before = math.max(current, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], before, 'EX', tonumber(ARGV[2]))
return before
"""


class AccessTokenDenylist:
    """Access tokens revoked before they expire, in Redis, where the gateway checks them (the
    keys are career_kit.revocation_keys, which the gateway reads): one token by its jti (logout),
    every token of one session by its id (logout, a session ended from the sessions list), or
    every token of a user issued before a time (logout everywhere, password reset or change,
    deletion, a stolen refresh token)."""

    def __init__(self, redis: aioredis.Redis, key_prefix: str) -> None:
        self.redis = redis
        self.key_prefix = key_prefix
        self._revoke_before = redis.register_script(_REVOKE_BEFORE)

    def key(self, jti: str) -> str:
        return denylist_key(self.key_prefix, jti)

    def user_key(self, user_id: uuid.UUID) -> str:
        return revoked_before_key(self.key_prefix, str(user_id))

    def session_key(self, session_id: uuid.UUID) -> str:
        return session_revoked_key(self.key_prefix, str(session_id))

    async def add(self, jti: str, ttl_seconds: int) -> None:
        if ttl_seconds > 0:
            await self.redis.set(self.key(jti), "1", ex=ttl_seconds)

    async def contains(self, jti: str) -> bool:
        return bool(await self.redis.exists(self.key(jti)))

    async def revoke_before(self, user_id: uuid.UUID, before: int, ttl_seconds: int) -> int:
        """Revoke the user's access tokens whose `iat` is below `before` (Unix seconds) for
        `ttl_seconds`, by then all expired; returns the time in force (never earlier)."""
        return int(await self._revoke_before(keys=[self.user_key(user_id)],
                                             args=[before, ttl_seconds]))

    async def revoke_session(self, session_id: uuid.UUID, ttl_seconds: int) -> None:
        """Revoke every access token of the session (their `sid`) for `ttl_seconds`, by then
        all expired. A plain mark, unlike the user's time: the session's refresh tokens are
        revoked with it, so no token issued afterwards has to be spared."""
        await self.redis.set(self.session_key(session_id), "1", ex=ttl_seconds)

    async def revoked_before(self, user_id: uuid.UUID) -> int | None:
        """The time before which the user's access tokens are revoked, if any."""
        value = await self.redis.get(self.user_key(user_id))
        return int(value) if value is not None else None
