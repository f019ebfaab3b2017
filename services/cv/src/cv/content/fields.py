"""The rules every value of a CV's content follows: the limits, the section names, what a
date, URL, e-mail or files id must look like, and the bounded field types the section models
(`sections.py`) are made of; `ContentInvalid` says which field broke which rule."""

import datetime
import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Field,
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
# Controls, lone surrogates and the noncharacters U+FFFE/U+FFFF (XML, so DOCX, cannot hold them).
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_PARTIAL_DATE = re.compile(r"([12]\d{3})(?:-(\d{2})(?:-(\d{2}))?)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
JSON_SAFE_INT = 2**53  # beyond this JavaScript clients silently lose digits
COMPACT_JSON: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":")}


class ContentInvalid(Exception):
    """The content breaks a rule. `field` says where, as a JSON path ("work[2].startDate"; empty
    for the document as a whole); `message` says what is wrong, in plain English."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class FieldError(ValueError):
    """Raised by a validator of an object or list to blame one of its members (a path relative
    to it, e.g. "startDate" or "[3].id") rather than the whole object."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _plain(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    # validate_content has already checked every string; this keeps the models safe on their own.
    if bad := FORBIDDEN_CHARS.search(value):
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
    if any(char.isspace() for char in value) or FORBIDDEN_CHARS.search(value):
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


def files_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be a files id (a UUID)") from None


def text_field(max_chars: int) -> Any:
    return Annotated[str, Field(max_length=max_chars), AfterValidator(_plain)]


def bounded_list(item: Any, max_items: int) -> Any:
    return Annotated[list[item], Field(max_length=max_items)]


Name = text_field(NAME_CHARS)
Short = text_field(SHORT_CHARS)
Long = text_field(LONG_CHARS)
Markdown = text_field(LONG_CHARS)  # bounded like Long; the name marks text.markdown_html's fields
Keyword = text_field(KEYWORD_CHARS)
Highlights = bounded_list(text_field(ITEM_CHARS), HIGHLIGHTS)
Keywords = bounded_list(Keyword, KEYWORDS)
Url = Annotated[str, Field(max_length=URL_CHARS), AfterValidator(_http_url)]
Email = Annotated[str, Field(max_length=EMAIL_CHARS), AfterValidator(_email)]
PartialDate = Annotated[str, Field(max_length=20), AfterValidator(_partial_date)]
EndDate = Annotated[str, Field(max_length=20), AfterValidator(_end_date)]
