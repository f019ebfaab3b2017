"""The storage backend the settings choose, built from them (duck-typed: any object with the
attribute names of the service's Settings will do)."""

from __future__ import annotations

from typing import Any

from files.storage.base import Storage


def build_storage(settings: Any) -> Storage:
    """The backend named by `settings.storage_backend`; ValueError naming the first missing
    setting when that backend is not configured.

    `public_base_url` is the CDN in front of the backend (CDN_URL): empty, public URLs are
    the backend's own, for local storage the service's route at `local_public_base_url`.
    """
    backend = settings.storage_backend
    public_base_url = _text(settings, "public_base_url") or None
    if backend == "local":
        from files.storage.local import LocalStorage

        # Public objects from a CDN when one is set, else from the service's own route.
        return LocalStorage(settings.data_dir / "objects",
                            public_base_url=public_base_url
                            or _required(settings, "local_public_base_url"),
                            signed_base_url=_required(settings, "signed_base_url"),
                            signing_key=_required(settings, "url_signing_key").encode())
    if backend == "s3":
        from files.storage.s3 import S3Storage

        access_key_id = _text(settings, "s3_access_key_id")
        secret_access_key = _text(settings, "s3_secret_access_key")
        # Neither: boto3's credential chain (an IAM role); one without the other is a mistake.
        if bool(access_key_id) != bool(secret_access_key):
            missing = "s3_secret_access_key" if access_key_id else "s3_access_key_id"
            raise ValueError(f"storage backend s3: {missing} is not set")
        return S3Storage(_required(settings, "s3_bucket"),
                         endpoint_url=_text(settings, "s3_endpoint_url") or None,
                         region=_required(settings, "s3_region"),
                         access_key_id=access_key_id or None,
                         secret_access_key=secret_access_key or None,
                         public_base_url=public_base_url, prefix=_text(settings, "s3_prefix"))
    if backend == "supabase":
        from files.storage.supabase import SupabaseStorage

        return SupabaseStorage(_required(settings, "supabase_url"),
                               _required(settings, "supabase_service_key"),
                               public_base_url=public_base_url)
    if backend == "cloudinary":
        from files.storage.cloudinary import CloudinaryStorage

        urls = {name: value for name in ("api_base_url", "delivery_base_url")
                if (value := _text(settings, f"cloudinary_{name}"))}
        return CloudinaryStorage(_required(settings, "cloudinary_cloud_name"),
                                 _required(settings, "cloudinary_api_key"),
                                 _required(settings, "cloudinary_api_secret"),
                                 public_base_url=public_base_url, **urls)
    raise ValueError(f"unknown storage backend {backend!r}: "
                     "expected local, s3, supabase or cloudinary")


def _text(settings: Any, name: str) -> str:
    """A setting as a string ("" when absent); SecretStr values unwrapped."""
    value = getattr(settings, name, None)
    if value is None:
        return ""
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return str(value).strip()


def _required(settings: Any, name: str) -> str:
    value = _text(settings, name)
    if not value:
        raise ValueError(f"storage backend {settings.storage_backend}: {name} is not set")
    return value
