"""Settings of the social service: `SOCIAL_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from career_kit.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("social")

    service_name: ClassVar[str] = "social"

