"""Composition root of the auth service: `python -m auth.main serve|migrate`."""

from datetime import timedelta

from argon2 import PasswordHasher

from auth import events
from auth.config import Settings
from auth.consumers import BillingConsumers
from auth.grpc_api import SERVICE_NAME, AuthServicer
from auth.keys import SigningKeys
from auth.oauth import OAuthProviders, OAuthStateStore, provider_configs
from auth.passwords import PasswordHashing
from auth.repository import AccessTokenDenylist
from auth.service import AuthService, Dependencies
from auth.tokens import AccessTokenIssuer
from auth.two_factor import SecretBox, TwoFactorLoginTokens
from career.files.v1 import files_pb2_grpc
from career_kit.grpc.client import Channel, create_channel
from career_kit.grpc.server import GrpcService
from career_kit.service import Components, Resources, ServiceRuntime
from career_kit.unit_of_work import UnitOfWork


def password_hashing(settings: Settings) -> PasswordHashing:
    """argon2id at the configured cost (argon2-cffi's defaults unless lowered for tests)."""
    return PasswordHashing(PasswordHasher(time_cost=settings.password_hash_time_cost,
                                          memory_cost=settings.password_hash_memory_kib),
                           slots=settings.password_hash_slots,
                           queue=settings.password_hash_queue,
                           queue_seconds=settings.password_hash_queue_seconds)


def build_service(settings: Settings, resources: Resources[Settings],
                  files: Channel | None = None) -> AuthService:
    keys = SigningKeys.from_settings(settings)
    key_prefix = settings.platform.redis_key_prefix
    totp_key = settings.totp_encryption_key
    return AuthService(Dependencies(
        keys=keys,
        issuer=AccessTokenIssuer(keys, timedelta(seconds=settings.access_token_ttl_seconds)),
        passwords=password_hashing(settings),
        denylist=AccessTokenDenylist(resources.redis, key_prefix),
        outbox=resources.outbox,
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        oauth_providers=OAuthProviders(provider_configs(settings),
                                       settings.oauth_redirect_base_url),
        oauth_states=OAuthStateStore(resources.redis, key_prefix),
        two_factor_tokens=TwoFactorLoginTokens(resources.redis, key_prefix),
        secret_box=SecretBox(totp_key.get_secret_value() if totp_key else None),
        files=files_pb2_grpc.FilesServiceStub(files) if files is not None else None,
    ))


def compose(resources: Resources[Settings]) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes); the
    AuthService is the domain the service's tests reach (`Components.domain`)."""
    settings = resources.settings
    files = create_channel(settings.files_grpc_target,
                           settings.platform.internal_secret.get_secret_value())
    service = build_service(settings, resources, files)
    servicer = AuthServicer(UnitOfWork(resources.db), service)
    return Components(grpc_services=[GrpcService(SERVICE_NAME, servicer.add_to_server)],
                      subscriptions=BillingConsumers(service).subscriptions(),
                      publishes=list(events.PUBLISHED_DOMAINS), closers=[files.close],
                      domain=service)


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
