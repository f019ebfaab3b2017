"""Settings of the billing service: `BILLING_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from career_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "billing"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/career_billing"
    grpc_port: int = 50055
    http_port: int = 8105
