"""CVs for tests: a JSON Resume that exercises every field of the schema (with diacritics,
Japanese and Arabic text), for the cv service's validation and the import/export round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FULL_RESUME_PATH = Path(__file__).with_name("full_resume.json")


def full_resume() -> dict[str, Any]:
    """A fresh copy each call (tests change it)."""
    return json.loads(FULL_RESUME_PATH.read_text("utf-8"))
