"""How a CV is rendered, besides its content: the template and the options a user sets per CV.
Stored with the CV (and each version) as JSON; part of an export's cache key."""

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cv.render.labels import LANGUAGES

# Families shipped with the service (SIL OFL packages); a PDF never falls back to system fonts.
FONTS = ("Noto Sans", "Noto Serif")
DATE_FORMATS = ("MMM YYYY", "MM/YYYY", "YYYY-MM", "YYYY")
PAGE_SIZES = ("a4", "letter")


class OptionsInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class RenderOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    accent: str = Field("#1f4e79", pattern=r"^#[0-9a-fA-F]{6}$")
    # The CV's stored options name it only if the user chose one: else the template's font.
    font: Literal[FONTS] = "Noto Sans"  # type: ignore[valid-type]
    font_size: float = Field(10.0, ge=8.0, le=13.0)  # points, body text
    margin_mm: float = Field(18.0, ge=8.0, le=35.0)
    page_size: Literal[PAGE_SIZES] = "a4"  # type: ignore[valid-type]
    date_format: Literal[DATE_FORMATS] = "MMM YYYY"  # type: ignore[valid-type]
    language: Literal[LANGUAGES] = "en"  # type: ignore[valid-type]

    def cache_key(self) -> str:
        """The options as canonical JSON (sorted keys, defaults included)."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def parse_options(data: object) -> RenderOptions:
    """Options from stored or user JSON (a dict; None for the defaults). Raises OptionsInvalid
    naming the first bad field ("options.accent")."""
    if data is None:
        return RenderOptions()
    if not isinstance(data, dict):
        raise OptionsInvalid("options", "must be an object")
    try:
        return RenderOptions.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = ".".join(["options", *(str(part) for part in error["loc"])])
        if error["type"] == "extra_forbidden":
            return _raise(field, "is not an option")
        if error["type"] == "literal_error":
            return _raise(field, f"must be one of {error['ctx']['expected']}")
        return _raise(field, error["msg"])


def _raise(field: str, message: str) -> RenderOptions:
    raise OptionsInvalid(field, message)
