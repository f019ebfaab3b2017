"""The TXT export: a Document (document.py) as plain UTF-8 text in the same reading order, for
pasting into an application form or an ATS's text box. Section headings are in capitals and
underlined, entries are separated by a blank line, links are written out. Lines are not
wrapped: a form wraps them itself, and a hard break in the middle of a sentence stays there
once pasted."""

import unicodedata

from cv.content.text import Block
from cv.render.document import Document, Entry, Header, Section, plain
from cv.render.options import RenderOptions

SEPARATOR = " · "


def render_text(document: Document, options: RenderOptions) -> str:
    """The CV as plain text. `options` change nothing in it today (the dates in `document` are
    already formatted); the parameter keeps every writer called the same way."""
    parts = [_header(document.header)]
    if document.header.summary:
        parts.append(_heading(document.header.summary_heading) + "\n"
                     + _rich(document.header.summary))
    parts.extend(_section(section) for section in document.sections)
    return "\n\n".join(part for part in parts if part) + "\n"


def _header(header: Header) -> str:
    links = []
    for link in header.links:
        # An e-mail address or a phone number is its own text; a web link is written in full.
        written = link.url.startswith(("http://", "https://"))
        links.append(link.url if written else link.label)
    lines = [header.name, header.label, header.location, SEPARATOR.join(links)]
    return "\n".join(line for line in lines if line)


def _heading(text: str) -> str:
    text = text.upper()
    return f"{text}\n{'=' * _width(text)}"


def _width(text: str) -> int:
    """Columns `text` takes in a monospaced font: CJK characters two, combining marks none."""
    return sum(0 if unicodedata.combining(char) else
               2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def _section(section: Section) -> str:
    if section.compact:
        body = "\n".join(_compact_entry(entry) for entry in section.entries)
    else:
        body = "\n\n".join(_entry(entry) for entry in section.entries)
    return f"{_heading(section.heading)}\n{body}" if section.heading else body


def _entry(entry: Entry) -> str:
    details = [part for part in (entry.dates, entry.location, entry.url) if part]
    lines = [
        " — ".join(part for part in (entry.title, entry.subtitle) if part),
        SEPARATOR.join(details),
        _rich(entry.body),
        plain((Block("ul", entry.bullets),)) if entry.bullets else "",
        ", ".join(entry.tags),
    ]
    return "\n".join(line for line in lines if line)


def _compact_entry(entry: Entry) -> str:
    """One line: "Title — Subtitle: tag, tag" (skills, languages, interests)."""
    head = " — ".join(part for part in (entry.title, entry.subtitle) if part)
    tags = ", ".join(entry.tags)
    return f"{head}: {tags}" if head and tags else head or tags


def _rich(rich: tuple[Block, ...]) -> str:
    # Blocks one per line, not a blank line apart as plain() has them: blank lines separate
    # entries here.
    return "\n".join(plain((block,)) for block in rich)
