""".env.example lists every setting of every process, so nobody has to read code to configure."""

from __future__ import annotations

import importlib
from pathlib import Path

from pydantic_settings import BaseSettings

from career_kit.settings import PlatformSettings
from devstack.stack import SERVICES
from gateway.config import GatewaySettings

ROOT = Path(__file__).resolve().parents[2]


def _documented() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.lstrip("# ").strip()
        if "=" in line and line.split("=", 1)[0].isupper():
            names.add(line.split("=", 1)[0])
    return names


def _variables(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in settings.model_fields if name != "platform"}


def test_every_setting_is_in_env_example() -> None:
    expected = _variables(PlatformSettings) | _variables(GatewaySettings)
    for service in SERVICES:
        expected |= _variables(importlib.import_module(f"{service}.config").Settings)
    missing = expected - _documented()
    assert not missing, f"add to .env.example: {sorted(missing)}"
