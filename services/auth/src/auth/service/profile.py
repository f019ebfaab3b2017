"""The signed-in user's own account: reading and changing the profile (name, preferences,
social links, picture), changing (or, for users who signed up with a provider, setting) the
password, and deleting the account. What could take an account over or destroy it needs the
password again, or a recent sign-in from users who have none."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auth import events
from auth.models import User
from auth.passwords import check_password_rules
from auth.repository import RefreshTokens, UserReads, Users
from auth.service.profile_images import DEFAULT_VARIANT
from auth.service.rules import MAX_NAME_LENGTH, http_url
from auth.service.security_events import PASSWORD_CHANGED
from auth.service.sessions import AccountPart
from auth.tokens import AccessToken, hash_refresh_token
from career_kit.context import id_argument, signed_in_user
from career_kit.errors import InvalidArgument, PermissionDenied, Unauthenticated
from career_kit.reads import Reader

# How long after signing in a user may do what would otherwise need their password: delete an
# account that has none, or set a first password.
RECENT_SIGN_IN = timedelta(minutes=10)
THEMES = ("light", "dark", "system")
DEFAULT_PREFERENCES: dict[str, Any] = {"emailNotifications": True, "jobAlerts": True,
                                       "newsletter": False, "theme": "system", "language": "en"}
# language[-Script][-REGION]: e.g. "en", "pt-BR", "zh-Hant-TW", "es-419".
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?$")
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_SOCIAL_LINKS = 20


@dataclass(frozen=True)
class PasswordChange:
    """A changed password: how many other sessions ended, and the kept session's new access
    token (its old one was revoked with every other), if a session was kept."""

    revoked_sessions: int
    access: AccessToken | None = None
    session_id: uuid.UUID | None = None


async def signed_in_account(session: AsyncSession, caller_id: str | None, *,
                            for_update: bool = True) -> User:
    """The caller's account, locked until the unit of work ends unless `for_update` is off;
    UNAUTHENTICATED without a caller and when the account was deleted since the token was
    issued."""
    users = Users(session)
    user_id = signed_in_user(caller_id)
    user = await (users.get_for_update(user_id) if for_update else users.get(user_id))
    if user is None:
        raise Unauthenticated("the signed-in user no longer exists")
    return user


class Keep:
    """`update_me`'s "leave the uploaded picture as it is" (None removes it)."""


KEEP = Keep()


