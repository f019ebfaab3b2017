"""Settings of the files service: `FILES_*` variables plus the platform's (see .env.example).

Storage: one backend for every bucket (`FILES_STORAGE_BACKEND`). Local disk keeps objects
under `data_dir/objects` and the service itself serves them (the gateway's `/files/...`
forwards there); the others are the providers' own services. `CDN_URL`, the seed's name,
overrides the public base URL of public buckets with whatever CDN fronts the backend.
"""

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator

from career_kit.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("files", populate_by_name=True)

    service_name: ClassVar[str] = "files"

    storage_backend: Literal["local", "s3", "supabase", "cloudinary"] = "local"
    # Local storage in production only on a volume every replica mounts (a pod's own disk
    # would lose the files and split them between replicas): say so explicitly.
    local_storage_shared: bool = False
    # Where uploads are spooled while they are checked, and local storage's objects.
    data_dir: Path = Path(".data/files")
    # Public buckets' base URL: `{public_base_url}/{bucket}/{key}`. Unset: the backend's own
    # (for local storage, the gateway's /files/public).
    public_base_url: str = Field(default="", validation_alias=AliasChoices(
        "CDN_URL", "FILES_PUBLIC_BASE_URL", "public_base_url"))
    # Local storage's signed URLs: `{signed_base_url}/{bucket}/{key}?expires=...&signature=...`.
    signed_base_url: str = "http://localhost:8000/files/signed"
    local_public_base_url: str = "http://localhost:8000/files/public"
    url_signing_key: SecretStr = SecretStr("dev-url-signing-key-change-me")
    signed_url_default_seconds: int = Field(default=300, gt=0)
    signed_url_max_seconds: int = Field(default=3600, gt=0)

    s3_bucket: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_prefix: str = ""
    supabase_url: str = ""
    supabase_service_key: SecretStr = SecretStr("")
    cloudinary_cloud_name: str = ""
    cloudinary_api_key: str = ""
    cloudinary_api_secret: SecretStr = SecretStr("")
    cloudinary_api_base_url: str = "https://api.cloudinary.com"
    cloudinary_delivery_base_url: str = "https://res.cloudinary.com"

    # ClamAV's clamd ("tcp://host:3310" or "unix:///run/clamav/clamd.ctl"). Production refuses
    # to start without one unless scanning is explicitly off (FILES_MALWARE_SCAN=off).
    clamav_url: str | None = Field(default=None, validation_alias=AliasChoices(
        "CLAMAV_URL", "FILES_CLAMAV_URL", "clamav_url"))
    malware_scan: Literal["on", "off"] = "on"

    # Uploads checked and processed at once (image and video work is CPU-bound); more wait.
    processing_slots: int | None = Field(default=None, ge=1)
    # An upload nothing references after this long is deleted (the orphan sweep).
    orphan_after_seconds: int = Field(default=24 * 3600, gt=0)
    sweep_interval_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> "Settings":
        if self.platform.environment != "production":
            return self
        if self.url_signing_key.get_secret_value() == "dev-url-signing-key-change-me":
            raise ValueError("FILES_URL_SIGNING_KEY must be set to a real secret in production")
        if self.storage_backend == "local" and not self.local_storage_shared:
            raise ValueError("FILES_STORAGE_BACKEND=local in production needs a volume every "
                             "replica shares (then set FILES_LOCAL_STORAGE_SHARED=true); use "
                             "s3, supabase or cloudinary otherwise")
        return self
