"""The CV content model: JSON Resume v1.0.0 (https://jsonresume.org/schema) plus `custom`
sections, `meta.sectionOrder` / `meta.hidden` and a `photo` (a files id).

Field names are JSON Resume's own (camelCase), and fields we do not know are kept, so a
JSON Resume imports and exports back unchanged. Every string, list and the document as a whole
is bounded, so one CV cannot hold a megabyte. Text is plain text; the fields in
`MARKDOWN_FIELDS` may hold the small Markdown subset that only `cv.content.text` renders.

This module is the entry point: `validate_content`, `validate_section`, `blank_content` and
`section_names_in_order`, with the field rules (`fields.py`) and section models
(`sections.py`) it checks against.
"""

import json
import math

from pydantic import BaseModel, ValidationError

from cv.content.fields import (
    BODY_SECTIONS,
    COMPACT_JSON,
    CUSTOM_REF_PREFIX,
    FORBIDDEN_CHARS,
    JSON_SAFE_INT,
    MARKDOWN_FIELDS,
    MAX_CONTENT_BYTES,
    MAX_DEPTH,
    MAX_UNKNOWN_BYTES,
    SECTIONS,
    ContentInvalid,
    FieldError,
)
from cv.content.sections import Content

__all__ = ["BODY_SECTIONS", "MARKDOWN_FIELDS", "SECTIONS", "Content", "ContentInvalid",
           "blank_content", "section_names_in_order", "validate_content", "validate_section"]


def validate_content(data: object) -> dict:
    """Check a whole CV content and return it normalised as a JSON-safe dict (dates stripped,
    "Present" as "present", line ends as \\n, the photo id in canonical form; absent fields stay
    absent, unknown fields are kept). Raises ContentInvalid for the first problem found."""
    if not isinstance(data, dict):
        raise ContentInvalid("", "the content must be a JSON object")
    _check_json(data, "", 0)
    size = len(json.dumps(data, **COMPACT_JSON).encode())
    if size > MAX_CONTENT_BYTES:
        limit = MAX_CONTENT_BYTES // 1024
        raise ContentInvalid("", f"the content is {size // 1024} KB; at most {limit} KB is allowed")
    try:
        content = Content.model_validate(data)
    except ValidationError as exc:
        raise _first_problem(exc) from None
    _check_unknown_fields(content, "", [0])
    return content.model_dump(mode="json", exclude_unset=True)


def validate_section(name: str, value: object) -> object:
    """Check one section (one of SECTIONS) as validate_content would; problems are reported with
    paths from the document root ("work[0].url"). Returns the section normalised."""
    if name not in SECTIONS:
        raise ContentInvalid(name, f"is not a CV section (one of {', '.join(SECTIONS)})")
    return validate_content({name: value})[name]


def blank_content(name: str = "", email: str = "") -> dict:
    """A new CV's content: every section present and empty, the owner's name and e-mail in
    basics. Raises ContentInvalid if the name or e-mail is not acceptable."""
    return validate_content({
        "basics": {"name": name, "email": email, "profiles": []},
        **{section: [] for section in BODY_SECTIONS},
        "custom": [],
        "meta": {"sectionOrder": [], "hidden": []},
        "photo": None,
    })


def section_names_in_order(content: dict) -> list[str]:
    """The body sections of a (validated) content in the order to show them: those in
    meta.sectionOrder first, then the rest in BODY_SECTIONS order, then each custom section as
    "custom:<id>"; hidden ones and names of custom sections that no longer exist left out.
    `basics` is the header of every template and is not part of the order."""
    meta = content.get("meta") or {}
    hidden = set(meta.get("hidden") or ())
    present = [
        *BODY_SECTIONS,
        *(CUSTOM_REF_PREFIX + section["id"] for section in content.get("custom") or ()),
    ]
    ordered = [name for name in meta.get("sectionOrder") or () if name in present]
    return [name for name in dict.fromkeys([*ordered, *present]) if name not in hidden]


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    if not path or part.startswith("["):
        return path + part
    return f"{path}.{part}"


_MESSAGES = {
    "string_type": "must be text",
    "string_unicode": "must be valid text",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "missing": "is required",
}


def _first_problem(exc: ValidationError) -> ContentInvalid:
    error = exc.errors(include_url=False)[0]
    path = ""
    for part in error["loc"]:
        path = _join(path, part)
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, FieldError):
        return ContentInvalid(_join(path, cause.field), str(cause))
    if isinstance(cause, ValueError):
        return ContentInvalid(path, str(cause))
    if error["type"] == "string_too_long":
        return ContentInvalid(path, f"must be at most {ctx['max_length']} characters")
    if error["type"] == "too_long":
        return ContentInvalid(path, f"must have at most {ctx['max_length']} entries")
    return ContentInvalid(path, _MESSAGES.get(error["type"], error["msg"]))


def _check_json(value: object, path: str, depth: int) -> None:
    """Refuse what JSON (and PostgreSQL's JSONB) cannot hold, before pydantic sees it: other
    types, non-finite or oversized numbers, control characters, runaway nesting."""
    if depth > MAX_DEPTH:
        raise ContentInvalid(path, f"is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ContentInvalid(path, "must have text keys")
            _check_json(key, _join(path, key), depth)
            _check_json(item, _join(path, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, _join(path, index), depth + 1)
    elif isinstance(value, str):
        if bad := FORBIDDEN_CHARS.search(value.replace("\r", "")):
            raise ContentInvalid(
                path, f"must not contain control characters (found U+{ord(bad[0]):04X})"
            )
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > JSON_SAFE_INT:
            raise ContentInvalid(path, "is a number too large to keep exactly")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ContentInvalid(path, "must be a finite number")
    else:
        raise ContentInvalid(path, "must be JSON (text, number, true/false, null, list, object)")


def _check_unknown_fields(model: BaseModel, path: str, used: list[int]) -> None:
    """Walk the validated models in document order, adding up the unknown fields' size so the
    first one past MAX_UNKNOWN_BYTES is named."""
    for key, value in (model.__pydantic_extra__ or {}).items():
        used[0] += len(json.dumps({key: value}, **COMPACT_JSON).encode())
        if used[0] > MAX_UNKNOWN_BYTES:
            raise ContentInvalid(
                _join(path, key),
                f"unknown fields may take at most {MAX_UNKNOWN_BYTES // 1024} KB together",
            )
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            _check_unknown_fields(value, _join(path, name), used)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _check_unknown_fields(item, _join(_join(path, name), index), used)

