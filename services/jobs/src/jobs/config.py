"""Settings of the jobs service: `JOBS_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from career_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JOBS_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "jobs"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/career_jobs"
    grpc_port: int = 50053
    http_port: int = 8103
