"""Signing in and the sessions that follow: login with a password, the lockout after repeated
failures (which every password or code check shares), refresh-token rotation with reuse
detection, logout, logout everywhere, and the user's list of sessions. A session is a family of
refresh tokens rotated from one sign-in; its id is the family id, the access tokens' `sid`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import User
from auth.repository import ActiveSession, RefreshTokens, UserReads, Users
from auth.service.dependencies import Dependencies
from auth.service.rules import client_ip, stored_user_agent
from auth.service.security_events import (
    LOCKOUT,
    LOGIN_FAILED,
    LOGIN_SUCCEEDED,
    LOGOUT,
    LOGOUT_ALL,
    TOKEN_REUSE,
    SecurityEvents,
)
from auth.service.tokens import IssuedTokens, Tokens
from auth.tokens import hash_refresh_token
from career_kit.context import id_argument, signed_in_user
from career_kit.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from career_kit.reads import Reader
from career_kit.unit_of_work import RejectedAfterRecording

MAX_FAILED_LOGINS = 5
LOCKOUT_DURATION = timedelta(minutes=15)
INVALID_CREDENTIALS = "invalid e-mail or password"
INVALID_REFRESH_TOKEN = "invalid or expired refresh token"


@dataclass(frozen=True)
class PasswordCheck:
    """What `Sessions.check_password` found: the account (None: no account has the e-mail),
    the hash the password was checked against, and whether it matched."""

    user_id: uuid.UUID | None
    password_hash: str | None
    matches: bool


@dataclass(frozen=True)
class SignIn:
    """A login's outcome: tokens, or (two-factor users) a token for the second step."""

    user: User
    tokens: IssuedTokens | None = None
    two_factor_token: str | None = None


class Lockout:
    """Counts failed password and code checks per user and locks the account for a while after
    MAX_FAILED_LOGINS of them: the login form, a password asked for again (change, deletion,
    turning two factors off) and second-factor codes all count towards the same lock."""

    def __init__(self, deps: Dependencies, security_events: SecurityEvents) -> None:
        self.deps = deps
        self.security_events = security_events

    async def count_failure(self, session: AsyncSession, user: User, ip: str | None,
                            now: datetime, reason: str = "wrong_password") -> None:
        attempts = user.login_attempts + 1
        await self.security_events.add(session, kind=LOGIN_FAILED, user_id=user.id, ip=ip,
                                       now=now, detail={"reason": reason,
                                                        "attempt": attempts})
        users = Users(session)
        if attempts < MAX_FAILED_LOGINS:
            await users.record_failed_login(user, attempts=attempts, lock_until=None, now=now)
            return
        lock_until = now + LOCKOUT_DURATION
        # The count starts again after the lock, so the next lock needs five more failures.
        await users.record_failed_login(user, attempts=0, lock_until=lock_until, now=now)
        await self.security_events.add(session, kind=LOCKOUT, user_id=user.id, ip=ip,
                                       now=now, detail={"lock_until": lock_until.isoformat(),
                                                        "failed_attempts": attempts})

    async def check_password(self, session: AsyncSession, user: User, password: str,
                             now: datetime) -> None:
        """The signed-in user's password, asked for again. A wrong one counts like a failed
        login, so a stolen access token cannot be used to guess the password faster than the
        login form allows."""
        if not password:
            raise InvalidArgument("the current password is required")
        if user.lock_until is not None and user.lock_until > now:
            raise PermissionDenied("too many wrong passwords; try again later",
                                   problem_type="account-locked")
        if not await self.deps.passwords.verify(user.password_hash, password):
            await self.count_failure(session, user, None, now)
            raise RejectedAfterRecording(PermissionDenied("the password is wrong",
                                                          problem_type="wrong-password"))


class AccountPart:
    """What the sub-domains that check a user's password or code and issue tokens share
    (sessions, profile, two-factor): one lockout counting every failure, the tokens, the audit
    trail."""

    def __init__(self, deps: Dependencies, security_events: SecurityEvents, tokens: Tokens,
                 lockout: Lockout) -> None:
        self.deps = deps
        self.security_events = security_events
        self.tokens = tokens
        self.lockout = lockout


