"""Sign-in with external identity providers (OAuth 2.0 / OpenID Connect) and the identities
linked to accounts: who signs in after a provider's round trip, when a provider account may be
linked to an existing account, and unlinking. The round trip itself (URLs, code exchange, ID
tokens) is auth.oauth; this module decides what it means for our accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from auth import events
from auth.models import OAuthIdentity, User
from auth.oauth import ProviderProfile, check_state, new_pending, new_state
from auth.repository import OAuthIdentities, Users
from auth.service.dependencies import Dependencies
from auth.service.profile import signed_in_account
from auth.service.registration import Registration
from auth.service.rules import MAX_NAME_LENGTH, client_ip, http_url, normalise_email
from auth.service.security_events import IDENTITY_LINKED, IDENTITY_UNLINKED, SecurityEvents
from auth.service.sessions import Sessions, SignIn
from career_kit.context import signed_in_user
from career_kit.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Unauthenticated,
)

# What a round trip is for: signing in (or up), or linking a provider to the signed-in user.
LOGIN = "login"
LINK = "link"


@dataclass(frozen=True)
class OAuthOutcome:
    sign_in: SignIn
    intent: str  # LOGIN or LINK
    linked: bool  # this round trip linked the identity to the user


class OAuth:
    """Sign-in with providers, and the identities linked to the signed-in user."""

    def __init__(self, deps: Dependencies, security_events: SecurityEvents, sessions: Sessions,
                 registration: Registration) -> None:
        self.deps = deps
        self.security_events = security_events
        self.sessions = sessions
        self.registration = registration

    async def start(self, session: AsyncSession, *, provider: str, intent: str,
                    caller_id: str | None) -> tuple[str, str]:
        """The provider's authorization URL and its state; for LINK, the caller's account is
        remembered with the state, so the callback (which carries no access token) links it."""
        providers = self.deps.oauth_providers
        provider = provider.strip().lower()
        providers.config(provider)
        user_id = None
        if intent == LINK:
            user_id = str((await signed_in_account(session, caller_id, for_update=False)).id)
        state = new_state()
        pending = new_pending(provider, intent, user_id)
        url = await providers.authorization_url(provider, state, pending)
        await self.deps.oauth_state_store().put(state, pending)
        return url, state

    async def finish(self, session: AsyncSession, *, provider: str, state: str, code: str,
                     error: str = "", user_agent: str = "", ip: str = "") -> OAuthOutcome:
        ip_address = client_ip(ip)
        provider = provider.strip().lower()
        pending = await self.deps.oauth_state_store().take(check_state(state))
        if pending is None or pending.provider != provider:
            raise Unauthenticated("this sign-in is unknown, expired or already finished; "
                                  "start again", problem_type="invalid-oauth-state")
        if error:
            raise Unauthenticated(f"the sign-in at {provider} did not happen ({error[:64]})",
                                  problem_type="oauth-denied")
        if not code:
            raise InvalidArgument("code is required")
        profile = await self.deps.oauth_providers.profile(provider, code, pending)
        if not profile.subject:
            raise Unauthenticated(f"{provider} did not say who signed in",
                                  problem_type="provider-error")
        now = self.deps.clock()
        users = Users(session)
        identity = await OAuthIdentities(session).get(provider=provider,
                                                      subject=profile.subject)
        email = _provider_email(profile.email)

        if pending.intent == LINK:
            user = await users.get_for_update(signed_in_user(pending.user_id))
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
            user = await users.get_for_update(identity.user_id)
            assert user is not None  # identities are deleted with their user
        elif email and (user := await users.get_by_email_for_update(email)):
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
            user = await self._create_user(session, email, profile, now)
            await self._link(session, user, provider, profile.subject, email, now)
            linked = True
        sign_in = await self.sessions.sign_in(session, user, now, user_agent, ip_address,
                                              method=provider)
        return OAuthOutcome(sign_in, LOGIN, linked)

    async def list_identities(self, session: AsyncSession, *,
                              caller_id: str | None) -> list[OAuthIdentity]:
        return await OAuthIdentities(session).list_of_user(signed_in_user(caller_id))

    async def unlink(self, session: AsyncSession, *, caller_id: str | None,
                     provider: str) -> None:
        user = await signed_in_account(session, caller_id)
        provider = provider.strip().lower()
        identities = OAuthIdentities(session)
        linked = await identities.list_of_user(user.id)
        if not any(i.provider == provider for i in linked):
            raise NotFound(f"no {provider[:32]} account is linked",
                           problem_type="identity-not-found")
        if user.password_hash is None and all(i.provider == provider for i in linked):
            raise FailedPrecondition(
                "This is your only way to sign in: link another provider first.",
                problem_type="last-login-method")
        now = self.deps.clock()
        await identities.delete(user_id=user.id, provider=provider)
        await self.security_events.add(session, kind=IDENTITY_UNLINKED, user_id=user.id,
                                       ip=None, now=now, detail={"provider": provider})

    async def _create_user(self, session: AsyncSession, email: str, profile: ProviderProfile,
                           now: datetime) -> User:
        name = " ".join(profile.name.split())[:MAX_NAME_LENGTH] or email.split("@")[0]
        picture = None
        if profile.picture:
            try:
                picture = http_url(profile.picture, "picture")
            except InvalidArgument:
                picture = None
        user = await Users(session).create(
            email=email, name=name, password_hash=None,
            email_verified_at=now if profile.email_verified else None,
            profile_image_url=picture)
        if user is None:  # registered in the meantime
            raise AlreadyExists("an account with this e-mail already exists; try again",
                                problem_type="email-taken")
        await self.deps.outbox.add(session, events.user_registered(user))
        if user.email_verified_at is None:
            await self.registration.request_verification(session, user, now)
        return user

    async def _link(self, session: AsyncSession, user: User, provider: str, subject: str,
                    email: str | None, now: datetime) -> None:
        if not await OAuthIdentities(session).add(user_id=user.id, provider=provider,
                                                  subject=subject, email=email, now=now):
            raise AlreadyExists(f"this {provider} account was linked in the meantime",
                                problem_type="identity-taken")
        await self.security_events.add(session, kind=IDENTITY_LINKED, user_id=user.id, ip=None,
                                       now=now, detail={"provider": provider})


def _provider_email(email: str | None) -> str | None:
    """The provider's address if it looks like one (it becomes the account's address)."""
    if not email:
        return None
    try:
        return normalise_email(email)
    except InvalidArgument:
        return None
