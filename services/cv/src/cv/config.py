"""Settings of the cv service: `CV_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from career_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CV_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "cv"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/career_cv"
    grpc_port: int = 50052
    http_port: int = 8102
