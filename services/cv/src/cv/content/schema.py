"""The CV content model: JSON Resume v1.0.0 (https://jsonresume.org/schema) plus `custom`
sections, `meta.sectionOrder` / `meta.hidden` and a `photo` (a files id).

Field names are JSON Resume's own (camelCase), and fields we do not know are kept, so a
JSON Resume imports and exports back unchanged. Every string, list and the document as a whole
is bounded, so one CV cannot hold a megabyte. Text is plain text; the fields in
`MARKDOWN_FIELDS` may hold the small Markdown subset that only `cv.content.text` renders.
"""

import datetime
import json
import math
import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

# Limits. Generous for a real CV (a long career is ~30 entries), small enough that the
# whole document stays far below what a page, a PDF or a database row should carry.
MAX_CONTENT_BYTES = 200 * 1024  # the whole content as compact UTF-8 JSON
MAX_UNKNOWN_BYTES = 32 * 1024  # all unknown fields together; nothing renders them
MAX_DEPTH = 12  # nesting of objects and lists, unknown fields included
NAME_CHARS = 200  # names, titles, positions, institutions, single-line values
SHORT_CHARS = 100  # phone-like, level, fluency, score, postal and country codes
LONG_CHARS = 5000  # summaries, descriptions, references, addresses
ITEM_CHARS = 500  # one highlight
KEYWORD_CHARS = 100  # one keyword, course or role
URL_CHARS = 2000
EMAIL_CHARS = 254  # RFC 5321's path limit
ENTRIES = 50  # entries per section, items per custom section
HIGHLIGHTS = 30
KEYWORDS = 100
PROFILES = 20
CUSTOM_SECTIONS = 20

BODY_SECTIONS: tuple[str, ...] = (
    "work", "volunteer", "education", "awards", "certificates", "publications",
    "skills", "languages", "interests", "references", "projects",
)
SECTIONS: tuple[str, ...] = ("basics", *BODY_SECTIONS, "custom", "meta", "photo")
# Field names (in any section) whose text is Markdown; every other string is plain text.
MARKDOWN_FIELDS = frozenset({"summary", "highlights", "description"})
CUSTOM_REF_PREFIX = "custom:"  # how meta.sectionOrder / meta.hidden name a custom section

# C0/C1 controls except \t and \n (\r is normalised to \n first), and lone surrogates, which
# are not text: they break rendering and PostgreSQL refuses \u0000 in JSONB.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_PARTIAL_DATE = re.compile(r"([12]\d{3})(?:-(\d{2})(?:-(\d{2}))?)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_JSON_SAFE_INT = 2**53  # beyond this JavaScript clients silently lose digits
_COMPACT: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":")}


class ContentInvalid(Exception):
    """The content breaks a rule. `field` says where, as a JSON path ("work[2].startDate"; empty
    for the document as a whole); `message` says what is wrong, in plain English."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class _FieldError(ValueError):
    """Raised by a validator of an object or list to blame one of its members (a path relative
    to it, e.g. "startDate" or "[3].id") rather than the whole object."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _plain(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    # validate_content has already checked every string; this keeps the models safe on their own.
    if bad := _FORBIDDEN_CHARS.search(value):
        raise ValueError(f"must not contain control characters (found U+{ord(bad[0]):04X})")
    return value


def _partial_date(value: str) -> str:
    value = value.strip()
    if not value:
        return value
    match = _PARTIAL_DATE.fullmatch(value)
    if match is None:
        raise ValueError("must be a date like 2019, 2019-05 or 2019-05-17")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"{value} is not a real date") from None
    return value


def _end_date(value: str) -> str:
    if value.strip().lower() == "present":
        return "present"
    return _partial_date(value)


def _http_url(value: str) -> str:
    value = value.strip()
    if not value:
        return value
    if any(char.isspace() for char in value) or _FORBIDDEN_CHARS.search(value):
        raise ValueError("must be a web address without spaces")
    try:
        parts = urlsplit(value)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:  # e.g. a malformed [IPv6] host
        scheme, host = "", None
    # Only web links: javascript:, data:, file: and the like would run or read something.
    if scheme not in ("http", "https") or not host:
        raise ValueError("must be a web address starting with http:// or https://")
    return value


