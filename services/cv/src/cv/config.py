"""Settings of the cv service: `CV_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from career_kit.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("cv")

    service_name: ClassVar[str] = "cv"

