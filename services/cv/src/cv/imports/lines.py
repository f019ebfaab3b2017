"""A CV's lines as the format parsers hand them over (`Line`), grouped into a section's
entries (`Entry`), and what the text of one line tells: running text or a line of facts, the
dates on it, its parts, whether it names a place, and how its text splits into items."""

import re
from dataclasses import dataclass, field

from cv.content.fields import KEYWORD_CHARS, KEYWORDS
from cv.imports.dates import DateRange, find_date_range
from cv.imports.entry_words import role_score
from cv.imports.fitting import clip


@dataclass(frozen=True)
class Line:
    """One line or paragraph of a CV as a format parser read it. `level` says how prominent
    the layout made it, relative to the rest of the same file: 0 body text, 1 emphasised at
    body size (bold), 2 and up set larger than the body (higher is larger; a Word heading
    style counts as larger). `bullet` marks a list item; `links` are the URLs (http(s),
    mailto:, tel:) the file attaches to the line."""

    text: str
    level: int = 0
    bullet: bool = False
    links: tuple[str, ...] = ()


@dataclass
class Entry:
    """The lines of one entry of a section: `head` before its body starts (titles, dates,
    places), `body` after (paragraphs and list items)."""

    head: list[Line] = field(default_factory=list)
    body: list[Line] = field(default_factory=list)
    base: int = 0  # the section's body level: head lines above it are emphasised
    dated: bool = False
    emphasised: bool = False


# What stands between the parts of one line: a tab (a column, as a PDF's right-aligned date),
# or a bar, middle dot or dash between spaces.
STRONG_SEPARATOR = re.compile(r"\s*\t\s*|\s+[|·•▪◦⋅]\s+|\s+[–—]\s+|\s+-\s+")
# "00-050 Warszawa", "10115 Berlin", "SW1A 1AA London": a postcode before a city.
POSTAL_CITY = re.compile(
    r"(?P<postal>\d{2}-\d{3}|\d{4,5}|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\s+(?P<city>\D+)"
)


def prominence(size: float, body_size: float, bold: bool) -> int:
    """A `Line.level` from a line's type size against the body text's, and its weight."""
    ratio = size / body_size if body_size else 1.0
    if ratio >= 1.6:
        return 4
    if ratio >= 1.25:
        return 3
    if ratio >= 1.1:
        return 2
    return 1 if bold and ratio > 0.9 else 0


def is_sentence(text: str) -> bool:
    """Running text rather than a title or a line of facts: it ends like a sentence (not
    with an abbreviation, as "Datos Claros S.L." does), or is long."""
    words = text.split()
    if len(text) > 120 or len(words) > 16:
        return True
    if not re.search(r"[.!?…。][\"'”’)\]]*$", text):
        return False
    last = words[-1].rstrip("\"'”’)]")
    abbreviation = (len(last) <= 6 and "." in last[:-1]) or last.casefold() in _ABBREVIATIONS
    return len(words) >= 3 and not abbreviation


# Words that end in a full stop without ending a sentence.
_ABBREVIATIONS = frozenset("inc. ltd. co. corp. jr. sr. bros. etc. dept. univ. e.v.".split())


def line_dates(text: str) -> DateRange | None:
    """The date range on a line of an entry's head; a bare year that is part of a name
    ("Studio 2000", "Studio 2000 GmbH") is not one: it must stand apart (a separator, a
    bracket or the line's end on both sides)."""
    found = find_date_range(text)
    if found is None:
        return None
    start, end = found.span
    if found.single and re.fullmatch(r"\d{4}", text[start:end].strip()):
        before, after = text[:start].rstrip(" "), text[end:].lstrip(" ")
        if (before and before[-1].isalnum()) or (after and after[0].isalnum()):
            return None
    return found


def looks_like_place(text: str, *, alone: bool = False) -> bool:
    """"Warszawa, PL", "Berlin, Germany", "00-050 Warszawa": a place, not a title. With
    `alone`, where a place is expected (after an employer), a bare name such as "Berlin" or
    "東京" counts too."""
    if len(text) > 80 or role_score(text) or re.search(r"[@/]", text):
        return False
    parts = [part.strip() for part in text.split(",")]
    if len(parts) == 1:
        if POSTAL_CITY.fullmatch(text):
            return True
        return alone and len(text.split()) <= 3 and not re.search(r"\d", text) and all(
            word[:1].isupper() or not word[:1].islower() for word in text.split())
    return len(parts) <= 4 and all(part[:1].isupper() or part[:1].isdigit() for part in parts
                                   if part)


# Splitting a line's text

# "Label: value" ("Stack: Python, Go", "Sprachen: Deutsch").
LABELLED = re.compile(r"(?P<label>[^:：]{2,40}?)\s*[:：]\s*(?P<value>\S.*)")


def line_parts(text: str) -> list[str]:
    """A line's parts, split at its strongest separator: tabs, bars, dots, spaced dashes."""
    return [part for part in (part.strip() for part in STRONG_SEPARATOR.split(text)) if part]


def item_list(text: str, limit: int = KEYWORDS) -> list[str]:
    return [clip(item, KEYWORD_CHARS) for item in split_top_level(text) if item][:limit]


def split_top_level(text: str) -> list[str]:
    """Split at commas, semicolons, bars and dots that are not inside brackets."""
    items, depth, current = [], 0, ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if depth <= 0 and char in ",;·|•":
            items.append(current.strip())
            current, depth = "", 0
        else:
            current += char
    items.append(current.strip())
    return [item for item in items if item]
