"""Settings of the auth service: `AUTH_*` variables plus the platform's (see .env.example)."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from career_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "auth"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/career_auth"
    grpc_port: int = 50051
    http_port: int = 8101

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