class Sessions(AccountPart):
    """Login, refresh, logout and the user's sessions."""

    async def check_password(self, reads: Reader, *, email: str, password: str
                             ) -> PasswordCheck:
        """The slow half of a login, outside any transaction: the password checked against the
        account's hash (or, for an unknown e-mail, against a dummy one, which takes as long).

        argon2id takes a core for a tenth of a second or more; done inside the login's
        transaction it held a pooled connection, and the lock on the account's row, all that
        time, so a burst of sign-ins to one account queued on the lock and ran into their
        deadlines. `login` then takes the lock for milliseconds only."""
        if not email.strip() or not password:
            raise InvalidArgument("email and password are required")
        user = await UserReads(reads).get_by_email(email.strip())
        if user is None:
            await self.deps.passwords.verify(None, password)
            return PasswordCheck(None, None, False)
        matches = await self.deps.passwords.verify(user.password_hash, password)
        return PasswordCheck(user.id, user.password_hash, matches)

    async def login(self, session: AsyncSession, *, email: str, password: str,
                    checked: PasswordCheck, user_agent: str = "", ip: str = "") -> SignIn:
        """The rest of a login whose password `check_password` checked: under the account's
        lock, so that concurrent failures count one by one."""
        ip_address = client_ip(ip)
        now = self.deps.clock()
        passwords = self.deps.passwords
        user = await Users(session).get_by_email_for_update(email.strip())
        if user is None:
            await self.security_events.add(
                session, kind=LOGIN_FAILED, user_id=None, ip=ip_address, now=now,
                detail={"reason": "unknown_email", "email": email.strip().lower()[:254]})
            raise RejectedAfterRecording(Unauthenticated(INVALID_CREDENTIALS))

        if user.id == checked.user_id and user.password_hash == checked.password_hash:
            matches = checked.matches
        else:  # the account appeared or its password changed since: check again (rare)
            matches = await passwords.verify(user.password_hash, password)
        if user.lock_until is not None and user.lock_until > now:
            await self.security_events.add(
                session, kind=LOGIN_FAILED, user_id=user.id, ip=ip_address, now=now,
                detail={"reason": "locked", "lock_until": user.lock_until.isoformat()})
            raise RejectedAfterRecording(Unauthenticated(INVALID_CREDENTIALS))
        if not matches:
            await self.lockout.count_failure(session, user, ip_address, now)
            raise RejectedAfterRecording(Unauthenticated(INVALID_CREDENTIALS))

        new_hash = None
        if user.password_hash and passwords.needs_rehash(user.password_hash):
            new_hash = await passwords.hash(password)
        return await self.sign_in(session, user, now, user_agent, ip_address, method="password",
                                  password_hash=new_hash)

    async def sign_in(self, session: AsyncSession, user: User, now: datetime, user_agent: str,
                      ip: str | None, *, method: str, password_hash: str | None = None
                      ) -> SignIn:
        """After a first factor (a password, a provider): tokens for the user, or the token
        for the second step if they use two factors. The failed-login counter is not reset
        before the second factor passes: otherwise someone with the password could guess
        codes forever, four at a time."""
        if user.two_factor_enabled:
            # (A due password rehash waits for a login that completes: storing it now would
            # go through set_password, which also resets the counter.)
            token = await self.deps.two_factor_login_tokens().issue(str(user.id))
            return SignIn(user, two_factor_token=token)
        await Users(session).record_login(user, now=now, password_hash=password_hash)
        tokens = await self.tokens.issue(session, user, uuid.uuid4(), now,
                                         stored_user_agent(user_agent), ip,
                                         authenticated_at=now)
        await self.security_events.add(session, kind=LOGIN_SUCCEEDED, user_id=user.id, ip=ip,
                                       now=now, detail={"session_id": str(tokens.session_id),
                                                        "method": method})
        return SignIn(user, tokens=tokens)

    async def refresh(self, session: AsyncSession, *, refresh_token: str, user_agent: str = "",
                      ip: str = "") -> IssuedTokens:
        if not refresh_token:
            raise InvalidArgument("refresh_token is required")
        ip_address = client_ip(ip)
        now = self.deps.clock()
        refresh_tokens = RefreshTokens(session)
        token = await refresh_tokens.get_by_hash_for_update(hash_refresh_token(refresh_token))
        if token is None or token.revoked_at is not None:
            raise Unauthenticated(INVALID_REFRESH_TOKEN)
        if token.used_at is not None:
            # Someone holds a token that was already exchanged: the thief or the owner, we
            # cannot tell which, so the whole session ends for both. Its access tokens cannot
            # be told from the user's others, so they all stop working; the user's other
            # sessions simply refresh.
            await refresh_tokens.revoke_family(token.family_id, now)
            await self.tokens.revoke_all_of_user(token.user_id, now)
            await self.security_events.add(
                session, kind=TOKEN_REUSE, user_id=token.user_id, ip=ip_address, now=now,
                detail={"session_id": str(token.family_id)})
            raise RejectedAfterRecording(Unauthenticated(INVALID_REFRESH_TOKEN))
        if token.expires_at <= now:
            raise Unauthenticated(INVALID_REFRESH_TOKEN)
        user = await Users(session).get(token.user_id)
        if user is None:
            raise Unauthenticated(INVALID_REFRESH_TOKEN)
        await refresh_tokens.mark_used(token, now)
        return await self.tokens.issue(session, user, token.family_id, now,
                                       stored_user_agent(user_agent), ip_address,
                                       authenticated_at=token.authenticated_at)

    async def logout(self, session: AsyncSession, *, caller_id: str | None,
                     refresh_token: str = "", session_id: str = "", access_jti: str = "",
                     access_expires_at: datetime | None = None) -> None:
        now = self.deps.clock()
        ttl = self.tokens.denylist_ttl(access_jti, access_expires_at, now)
        refresh_tokens = RefreshTokens(session)
        user_id: uuid.UUID | None = None
        family_id: uuid.UUID | None = None
        if refresh_token:
            # Holding the refresh token is the right to end its session.
            token = await refresh_tokens.get_by_hash_for_update(
                hash_refresh_token(refresh_token))
            if token is not None:
                user_id, family_id = token.user_id, token.family_id
        elif session_id:
            user_id = signed_in_user(caller_id)
            family_id = await self._own_session(refresh_tokens, user_id, session_id)
        if family_id is not None:
            await refresh_tokens.revoke_family(family_id, now)
            # The session's other access tokens (issued before the last refresh, or copied
            # elsewhere) end with it, not only the one presented.
            await self.tokens.revoke_session(family_id)
            await self.security_events.add(session, kind=LOGOUT, user_id=user_id, ip=None,
                                           now=now, detail={"session_id": str(family_id)})
        await self.tokens.deny(access_jti, ttl)

    async def logout_all(self, session: AsyncSession, *, caller_id: str | None,
                         access_jti: str = "", access_expires_at: datetime | None = None) -> int:
        user_id = signed_in_user(caller_id)
        now = self.deps.clock()
        ttl = self.tokens.denylist_ttl(access_jti, access_expires_at, now)
        revoked = await RefreshTokens(session).revoke_all_of_user(user_id, now)
        await self.tokens.revoke_all_of_user(user_id, now)
        await self.security_events.add(session, kind=LOGOUT_ALL, user_id=user_id, ip=None,
                                       now=now, detail={"revoked_sessions": revoked})
        await self.tokens.deny(access_jti, ttl)
        return revoked

    async def list_active(self, session: AsyncSession, *,
                          caller_id: str | None) -> list[ActiveSession]:
        user_id = signed_in_user(caller_id)
        return await RefreshTokens(session).list_active(user_id, self.deps.clock())

    async def revoke(self, session: AsyncSession, *, caller_id: str | None,
                     session_id: str) -> None:
        """End one of the caller's sessions (from the sessions list)."""
        user_id = signed_in_user(caller_id)
        if not session_id:
            raise InvalidArgument("session_id is required")
        refresh_tokens = RefreshTokens(session)
        family_id = await self._own_session(refresh_tokens, user_id, session_id)
        now = self.deps.clock()
        await refresh_tokens.revoke_family(family_id, now)
        # Ending a session from another device (a lost phone) must stop it at once, not when
        # its access token runs out.
        await self.tokens.revoke_session(family_id)
        await self.security_events.add(session, kind=LOGOUT, user_id=user_id, ip=None, now=now,
                                       detail={"session_id": str(family_id),
                                               "revoked_by": "user"})

    @staticmethod
    async def _own_session(refresh_tokens: RefreshTokens, user_id: uuid.UUID,
                           session_id: str) -> uuid.UUID:
        family_id = id_argument(session_id, "session_id")
        # Someone else's session answers like a missing one: ids are not confirmed to strangers.
        if await refresh_tokens.family_owner(family_id) != user_id:
            raise NotFound("no such session", problem_type="session-not-found")
        return family_id
