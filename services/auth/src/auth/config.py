"""Settings of the auth service: `AUTH_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from career_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "auth"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/career_auth"
    grpc_port: int = 50051
    http_port: int = 8101
