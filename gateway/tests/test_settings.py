"""Gateway settings refuse values that would only fail later, at a user's expense."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

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