class Profile(AccountPart):
    """The signed-in user's profile, password and account."""

    async def get_me(self, reads: Reader, *, caller_id: str | None) -> User:
        """The caller's account; UNAUTHENTICATED when it was deleted since the token was
        issued. Read on every signed-in page load, so outside a transaction."""
        user = await UserReads(reads).get(signed_in_user(caller_id))
        if user is None:
            raise Unauthenticated("the signed-in user no longer exists")
        return user

    async def update_me(self, session: AsyncSession, *, caller_id: str | None,
                        name: str | None = None, preferences: dict[str, Any] | None = None,
                        social_links: dict[str, str] | None = None,
                        profile_image_url: str | None = None,
                        profile_image: dict[str, Any] | Keep | None = KEEP
                        ) -> tuple[User, str | None]:
        """Change what is given (not None; for `profile_image`, not KEEP: None removes it);
        `preferences` holds only the keys to change. Also answers the file id of the uploaded
        picture this replaced or removed, if any (ProfileImages releases it)."""
        user = await signed_in_account(session, caller_id)
        before = (user.profile_image or {}).get("file_id")
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
            changes["profile_image_url"] = (http_url(profile_image_url, "profile_image_url")
                                            if profile_image_url.strip() else None)
            changes["profile_image"] = None  # an external picture replaces an uploaded one
        if not isinstance(profile_image, Keep):
            changes["profile_image"] = profile_image
            changes["profile_image_url"] = (
                profile_image["urls"].get(DEFAULT_VARIANT) if profile_image else None)
        if changes:
            await Users(session).update_profile(user, now=self.deps.clock(), changes=changes)
        after = (user.profile_image or {}).get("file_id")
        return user, before if before and before != after else None

    async def change_password(self, session: AsyncSession, *, caller_id: str | None,
                              current_password: str, new_password: str,
                              refresh_token: str = "", session_id: str = "",
                              auth_time: datetime | None = None) -> PasswordChange:
        """Set a new password and end the user's other sessions (all of them when the current
        one is not named) and every access token issued so far; the kept session gets a new
        one. A user without a password (signed up with a provider) sets a first one: no
        current password, but a recent sign-in (`auth_time`)."""
        user = await signed_in_account(session, caller_id)
        check_password_rules(new_password)
        now = self.deps.clock()
        first_password = user.password_hash is None
        if first_password:
            if current_password:
                raise InvalidArgument("this account has no password yet: leave the current "
                                      "password empty", problem_type="no-password")
            _require_recent_sign_in(auth_time, now, "set a password")
        else:
            if new_password == current_password:
                raise InvalidArgument("the new password must differ from the current one",
                                      problem_type="weak-password")
            await self.lockout.check_password(session, user, current_password, now)
        refresh_tokens = RefreshTokens(session)
        keep = await _current_session(refresh_tokens, user.id, refresh_token, session_id)
        await Users(session).set_password(
            user, now=now, password_hash=await self.deps.passwords.hash(new_password))
        revoked = await refresh_tokens.revoke_all_of_user(user.id, now, except_family=keep)
        # The per-user revocation cannot spare one session's access tokens, so the kept
        # session gets a new one instead, issued at or after the revocation.
        before = await self.tokens.revoke_all_of_user(user.id, now)
        access = None
        if keep is not None:
            authenticated_at = await refresh_tokens.family_authenticated_at(keep)
            assert authenticated_at is not None  # the family was just found
            access = await self.tokens.access_token(user, keep, now, authenticated_at,
                                                    not_before=before)
        await self.security_events.add(
            session, kind=PASSWORD_CHANGED, user_id=user.id, ip=None, now=now,
            detail={"revoked_sessions": revoked, "kept_session": keep and str(keep),
                    "first_password": first_password})
        return PasswordChange(revoked, access, keep)

    async def delete_me(self, session: AsyncSession, *, caller_id: str | None, password: str,
                        access_jti: str = "", access_expires_at: datetime | None = None,
                        auth_time: datetime | None = None) -> None:
        """Delete the account after checking the password (for a user without one: that they
        signed in recently, `auth_time`); sessions and e-mail tokens go with it, every access
        token of the user stops working, the security events stay without the user's id."""
        user = await signed_in_account(session, caller_id)
        now = self.deps.clock()
        ttl = self.tokens.denylist_ttl(access_jti, access_expires_at, now)
        if user.password_hash is None:
            if password:
                raise InvalidArgument("this account has no password: sign in again instead "
                                      "and leave the password empty",
                                      problem_type="no-password")
            _require_recent_sign_in(auth_time, now, "delete the account")
        else:
            await self.lockout.check_password(session, user, password, now)
        user_id = user.id
        await Users(session).delete(user)
        await self.deps.outbox.add(session, events.user_deleted(user_id, now))
        # Other services act on a valid token without asking auth: none may outlive the user.
        await self.tokens.revoke_all_of_user(user_id, now)
        await self.tokens.deny(access_jti, ttl)


def _require_recent_sign_in(auth_time: datetime | None, now: datetime, action: str) -> None:
    """For users without a password: a sign-in within RECENT_SIGN_IN stands in for it, so
    that an access token found later (a shared computer, a leak) cannot be used to take the
    account over or delete it."""
    if auth_time is None or now - auth_time > RECENT_SIGN_IN:
        minutes = int(RECENT_SIGN_IN.total_seconds() // 60)
        raise PermissionDenied(
            f"Sign in again to {action}: it needs a sign-in within the last {minutes} "
            "minutes.", problem_type="recent-sign-in-required")


async def _current_session(refresh_tokens: RefreshTokens, user_id: uuid.UUID,
                           refresh_token: str, session_id: str) -> uuid.UUID | None:
    """The caller's session named by a refresh token or id; None if it is not theirs."""
    if refresh_token:
        token = await refresh_tokens.get_by_hash_for_update(hash_refresh_token(refresh_token))
        if token is not None and token.user_id == user_id and token.revoked_at is None:
            return token.family_id
    elif session_id:
        family_id = id_argument(session_id, "session_id")
        if await refresh_tokens.family_owner(family_id) == user_id:
            return family_id
    return None


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
        checked[platform] = http_url(url, f"social link {platform!r}")
    return checked
