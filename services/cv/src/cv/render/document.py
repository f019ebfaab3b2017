"""A CV's content as the one reading order every export follows: the header, then the visible
sections in the user's order, each a list of entries with the same parts (title, subtitle,
dates, location, text, bullets, tags). The PDF, DOCX and TXT writers only lay this out, so the
three say the same things in the same order, and ATS parsers meet sections in reading order."""

from dataclasses import dataclass
from itertools import groupby

from cv.content.fields import CUSTOM_REF_PREFIX
from cv.content.schema import section_names_in_order
from cv.content.text import Block, Run, markdown_blocks
from cv.render import labels
from cv.render.options import RenderOptions

Rich = tuple[Block, ...]


@dataclass(frozen=True)
class Link:
    label: str  # what is shown: "zoe@example.com", "github.com/zoeln"
    url: str  # mailto:, tel: or http(s)


@dataclass(frozen=True)
class Entry:
    title: str = ""  # the position, degree, award, skill or language
    subtitle: str = ""  # the organisation, institution, issuer or level
    url: str | None = None
    dates: str = ""  # "Mar 2021 – Present", already in the CV's language and date format
    location: str = ""
    body: Rich = ()  # summaries and descriptions, Markdown subset
    bullets: tuple[tuple[Run, ...], ...] = ()  # highlights, one line of runs each
    tags: tuple[str, ...] = ()  # keywords, courses, roles


@dataclass(frozen=True)
class Section:
    key: str  # "work", ..., or "custom:<id>"
    heading: str
    entries: tuple[Entry, ...]
    # Skills, languages and interests: one line per entry ("Backend: Python, Go") rather than
    # a heading with text under it.
    compact: bool = False


@dataclass(frozen=True)
class Header:
    name: str
    label: str  # the headline
    location: str  # one line: "Warszawa, Mazowieckie, PL"
    links: tuple[Link, ...]  # e-mail, phone, website, then profiles
    summary: Rich
    summary_heading: str  # "Profile" in the CV's language, for writers that head it


@dataclass(frozen=True)
class Document:
    title: str  # the PDF's / DOCX's document title
    author: str
    language: str
    header: Header
    sections: tuple[Section, ...]


_COMPACT = frozenset({"skills", "languages", "interests"})


def build_document(content: dict, title: str, options: RenderOptions) -> Document:
    """The reading order of a validated content (cv.content.schema.validate_content)."""
    basics = content.get("basics") or {}
    name = basics.get("name") or ""
    header = Header(
        name=name,
        label=basics.get("label") or "",
        location=_location(basics.get("location") or {}),
        links=_links(basics),
        summary=markdown_blocks(basics.get("summary") or ""),
        summary_heading=labels.heading("summary", options.language),
    )
    sections = []
    for key in section_names_in_order(content):
        if key.startswith(CUSTOM_REF_PREFIX):
            custom_id = key.removeprefix(CUSTOM_REF_PREFIX)
            section = next(s for s in content.get("custom") or () if s["id"] == custom_id)
            heading, items = section.get("title") or "", section.get("items") or []
            entries = tuple(_custom(item, options) for item in items)
        else:
            heading = labels.heading(key, options.language)
            entries = tuple(_ENTRY[key](item, options) for item in content.get(key) or ())
        entries = tuple(entry for entry in entries if entry != Entry())
        if entries:
            sections.append(Section(key, heading, entries, compact=key in _COMPACT))
    return Document(
        title=f"{name} — {title}" if name and title else name or title,
        author=name,
        language=options.language,
        header=header,
        sections=tuple(sections),
    )


def format_date(value: str | None, options: RenderOptions) -> str:
    """A partial date ("2019", "2019-05", "2019-05-14") or "present" in the CV's format."""
    if not value:
        return ""
    if value == "present":
        return labels.present(options.language)
    parts = value.split("-")
    if len(parts) == 1 or options.date_format == "YYYY":
        return parts[0]
    year, month = parts[0], int(parts[1])
    if options.date_format == "MMM YYYY":
        return f"{labels.month(month, options.language)} {year}"
    if options.date_format == "MM/YYYY":
        return f"{month:02d}/{year}"
    return f"{year}-{month:02d}"


def date_range(start: str | None, end: str | None, options: RenderOptions, *,
               open_ended: bool = False) -> str:
    """"Mar 2021 – Jun 2023"; with `open_ended` (a job), a start without an end runs to the
    present, as JSON Resume readers take it."""
    if open_ended and start and not end:
        end = "present"
    first, last = format_date(start, options), format_date(end, options)
    if first and last and first != last:
        return f"{first} – {last}"
    return first or last


def _location(location: dict) -> str:
    parts = [location.get("city"), location.get("region"), location.get("countryCode")]
    return ", ".join(part for part in parts if part)


def _links(basics: dict) -> tuple[Link, ...]:
    links = []
    if email := basics.get("email"):
        links.append(Link(email, f"mailto:{email}"))
    if phone := basics.get("phone"):
        dialled = "".join(c for c in phone if c.isdigit() or c == "+")
        # "On request" is shown, but is no number to call.
        links.append(Link(phone, f"tel:{dialled}" if any(c.isdigit() for c in dialled) else ""))
    if url := basics.get("url"):
        links.append(Link(_shown(url), url))
    for profile in basics.get("profiles") or ():
        if url := profile.get("url"):
            links.append(Link(_shown(url), url))
        elif profile.get("username"):
            shown = profile["username"]
            if profile.get("network"):
                shown = f"{profile['network']}: {shown}"
            links.append(Link(shown, ""))
    return tuple(links)


