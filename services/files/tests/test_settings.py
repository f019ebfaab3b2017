"""What the files service refuses to start with in production."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from career_kit.settings import PlatformSettings
from files.config import Settings
from files.scanning import build_scanner

PRODUCTION = PlatformSettings(environment="production", internal_secret=SecretStr("s" * 32))


def production(**values) -> Settings:
    return Settings(platform=PRODUCTION, database_url="postgresql+asyncpg://x/y", **values)


def test_production_needs_a_real_url_signing_key() -> None:
    with pytest.raises(ValidationError, match="FILES_URL_SIGNING_KEY"):
        production(storage_backend="s3", s3_bucket="b")


def test_production_refuses_local_storage_unless_shared() -> None:
    key = SecretStr("k" * 32)
    with pytest.raises(ValidationError, match="FILES_LOCAL_STORAGE_SHARED"):
        production(url_signing_key=key)
    assert production(url_signing_key=key, local_storage_shared=True).storage_backend == "local"
    assert production(url_signing_key=key, storage_backend="s3").storage_backend == "s3"


def test_production_refuses_to_run_without_a_scanner_unless_told() -> None:
    with pytest.raises(RuntimeError, match="CLAMAV_URL"):
        build_scanner(None, scanning_off=False, production=True)
    assert build_scanner(None, scanning_off=True, production=True).__class__.__name__ \
        == "NoScanner"
