"""Composition root of the auth service: `python -m auth.main serve|migrate`."""

from datetime import timedelta

from auth import consumers, events
from auth.config import Settings
from auth.grpc_api import SERVICE_NAME, AuthServicer
from auth.keys import SigningKeys
from auth.oauth import OAuthProviders, OAuthStateStore, provider_configs
from auth.passwords import PasswordHashing
from auth.repository import AccessTokenDenylist
from auth.service import AuthService
from auth.tokens import AccessTokenIssuer
from auth.two_factor import SecretBox, TwoFactorLoginTokens
from career_kit.grpc.server import GrpcService
from career_kit.service import Components, Resources, ServiceRuntime


def build_service(settings: Settings, resources: Resources) -> AuthService:
    keys = SigningKeys.from_settings(settings)
    key_prefix = settings.platform.redis_key_prefix
    totp_key = settings.totp_encryption_key
    return AuthService(
        keys=keys,
        issuer=AccessTokenIssuer(keys, timedelta(seconds=settings.access_token_ttl_seconds)),
        passwords=PasswordHashing(),
        denylist=AccessTokenDenylist(resources.redis, key_prefix),
        outbox=resources.outbox,
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        oauth=OAuthProviders(provider_configs(settings), settings.oauth_redirect_base_url),
        oauth_states=OAuthStateStore(resources.redis, key_prefix),
        two_factor_tokens=TwoFactorLoginTokens(resources.redis, key_prefix),
        secret_box=SecretBox(totp_key.get_secret_value() if totp_key else None),
    )


def compose(resources: Resources) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes)."""
    settings = resources.settings
    if not isinstance(settings, Settings):
        raise TypeError("the auth runtime needs auth.config.Settings")
    service = build_service(settings, resources)
    servicer = AuthServicer(resources.db, service)
    return Components(grpc_services=[GrpcService(SERVICE_NAME, servicer.add_to_server)],
                      subscriptions=consumers.subscriptions(service),
                      publishes=list(events.PUBLISHED_DOMAINS))


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
