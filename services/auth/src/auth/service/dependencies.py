"""What every part of the auth service shares: the keys and token issuer, password hashing, the
access-token denylist, the outbox, the clock, and the optional parts (identity providers, the
pending OAuth round trips and two-factor logins in Redis, the TOTP secret box). main.py builds
one `Dependencies`; each sub-domain of `auth.service` holds it, so none builds its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from auth.keys import SigningKeys
from auth.oauth import OAuthProviders, OAuthStateStore
from auth.passwords import PasswordHashing
from auth.repository import AccessTokenDenylist
from auth.tokens import AccessTokenIssuer
from auth.two_factor import SecretBox, TwoFactorLoginTokens
from career_kit.conversions import utc_now
from career_kit.errors import FailedPrecondition
from career_kit.events import Outbox


def _no_providers() -> OAuthProviders:
    return OAuthProviders({}, "http://localhost:8000")


@dataclass(frozen=True)
class Dependencies:
    keys: SigningKeys
    issuer: AccessTokenIssuer
    passwords: PasswordHashing
    denylist: AccessTokenDenylist
    outbox: Outbox
    refresh_ttl: timedelta
    clock: Callable[[], datetime] = utc_now
    oauth_providers: OAuthProviders = field(default_factory=_no_providers)
    # Unset, sign-in with providers and two-factor logins answer FAILED_PRECONDITION.
    oauth_states: OAuthStateStore | None = None
    two_factor_tokens: TwoFactorLoginTokens | None = None
    secret_box: SecretBox = field(default_factory=lambda: SecretBox(None))
    # The files service's stub (FilesServiceStub), for uploaded profile pictures.
    files: Any = None

    def oauth_state_store(self) -> OAuthStateStore:
        if self.oauth_states is None:
            raise FailedPrecondition("sign-in with providers is not configured",
                                     problem_type="provider-disabled")
        return self.oauth_states

    def two_factor_login_tokens(self) -> TwoFactorLoginTokens:
        if self.two_factor_tokens is None:
            raise FailedPrecondition("two-factor authentication is not configured")
        return self.two_factor_tokens
