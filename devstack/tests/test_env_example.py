""".env.example lists every setting of every process, so nobody has to read code to configure."""

from __future__ import annotations

import importlib
from pathlib import Path

from pydantic import AliasChoices
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
    names = set()
    for name, info in settings.model_fields.items():
        if name == "platform":
            continue
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names.add(str(alias.choices[0]).upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def test_every_setting_is_in_env_example() -> None:
    expected = _variables(PlatformSettings) | _variables(GatewaySettings)
    for service in SERVICES:
        expected |= _variables(importlib.import_module(f"{service}.config").Settings)
    missing = expected - _documented()
    assert not missing, f"add to .env.example: {sorted(missing)}"
