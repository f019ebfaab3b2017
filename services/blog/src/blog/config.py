"""Settings of the blog service: `BLOG_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from career_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BLOG_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "blog"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/career_blog"
    grpc_port: int = 50057
    http_port: int = 8107
