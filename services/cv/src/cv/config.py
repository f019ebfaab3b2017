"""Settings of the cv service: `CV_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from pydantic import Field

from career_kit.registry import BY_NAME
from career_kit.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("cv")

    service_name: ClassVar[str] = "cv"

    # Saves by one author closer together than this are one version (autosave).
    autosave_window_seconds: float = Field(default=60.0, ge=0)
    # A CV stays in the trash this long (30 days), then the purge deletes it for good.
    trash_retention_seconds: float = Field(default=30 * 24 * 3600, gt=0)
    purge_interval_seconds: float = Field(default=3600.0, gt=0)

    # Billing answers whether the owner's plan includes premium templates
    # (CV_BILLING_GRPC_TARGET); the files service holds uploaded CVs (CV_FILES_GRPC_TARGET).
    billing_grpc_target: str = f"127.0.0.1:{BY_NAME['billing'].grpc_port}"
    files_grpc_target: str = f"127.0.0.1:{BY_NAME['files'].grpc_port}"