def _email(value: str) -> str:
    value = value.strip()
    if value and not _EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address like name@example.com")
    return value


def _files_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be a files id (a UUID)") from None


def _text(max_chars: int) -> Any:
    return Annotated[str, Field(max_length=max_chars), AfterValidator(_plain)]


def _list(item: Any, max_items: int) -> Any:
    return Annotated[list[item], Field(max_length=max_items)]


Name = _text(NAME_CHARS)
Short = _text(SHORT_CHARS)
Long = _text(LONG_CHARS)
Markdown = _text(LONG_CHARS)  # bounded like Long; the name marks text.markdown_html's fields
Keyword = _text(KEYWORD_CHARS)
Highlights = _list(_text(ITEM_CHARS), HIGHLIGHTS)
Keywords = _list(Keyword, KEYWORDS)
Url = Annotated[str, Field(max_length=URL_CHARS), AfterValidator(_http_url)]
Email = Annotated[str, Field(max_length=EMAIL_CHARS), AfterValidator(_email)]
PartialDate = Annotated[str, Field(max_length=20), AfterValidator(_partial_date)]
EndDate = Annotated[str, Field(max_length=20), AfterValidator(_end_date)]


class _Model(BaseModel):
    # Unknown fields are kept (and bounded by validate_content's walk over them).
    model_config = ConfigDict(extra="allow")


def _starts_after_end(start: str | None, end: str | None) -> bool:
    if not start or not end or end == "present":
        return False
    # Compare at the precision both have: "2019-05" is not after "2019".
    start_parts = [int(part) for part in start.split("-")]
    end_parts = [int(part) for part in end.split("-")]
    common = min(len(start_parts), len(end_parts))
    return start_parts[:common] > end_parts[:common]


class _Dated(_Model):
    startDate: PartialDate | None = None
    endDate: EndDate | None = None

    @model_validator(mode="after")
    def _start_not_after_end(self) -> "_Dated":
        if _starts_after_end(self.startDate, self.endDate):
            raise _FieldError("startDate", f"must not be after the end date ({self.endDate})")
        return self


class Location(_Model):
    address: Long | None = None
    postalCode: Short | None = None
    city: Name | None = None
    countryCode: Short | None = None
    region: Name | None = None


class Profile(_Model):
    network: Name | None = None
    username: Name | None = None
    url: Url | None = None


class Basics(_Model):
    name: Name | None = None
    label: Name | None = None
    image: Url | None = None
    email: Email | None = None
    phone: Short | None = None
    url: Url | None = None
    summary: Markdown | None = None
    location: Location | None = None
    profiles: _list(Profile, PROFILES) | None = None


class Work(_Dated):
    name: Name | None = None
    location: Name | None = None
    description: Markdown | None = None
    position: Name | None = None
    url: Url | None = None
    summary: Markdown | None = None
    highlights: Highlights | None = None


class Volunteer(_Dated):
    organization: Name | None = None
    position: Name | None = None
    url: Url | None = None
    summary: Markdown | None = None
    highlights: Highlights | None = None


class Education(_Dated):
    institution: Name | None = None
    url: Url | None = None
    area: Name | None = None
    studyType: Name | None = None
    score: Short | None = None
    courses: _list(Name, ENTRIES) | None = None


class Award(_Model):
    title: Name | None = None
    date: PartialDate | None = None
    awarder: Name | None = None
    summary: Markdown | None = None


class Certificate(_Model):
    name: Name | None = None
    date: PartialDate | None = None
    url: Url | None = None
    issuer: Name | None = None


class Publication(_Model):
    name: Name | None = None
    publisher: Name | None = None
    releaseDate: PartialDate | None = None
    url: Url | None = None
    summary: Markdown | None = None


class Skill(_Model):
    name: Name | None = None
    level: Short | None = None
    keywords: Keywords | None = None


class Language(_Model):
    language: Name | None = None
    fluency: Short | None = None


class Interest(_Model):
    name: Name | None = None
    keywords: Keywords | None = None


class Reference(_Model):
    name: Name | None = None
    reference: Long | None = None


