"""Gateway settings refuse values that would only fail later, at a user's expense."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from career_kit import registry
from gateway.config import GatewaySettings


def test_the_spa_url_is_kept_without_a_trailing_slash() -> None:
    settings = GatewaySettings(spa_base_url="https://app.example.com/")
    assert settings.spa_base_url == "https://app.example.com"


@pytest.mark.parametrize("url", ["app.example.com", "ftp://app.example.com",
                                 "https://app.example.com/?next=1", "https://app#x"])
def test_an_spa_url_that_cannot_take_the_oauth_result_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="GATEWAY_SPA_BASE_URL"):
        GatewaySettings(spa_base_url=url)


def test_one_port_for_the_api_and_the_ops_server_is_refused() -> None:
    with pytest.raises(ValidationError, match="GATEWAY_METRICS_PORT"):
        GatewaySettings(http_port=8000, metrics_port=8000)


def test_every_registry_service_has_its_target_and_webhook_url_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for service in registry.SERVICES:
        monkeypatch.setenv(f"GATEWAY_{service.env_prefix}_GRPC_TARGET", f"{service.name}:50051")
        if service.receives_webhooks:
            monkeypatch.setenv(f"GATEWAY_{service.env_prefix}_WEBHOOK_URL",
                               f"http://{service.name}:8080")
    settings = GatewaySettings(_env_file=None)
    assert settings.grpc_targets() == {name: f"{name}:50051" for name in registry.NAMES}
    for service in registry.WEBHOOK_RECEIVERS:
        assert settings.webhook_url(service.name) == f"http://{service.name}:8080"


def test_defaults_are_the_registrys_local_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    for service in registry.SERVICES:
        monkeypatch.delenv(f"GATEWAY_{service.env_prefix}_GRPC_TARGET", raising=False)
        monkeypatch.delenv(f"GATEWAY_{service.env_prefix}_WEBHOOK_URL", raising=False)
    settings = GatewaySettings(_env_file=None)
    assert settings.grpc_targets()["auth"] == "127.0.0.1:50051"
    assert settings.webhook_url("billing") == "http://127.0.0.1:8105"
    assert settings.webhook_url("social") == "http://127.0.0.1:8104"
    with pytest.raises(KeyError):
        settings.webhook_url("cv")
