"""Rules of the auth service, one module per sub-domain:

    registration     sign-up, e-mail verification, forgotten-password reset
    sessions         login and lockout, refresh-token rotation, logout, the sessions list
    tokens           token pairs, access-token revocation, the JWKS
    profile          the signed-in user's profile, password and account deletion
    profile_images   uploaded profile pictures (held by the files service)
    tier             the tier that follows billing's entitled plan
    oauth            sign-in with external providers, linked identities
    two_factor       TOTP and recovery codes, the second step of a login
    security_events  the audit trail, and what the gateway may report to it
    rules            validation every part applies; dependencies: what every part shares

No gRPC types here, and nothing commits: the caller's unit of work owns the transaction
(career_kit.unit_of_work; `RejectedAfterRecording` for refusals whose bookkeeping must commit).
Each sub-domain is a small class holding the one `Dependencies` and the sibling parts it uses;
`AuthService` builds them once, and the servicer and consumers call them by sub-domain:
`service.sessions.login(session, ...)`.
"""

from __future__ import annotations

from auth.service.dependencies import Dependencies
from auth.service.oauth import LINK, LOGIN, OAuth, OAuthOutcome
from auth.service.profile import PasswordChange, Profile
from auth.service.profile_images import ProfileImages
from auth.service.registration import Registration, RegistrationOutcome
from auth.service.security_events import SecurityEvents
from auth.service.sessions import Lockout, Sessions, SignIn
from auth.service.tier import Tier
from auth.service.tokens import IssuedTokens, Tokens
from auth.service.two_factor import TwoFactor, TwoFactorSetup

__all__ = [
    "LINK", "LOGIN", "AuthService", "Dependencies", "IssuedTokens", "OAuthOutcome",
    "PasswordChange", "RegistrationOutcome", "SignIn", "TwoFactorSetup",
]


class AuthService:
    """Every sub-domain of the auth service, wired to one another once."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.security_events = SecurityEvents(deps)
        self.tokens = Tokens(deps)
        lockout = Lockout(deps, self.security_events)
        self.sessions = Sessions(deps, self.security_events, self.tokens, lockout)
        self.registration = Registration(deps, self.security_events, self.tokens)
        self.profile = Profile(deps, self.security_events, self.tokens, lockout)
        self.tier = Tier(deps)
        self.oauth = OAuth(deps, self.security_events, self.sessions, self.registration)
        self.two_factor = TwoFactor(deps, self.security_events, self.tokens, lockout)
        self.profile_images = ProfileImages(deps.files)
