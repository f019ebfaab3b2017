"""Settings read from the environment, one class per service built on `ServiceSettings`.

Platform-wide variables (NATS_URL, REDIS_URL, INTERNAL_SECRET, ...) carry no prefix because every
process reads the same ones; a service's own variables carry its prefix (CV_DATABASE_URL).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from career_kit.registry import BY_NAME

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


def service_config(service_name: str, **options: object) -> SettingsConfigDict:
    """A service's settings config: variables prefixed with its name (`CV_DATABASE_URL`), read
    from the environment and `.env`, unknown ones ignored."""
    return SettingsConfigDict(env_prefix=f"{service_name.upper()}_", env_file=".env",
                              extra="ignore", **options)  # type: ignore[typeddict-item]


class ServiceSettings(BaseSettings):
    """Base of a service's settings; a subclass sets `service_name` and
    `model_config = service_config(service_name)`. Its ports and database default to what the
    platform's registry (career_kit.registry) says of it on one machine."""

    service_name: ClassVar[str]

    database_url: str
    grpc_port: int
    http_port: int
    host: str = "0.0.0.0"
    # Seconds a draining process gives in-flight RPCs and events before it exits.
    shutdown_grace_seconds: float = 10.0
    # Connections the unit of work keeps (and as many again at peaks), and as many again for the
    # hot reads (career_kit.reads): up to three times this per process, against PostgreSQL's
    # max_connections.
    db_pool_size: int = 10
    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    @model_validator(mode="before")
    @classmethod
    def _registry_defaults(cls, data: Any) -> Any:
        service = BY_NAME.get(cls.service_name)
        if isinstance(data, dict) and service is not None:  # else the subclass's defaults
            data.setdefault("grpc_port", service.grpc_port)
            data.setdefault("http_port", service.http_port)
            data.setdefault("database_url", "postgresql+asyncpg://postgres@127.0.0.1:5432/"
                                            f"career_{service.database}")
        return data
