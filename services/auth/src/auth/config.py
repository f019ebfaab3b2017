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

    @model_validator(mode="after")
    def _refuse_generated_keys_in_production(self) -> "Settings":
        if self.platform.environment == "production" and not (
            self.jwt_private_keys and self.jwt_private_keys.get_secret_value().strip()
        ):
            raise ValueError("AUTH_JWT_PRIVATE_KEYS must be set in production")
        return self
