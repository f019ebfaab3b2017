"""Settings of the auth service: `AUTH_*` variables plus the platform's (see .env.example)."""

from pathlib import Path
from typing import ClassVar

from argon2 import DEFAULT_MEMORY_COST, DEFAULT_TIME_COST
from pydantic import Field, SecretStr, model_validator

from career_kit.registry import BY_NAME
from career_kit.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("auth")

    service_name: ClassVar[str] = "auth"

    # The files service, which holds uploaded profile pictures (AUTH_FILES_GRPC_TARGET).
    files_grpc_target: str = f"127.0.0.1:{BY_NAME['files'].grpc_port}"

    # PEM with one or more RSA private keys: the first signs access tokens, all of them are
    # published in the JWKS, so a rotation adds the new key first and drops the old one after
    # the access-token TTL. Unset outside production: a key is generated once in `keys_dir`.
    jwt_private_keys: SecretStr | None = None
    keys_dir: Path = Path(".data/auth-keys")
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    refresh_token_ttl_seconds: int = Field(default=604_800, gt=0)

    # Sign-in with external providers. A provider without a client id is switched off. The
    # callback the providers redirect to is `{oauth_redirect_base_url}/auth/oauth/{provider}/
    # callback`, i.e. the gateway's public URL. The endpoint settings exist so that tests and
    # `make run` can point at devstack's fake identity provider.
    oauth_redirect_base_url: str = "http://localhost:8000"
    google_client_id: str = ""
    google_client_secret: SecretStr = SecretStr("")
    google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    linkedin_client_id: str = ""
    linkedin_client_secret: SecretStr = SecretStr("")
    linkedin_discovery_url: str = (
        "https://www.linkedin.com/oauth/.well-known/openid-configuration")
    x_client_id: str = ""
    x_client_secret: SecretStr = SecretStr("")
    x_authorization_url: str = "https://x.com/i/oauth2/authorize"
    x_token_url: str = "https://api.x.com/2/oauth2/token"
    x_userinfo_url: str = "https://api.x.com/2/users/me"
    facebook_client_id: str = ""
    facebook_client_secret: SecretStr = SecretStr("")
    facebook_authorization_url: str = "https://www.facebook.com/v26.0/dialog/oauth"
    facebook_token_url: str = "https://graph.facebook.com/v26.0/oauth/access_token"
    facebook_userinfo_url: str = "https://graph.facebook.com/v26.0/me"

    # argon2id cost of password hashes: argon2-cffi's defaults (RFC 9106's second recommended
    # option: 3 passes over 64 MiB, 4 lanes). Production refuses less; test harnesses lower it,
    # since hashing dominates the CPU of a suite that signs up thousands of users. Hashes made
    # with other costs still verify, and are re-hashed at the next sign-in.
    password_hash_time_cost: int = Field(default=DEFAULT_TIME_COST, ge=1)
    password_hash_memory_kib: int = Field(default=DEFAULT_MEMORY_COST, ge=64)
    # Hashes at once (unset: one per core), how many may wait for one and for how long before
    # a sign-in is refused with 503 + Retry-After instead of timing out (passwords.py).
    password_hash_slots: int | None = Field(default=None, ge=1)
    password_hash_queue: int = Field(default=32, ge=0)
    password_hash_queue_seconds: float = Field(default=2.0, gt=0)

    # Fernet key (urlsafe base64 of 32 bytes) that encrypts TOTP secrets at rest. Unset: they
    # are stored in the clear. Several keys, comma-separated, allow a rotation (first encrypts).
    totp_encryption_key: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_generated_keys_in_production(self) -> "Settings":
        if self.platform.environment == "production" and not (
            self.jwt_private_keys and self.jwt_private_keys.get_secret_value().strip()
        ):
            raise ValueError("AUTH_JWT_PRIVATE_KEYS must be set in production")
        return self

    @model_validator(mode="after")
    def _refuse_cheap_password_hashes_in_production(self) -> "Settings":
        if self.platform.environment == "production" and (
            self.password_hash_time_cost < DEFAULT_TIME_COST
            or self.password_hash_memory_kib < DEFAULT_MEMORY_COST
        ):
            raise ValueError("AUTH_PASSWORD_HASH_TIME_COST / _MEMORY_KIB may not go below "
                             f"{DEFAULT_TIME_COST} / {DEFAULT_MEMORY_COST} in production")
        return self