def _shown(url: str) -> str:
    """A URL as a reader types it: no scheme, no trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")


def _bullets(item: dict) -> tuple[tuple[Run, ...], ...]:
    lines = []
    for highlight in item.get("highlights") or ():
        for block in markdown_blocks(highlight):
            lines.extend(block.items)
    return tuple(lines)


def _rich(*texts: str | None) -> Rich:
    return tuple(block for text in texts if text for block in markdown_blocks(text))


def _plain_rich(text: str | None) -> Rich:
    """A plain-text field (not one of MARKDOWN_FIELDS) as one paragraph, markup and all."""
    return (Block("p", ((Run(text),),)),) if text else ()


def _work(item: dict, options: RenderOptions) -> Entry:
    return Entry(
        title=item.get("position") or "", subtitle=item.get("name") or "", url=item.get("url"),
        dates=date_range(item.get("startDate"), item.get("endDate"), options, open_ended=True),
        location=item.get("location") or "",
        body=_rich(item.get("description"), item.get("summary")), bullets=_bullets(item),
    )


def _volunteer(item: dict, options: RenderOptions) -> Entry:
    return Entry(
        title=item.get("position") or "", subtitle=item.get("organization") or "",
        url=item.get("url"), dates=date_range(item.get("startDate"), item.get("endDate"), options),
        body=_rich(item.get("summary")), bullets=_bullets(item),
    )


def _education(item: dict, options: RenderOptions) -> Entry:
    degree = ", ".join(part for part in (item.get("studyType"), item.get("area")) if part)
    score = item.get("score")
    return Entry(
        title=degree, subtitle=item.get("institution") or "", url=item.get("url"),
        dates=date_range(item.get("startDate"), item.get("endDate"), options),
        body=_plain_rich(score), tags=tuple(item.get("courses") or ()),
    )


def _award(item: dict, options: RenderOptions) -> Entry:
    return Entry(title=item.get("title") or "", subtitle=item.get("awarder") or "",
                 dates=format_date(item.get("date"), options), body=_rich(item.get("summary")))


def _certificate(item: dict, options: RenderOptions) -> Entry:
    return Entry(title=item.get("name") or "", subtitle=item.get("issuer") or "",
                 url=item.get("url"), dates=format_date(item.get("date"), options))


def _publication(item: dict, options: RenderOptions) -> Entry:
    return Entry(title=item.get("name") or "", subtitle=item.get("publisher") or "",
                 url=item.get("url"), dates=format_date(item.get("releaseDate"), options),
                 body=_rich(item.get("summary")))


def _skill(item: dict, options: RenderOptions) -> Entry:
    return Entry(title=item.get("name") or "", subtitle=item.get("level") or "",
                 tags=tuple(item.get("keywords") or ()))


def _language(item: dict, options: RenderOptions) -> Entry:
    return Entry(title=item.get("language") or "", subtitle=item.get("fluency") or "")


def _interest(item: dict, options: RenderOptions) -> Entry:
    return Entry(title=item.get("name") or "", tags=tuple(item.get("keywords") or ()))


def _reference(item: dict, options: RenderOptions) -> Entry:
    return Entry(title=item.get("name") or "", body=_plain_rich(item.get("reference")))


def _project(item: dict, options: RenderOptions) -> Entry:
    subtitle = ", ".join(part for part in (item.get("entity"), item.get("type")) if part)
    return Entry(
        title=item.get("name") or "", subtitle=subtitle, url=item.get("url"),
        dates=date_range(item.get("startDate"), item.get("endDate"), options),
        body=_rich(item.get("description")), bullets=_bullets(item),
        tags=tuple([*(item.get("roles") or ()), *(item.get("keywords") or ())]),
    )


def _custom(item: dict, options: RenderOptions) -> Entry:
    dates = date_range(item.get("startDate"), item.get("endDate"), options) or format_date(
        item.get("date"), options)
    return Entry(title=item.get("title") or "", subtitle=item.get("subtitle") or "",
                 url=item.get("url"), dates=dates, body=_rich(item.get("summary")),
                 bullets=_bullets(item))


_ENTRY = {
    "work": _work, "volunteer": _volunteer, "education": _education, "awards": _award,
    "certificates": _certificate, "publications": _publication, "skills": _skill,
    "languages": _language, "interests": _interest, "references": _reference,
    "projects": _project,
}


def plain(rich: Rich) -> str:
    """Rich text as plain text (links as "label (url)"), for TXT and for checks."""
    return "\n\n".join(
        "\n".join(("• " if block.kind == "ul" else f"{n}. " if block.kind == "ol" else "")
                  + _line_plain(item)
                  for n, item in enumerate(block.items, start=block.start))
        for block in rich
    )


def _line_plain(runs: tuple[Run, ...]) -> str:
    """A line's runs as text; a link's label (several runs when partly bold) is followed by
    its URL once, unless the label is the URL."""
    out = []
    for url, group in groupby(runs, key=lambda run: run.url):
        label = "".join(run.text for run in group)
        shown = (url or "").removeprefix("mailto:")
        out.append(f"{label} ({shown})" if url and label != shown else label)
    return "".join(out)
