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


def rich_cv() -> dict[str, Any]:
    """A long CV for the PDF templates: two pages or more, every section and a custom one, a
    section order of its own, Greek, Cyrillic, Japanese and Arabic text. A fresh copy each call."""
    return json.loads(Path(__file__).with_name("rich_cv.json").read_text("utf-8"))
