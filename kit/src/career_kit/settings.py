"""Settings read from the environment, one class per service built on `ServiceSettings`.

Platform-wide variables (NATS_URL, REDIS_URL, INTERNAL_SECRET, ...) carry no prefix because every
process reads the same ones; a service's own variables carry its prefix (CV_DATABASE_URL).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_INTERNAL_SECRET = "dev-internal-secret-change-me"


class PlatformSettings(BaseSettings):
    """Variables shared by the gateway and every service."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    nats_url: str = "nats://127.0.0.1:4222"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Proves to a service that identity metadata comes from the gateway (see docs in README).
    internal_secret: SecretStr = SecretStr(DEV_INTERNAL_SECRET)
    # Prefix for stream names and subjects so that several test runs can share one NATS.
    events_namespace: str = Field(default="", pattern=r"^[a-z0-9_]*$")
    # Prefix for every Redis key, for the same reason.
    redis_key_prefix: str = ""

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> PlatformSettings:
        if self.environment == "production" and (
            self.internal_secret.get_secret_value() == DEV_INTERNAL_SECRET
        ):
            raise ValueError("INTERNAL_SECRET must be set to a real secret in production")
        return self


class ServiceSettings(BaseSettings):
    """Base of a service's settings; a subclass sets `service_name` and `env_prefix`."""

    service_name: ClassVar[str]

    database_url: str
    grpc_port: int
    http_port: int
    host: str = "0.0.0.0"
    # Seconds a draining process gives in-flight RPCs and events before it exits.
    shutdown_grace_seconds: float = 10.0
    db_pool_size: int = 10
    platform: PlatformSettings = Field(default_factory=PlatformSettings)