class Project(_Dated):
    name: Name | None = None
    description: Markdown | None = None
    highlights: Highlights | None = None
    keywords: Keywords | None = None
    url: Url | None = None
    roles: _list(Name, KEYWORDS) | None = None
    entity: Name | None = None
    type: Name | None = None


class CustomItem(_Dated):
    title: Name | None = None
    subtitle: Name | None = None
    date: PartialDate | None = None
    summary: Markdown | None = None
    highlights: Highlights | None = None
    url: Url | None = None


def _custom_id(value: str) -> str:
    if not _CUSTOM_ID.fullmatch(value):
        raise ValueError("must be 1 to 64 letters, digits, '-' or '_'")
    return value


class CustomSection(_Model):
    id: Annotated[str, AfterValidator(_custom_id)]
    title: Name | None = None
    items: _list(CustomItem, ENTRIES) | None = None


def _unique_custom_ids(sections: list[CustomSection]) -> list[CustomSection]:
    first: dict[str, int] = {}
    for index, section in enumerate(sections):
        if section.id in first:
            raise _FieldError(
                f"[{index}].id", f"{section.id!r} is already the id of custom[{first[section.id]}]"
            )
        first[section.id] = index
    return sections


def _section_ref(value: str) -> str:
    custom_id = value.removeprefix(CUSTOM_REF_PREFIX)
    if value in BODY_SECTIONS or (custom_id != value and _CUSTOM_ID.fullmatch(custom_id)):
        return value
    raise ValueError(f"must be one of {', '.join(BODY_SECTIONS)} or custom:<id>")


def _unique(values: list[str]) -> list[str]:
    for index, value in enumerate(values):
        if value in values[:index]:
            raise _FieldError(f"[{index}]", f"{value!r} is listed twice")
    return values


SectionRefs = Annotated[
    list[Annotated[str, Field(max_length=80), AfterValidator(_section_ref)]],
    Field(max_length=len(BODY_SECTIONS) + CUSTOM_SECTIONS),
    AfterValidator(_unique),
]


class Meta(_Model):
    canonical: Url | None = None
    version: Short | None = None
    lastModified: Short | None = None
    # Custom sections named here that no longer exist are tolerated (a PATCH of `custom`
    # must not invalidate `meta`); section_names_in_order skips them.
    sectionOrder: SectionRefs | None = None
    hidden: SectionRefs | None = None


class Content(_Model):
    basics: Basics | None = None
    work: _list(Work, ENTRIES) | None = None
    volunteer: _list(Volunteer, ENTRIES) | None = None
    education: _list(Education, ENTRIES) | None = None
    awards: _list(Award, ENTRIES) | None = None
    certificates: _list(Certificate, ENTRIES) | None = None
    publications: _list(Publication, ENTRIES) | None = None
    skills: _list(Skill, ENTRIES) | None = None
    languages: _list(Language, ENTRIES) | None = None
    interests: _list(Interest, ENTRIES) | None = None
    references: _list(Reference, ENTRIES) | None = None
    projects: _list(Project, ENTRIES) | None = None
    custom: Annotated[
        list[CustomSection], Field(max_length=CUSTOM_SECTIONS), AfterValidator(_unique_custom_ids)
    ] | None = None
    meta: Meta | None = None
    photo: Annotated[str, Field(max_length=36), AfterValidator(_files_id)] | None = None


def validate_content(data: object) -> dict:
    """Check a whole CV content and return it normalised as a JSON-safe dict (dates stripped,
    "Present" as "present", line ends as \\n, the photo id in canonical form; absent fields stay
    absent, unknown fields are kept). Raises ContentInvalid for the first problem found."""
    if not isinstance(data, dict):
        raise ContentInvalid("", "the content must be a JSON object")
    _check_json(data, "", 0)
    size = len(json.dumps(data, **_COMPACT).encode())
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
    if isinstance(cause, _FieldError):
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
        if bad := _FORBIDDEN_CHARS.search(value.replace("\r", "")):
            raise ContentInvalid(
                path, f"must not contain control characters (found U+{ord(bad[0]):04X})"
            )
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > _JSON_SAFE_INT:
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
        used[0] += len(json.dumps({key: value}, **_COMPACT).encode())
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
