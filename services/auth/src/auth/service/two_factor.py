"""Two-factor authentication (TOTP) of an account: setting it up, turning it on (which hands
out recovery codes) and off, and the second step of a login that needs it. Wrong codes count
towards the same lockout as wrong passwords. The mechanics (codes, secrets at rest, the token
of a half-finished login) are auth.two_factor; this module decides who passes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import User
from auth.repository import RecoveryCodes, Users
from auth.service.profile import signed_in_account
from auth.service.rules import client_ip, stored_user_agent
from auth.service.security_events import (
    LOGIN_FAILED,
    LOGIN_SUCCEEDED,
    RECOVERY_CODE_USED,
    TWO_FACTOR_DISABLED,
    TWO_FACTOR_ENABLED,
)
from auth.service.sessions import AccountPart, SignIn
from auth.two_factor import (
    MAX_CODE_LENGTH,
    hash_recovery_code,
    matching_step,
    new_recovery_codes,
    new_secret,
    otpauth_uri,
)
from career_kit.context import id_argument
from career_kit.errors import (
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    Unauthenticated,
)
from career_kit.unit_of_work import RejectedAfterRecording

WRONG_CODE = "the code is wrong or was already used"
TWO_FACTOR_EXPIRED = "this sign-in has expired; sign in again"
MAX_LOGIN_TOKEN_LENGTH = 256


@dataclass(frozen=True)
class TwoFactorSetup:
    secret: str
    otpauth_uri: str


class TwoFactor(AccountPart):
    """Two-factor authentication of the signed-in user, and its step in a login."""

    async def setup(self, session: AsyncSession, *, caller_id: str | None) -> TwoFactorSetup:
        user = await signed_in_account(session, caller_id)
        if user.two_factor_enabled:
            raise FailedPrecondition("two-factor authentication is already on; turn it off "
                                     "first", problem_type="two-factor-enabled")
        secret = new_secret()
        await Users(session).set_two_factor(user, now=self.deps.clock(), enabled=False,
                                            totp_secret=self.deps.secret_box.seal(secret),
                                            totp_last_step=None)
        return TwoFactorSetup(secret, otpauth_uri(secret, user.email))

    async def enable(self, session: AsyncSession, *, caller_id: str | None,
                     code: str) -> list[str]:
        """Turn two factors on; returns the recovery codes (only their hashes are kept)."""
        user = await signed_in_account(session, caller_id)
        if user.two_factor_enabled:
            raise FailedPrecondition("two-factor authentication is already on",
                                     problem_type="two-factor-enabled")
        if not user.totp_secret:
            raise FailedPrecondition("set up two-factor authentication first",
                                     problem_type="two-factor-not-set-up")
        step = matching_step(self.deps.secret_box.open(user.totp_secret), code[:64], None,
                             self.deps.clock().timestamp())
        if step is None:
            raise InvalidArgument("the code is wrong; check the authenticator app's clock",
                                  problem_type="wrong-two-factor-code")
        now = self.deps.clock()
        await Users(session).set_two_factor(user, now=now, enabled=True,
                                            totp_secret=user.totp_secret, totp_last_step=step)
        codes = new_recovery_codes()
        await RecoveryCodes(session).replace(
            user_id=user.id, code_hashes=[hash_recovery_code(c) for c in codes], now=now)
        await self.security_events.add(session, kind=TWO_FACTOR_ENABLED, user_id=user.id,
                                       ip=None, now=now)
        return codes

    async def disable(self, session: AsyncSession, *, caller_id: str | None, password: str,
                      code: str) -> None:
        """Needs the password (for users who have one) and a code or recovery code."""
        user = await signed_in_account(session, caller_id)
        if not user.two_factor_enabled:
            raise FailedPrecondition("two-factor authentication is not on",
                                     problem_type="two-factor-disabled")
        now = self.deps.clock()
        if user.password_hash is not None:
            await self.lockout.check_password(session, user, password, now)
        if not code:
            raise InvalidArgument("a code from the authenticator app is required")
        if not await self._second_factor(session, user, code=code, recovery_code=code, now=now):
            await self.lockout.count_failure(session, user, None, now,
                                             reason="wrong_two_factor_code")
            raise RejectedAfterRecording(PermissionDenied(WRONG_CODE,
                                                          problem_type="wrong-two-factor-code"))
        await Users(session).set_two_factor(user, now=now, enabled=False, totp_secret=None,
                                            totp_last_step=None)
        await RecoveryCodes(session).delete_all(user.id)
        await self.security_events.add(session, kind=TWO_FACTOR_DISABLED, user_id=user.id,
                                       ip=None, now=now)

    async def complete_login(self, session: AsyncSession, *, two_factor_token: str,
                             code: str = "", recovery_code: str = "", user_agent: str = "",
                             ip: str = "") -> SignIn:
        """The second step of a login (Sessions.sign_in handed out `two_factor_token`)."""
        if not two_factor_token or len(two_factor_token) > MAX_LOGIN_TOKEN_LENGTH:
            raise InvalidArgument("two_factor_token is required")
        if not code and not recovery_code:
            raise InvalidArgument("a code or a recovery code is required")
        ip_address = client_ip(ip)
        login_tokens = self.deps.two_factor_login_tokens()
        users = Users(session)
        user_id = await login_tokens.user_id(two_factor_token)
        user = None
        if user_id is not None:
            user = await users.get_for_update(id_argument(user_id, "user"))
        if user is None or not user.two_factor_enabled:
            raise Unauthenticated(TWO_FACTOR_EXPIRED, problem_type="two-factor-token-invalid")
        now = self.deps.clock()
        if user.lock_until is not None and user.lock_until > now:
            await login_tokens.spend(two_factor_token)
            await self.security_events.add(
                session, kind=LOGIN_FAILED, user_id=user.id, ip=ip_address, now=now,
                detail={"reason": "locked", "lock_until": user.lock_until.isoformat()})
            raise RejectedAfterRecording(Unauthenticated(
                "too many wrong codes; try again later", problem_type="account-locked"))
        if not await self._second_factor(session, user, code=code, recovery_code=recovery_code,
                                         now=now):
            await self.lockout.count_failure(session, user, ip_address, now,
                                             reason="wrong_two_factor_code")
            raise RejectedAfterRecording(Unauthenticated(WRONG_CODE,
                                                         problem_type="wrong-two-factor-code"))
        await login_tokens.spend(two_factor_token)
        await users.record_login(user, now=now)
        issued = await self.tokens.issue(session, user, uuid.uuid4(), now,
                                         stored_user_agent(user_agent), ip_address,
                                         authenticated_at=now)
        await self.security_events.add(session, kind=LOGIN_SUCCEEDED, user_id=user.id,
                                       ip=ip_address, now=now,
                                       detail={"session_id": str(issued.session_id),
                                               "method": "two_factor"})
        return SignIn(user, tokens=issued)

    async def _second_factor(self, session: AsyncSession, user: User, *, code: str,
                             recovery_code: str, now: datetime) -> bool:
        """Check a TOTP code (spending its time step) or spend a recovery code."""
        if code and user.totp_secret:
            step = matching_step(self.deps.secret_box.open(user.totp_secret),
                                 code[:MAX_CODE_LENGTH], user.totp_last_step, now.timestamp())
            if step is not None:
                await Users(session).set_totp_last_step(user, step)
                return True
        if recovery_code and len(recovery_code) <= MAX_CODE_LENGTH:
            if await RecoveryCodes(session).use(user_id=user.id,
                                                code_hash=hash_recovery_code(recovery_code),
                                                now=now):
                await self.security_events.add(session, kind=RECOVERY_CODE_USED,
                                               user_id=user.id, ip=None, now=now)
                return True
        return False
