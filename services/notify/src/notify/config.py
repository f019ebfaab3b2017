"""Settings of the notify service: `NOTIFY_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from career_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "notify"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/career_notify"
    grpc_port: int = 50056
    http_port: int = 8106
