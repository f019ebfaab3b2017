"""Settings come from the environment, with prefixes; placeholder secrets fail in production."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from career_kit.settings import PlatformSettings, ServiceSettings


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore")
    service_name: ClassVar[str] = "example"
    database_url: str = "postgresql+asyncpg://localhost/example"
    grpc_port: int = 50099
    http_port: int = 8199


def test_service_variables_carry_the_prefix_and_platform_ones_do_not(monkeypatch) -> None:
    monkeypatch.setenv("EXAMPLE_GRPC_PORT", "6001")
    monkeypatch.setenv("GRPC_PORT", "7001")  # someone else's: ignored
    monkeypatch.setenv("NATS_URL", "nats://nats.internal:4222")
    settings = ExampleSettings()
    assert settings.grpc_port == 6001
    assert settings.http_port == 8199
    assert settings.platform.nats_url == "nats://nats.internal:4222"


def test_production_refuses_the_development_internal_secret(monkeypatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("INTERNAL_SECRET", raising=False)
    with pytest.raises(ValidationError, match="INTERNAL_SECRET"):
        PlatformSettings()
    monkeypatch.setenv("INTERNAL_SECRET", "a-real-secret-from-the-vault")
    assert PlatformSettings().internal_secret.get_secret_value() == "a-real-secret-from-the-vault"


def test_wrong_types_are_rejected(monkeypatch) -> None:
    monkeypatch.setenv("EXAMPLE_GRPC_PORT", "not-a-port")
    with pytest.raises(ValidationError):
        ExampleSettings()


def test_events_namespace_must_be_a_safe_token(monkeypatch) -> None:
    monkeypatch.setenv("EVENTS_NAMESPACE", "has.dots")
    with pytest.raises(ValidationError):
        PlatformSettings()
