"""Settings of the jobs service: `JOBS_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from career_kit.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("jobs")

    service_name: ClassVar[str] = "jobs"

