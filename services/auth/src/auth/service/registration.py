"""Registration and the single-use e-mail tokens: signing up, verifying the address, sending
the link again, and the forgotten-password reset. Answers never tell whether an address has an
account: a taken address is told to its owner by e-mail, and unknown addresses get the same
reply as known ones. Only hashes of the tokens are kept; the raw token travels to notify in the
event that asks for the e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from auth import events
from auth.models import EmailToken, User
from auth.passwords import check_password_rules
from auth.repository import EmailTokens, RefreshTokens, Users
from auth.service.dependencies import Dependencies
from auth.service.rules import MAX_NAME_LENGTH, normalise_email
from auth.service.security_events import PASSWORD_RESET, SecurityEvents
from auth.service.tokens import Tokens
from auth.tokens import hash_email_token, new_email_token
from career_kit.errors import FailedPrecondition, InvalidArgument

VERIFY = "verify"
RESET = "reset"
VERIFICATION_TTL = timedelta(hours=24)
RESET_TTL = timedelta(hours=1)
MAX_EMAIL_TOKEN_LENGTH = 256
_TOKEN_WORDS = {VERIFY: "verification", RESET: "password reset"}


@dataclass(frozen=True)
class RegistrationOutcome:
    # None when the address already had an account (nothing was created; the owner is mailed).
    user: User | None
    verification_required: bool


class Registration:
    """Sign-up, e-mail verification and password reset."""

    def __init__(self, deps: Dependencies, security_events: SecurityEvents,
                 tokens: Tokens) -> None:
        self.deps = deps
        self.security_events = security_events
        self.tokens = tokens

    async def register(self, session: AsyncSession, *, email: str, password: str,
                       name: str) -> RegistrationOutcome:
        email = normalise_email(email)
        name = name.strip()
        if not name:
            raise InvalidArgument("name is required")
        if len(name) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"name must be at most {MAX_NAME_LENGTH} characters")
        check_password_rules(password)
        password_hash = await self.deps.passwords.hash(password)
        users = Users(session)
        user = await users.create(email=email, name=name, password_hash=password_hash)
        if user is None:
            # Taken: the answer must not say so (the same policy as password reset), so the
            # owner learns of it by e-mail, and the caller gets what a new address gets.
            existing = await users.get_by_email_for_update(email)
            if existing is not None:  # None only if it was deleted meanwhile
                await self.deps.outbox.add(session, events.sign_up_attempted(
                    existing, self.deps.clock()))
            return RegistrationOutcome(None, verification_required=True)
        await self.deps.outbox.add(session, events.user_registered(user))
        await self.request_verification(session, user, self.deps.clock())
        return RegistrationOutcome(user, verification_required=user.email_verified_at is None)

    async def request_verification(self, session: AsyncSession, user: User,
                                   now: datetime) -> None:
        """A new verification link for the user, mailed by notify."""
        token, expires_at = await self._new_email_token(session, user, VERIFY,
                                                        VERIFICATION_TTL, now)
        await self.deps.outbox.add(session, events.email_verification_requested(
            user, token, expires_at))

    async def verify_email(self, session: AsyncSession, *, token: str) -> User:
        now = self.deps.clock()
        row = await self._redeem(session, token, VERIFY, now)
        users = Users(session)
        user = await users.get_for_update(row.user_id)
        assert user is not None  # tokens are deleted with their user
        # Older links of the same user are spent too: one address, verified once.
        await EmailTokens(session).use_all_of_user(user_id=user.id, purpose=VERIFY, now=now)
        if user.email_verified_at is None:
            await users.mark_email_verified(user, now)
            await self.deps.outbox.add(session, events.email_verified(user, now))
        return user

    async def resend_verification(self, session: AsyncSession, *, email: str) -> None:
        """Answers the same for unknown, verified and unverified addresses."""
        user = await Users(session).get_by_email(normalise_email(email))
        if user is not None and user.email_verified_at is None:
            await self.request_verification(session, user, self.deps.clock())

    async def forgot_password(self, session: AsyncSession, *, email: str) -> None:
        """Answers the same whether or not the address has an account."""
        user = await Users(session).get_by_email(normalise_email(email))
        if user is None:
            return
        now = self.deps.clock()
        token, expires_at = await self._new_email_token(session, user, RESET, RESET_TTL, now)
        await self.deps.outbox.add(session, events.password_reset_requested(user, token,
                                                                            expires_at))

    async def reset_password(self, session: AsyncSession, *, token: str,
                             new_password: str) -> int:
        """Set the password and end every session; returns how many were active."""
        check_password_rules(new_password)
        now = self.deps.clock()
        row = await self._redeem(session, token, RESET, now)
        users = Users(session)
        user = await users.get_for_update(row.user_id)
        assert user is not None
        await users.set_password(user, now=now,
                                 password_hash=await self.deps.passwords.hash(new_password))
        await EmailTokens(session).use_all_of_user(user_id=user.id, purpose=RESET, now=now)
        # Whoever knew the old password may hold sessions: they all end, with their access
        # tokens.
        revoked = await RefreshTokens(session).revoke_all_of_user(user.id, now)
        await self.tokens.revoke_all_of_user(user.id, now)
        await self.security_events.add(session, kind=PASSWORD_RESET, user_id=user.id, ip=None,
                                       now=now, detail={"revoked_sessions": revoked})
        return revoked

    async def _new_email_token(self, session: AsyncSession, user: User, purpose: str,
                               ttl: timedelta, now: datetime) -> tuple[str, datetime]:
        token = new_email_token()
        expires_at = now + ttl
        await EmailTokens(session).add(user_id=user.id, purpose=purpose,
                                       token_hash=hash_email_token(token), created_at=now,
                                       expires_at=expires_at)
        return token, expires_at

    async def _redeem(self, session: AsyncSession, token: str, purpose: str,
                      now: datetime) -> EmailToken:
        """The unused, unexpired token for `purpose`, locked; the caller marks it used."""
        word = _TOKEN_WORDS[purpose]
        if not token:
            raise InvalidArgument("token is required")
        row = None
        if len(token) <= MAX_EMAIL_TOKEN_LENGTH:
            row = await EmailTokens(session).get_by_hash_for_update(
                purpose=purpose, token_hash=hash_email_token(token))
        if row is None:
            raise InvalidArgument(f"this {word} link is not valid", problem_type="invalid-token")
        if row.used_at is not None:
            raise FailedPrecondition(f"this {word} link has already been used",
                                     problem_type="token-used")
        if row.expires_at <= now:
            raise FailedPrecondition(f"this {word} link has expired; ask for a new one",
                                     problem_type="token-expired")
        return row
