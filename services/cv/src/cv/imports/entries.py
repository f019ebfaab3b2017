"""The fields of one CV entry read from its lines: which part of a head is the job title and
which the employer, the degree and the school, where the dates and places are; the body's
list items as highlights and its running text as summary. Sections that are lists are
`lists.py`'s."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cv.content.fields import (
    ENTRIES,
    HIGHLIGHTS,
    ITEM_CHARS,
    KEYWORD_CHARS,
    LONG_CHARS,
    SHORT_CHARS,
)
from cv.imports.contacts import find_urls, url_key, web_url
from cv.imports.dates import DateRange
from cv.imports.entry_words import (
    DEGREE_ABBREVIATION,
    company_score,
    degree_score,
    institution_score,
    role_score,
)
from cv.imports.fitting import clip
from cv.imports.lines import (
    LABELLED,
    STRONG_SEPARATOR,
    Entry,
    item_list,
    line_dates,
    line_parts,
    looks_like_place,
)

# Certificates, awards, publications and references are often one line each.
ONE_LINE_SECTIONS = frozenset({"certificates", "awards", "publications", "references"})

_AT = re.compile(r"\s+(?:at|@|bei|chez)\s+", re.IGNORECASE)
_DEGREE_IN = re.compile(r"\s+(?:in|en|im)\s+")  # "Master of Science in ...", "Grado en ..."
_LABELS = {
    "courses": """courses | relevant coursework | coursework | relevant courses | modules |
        kurse | lehrveranstaltungen | schwerpunkte | cursos | asignaturas | cours | matières""",
    "score": """gpa | grade | grades | final grade | note | abschlussnote | endnote | nota |
        nota media | calificación | mention | score | result""",
    "keywords": """keywords | technologies | technology | tech | stack | tech stack | tools |
        technologien | werkzeuge | tecnologías | herramientas | technologies utilisées |
        outils | stack technique | skills""",
    "roles": "role | roles | rolle | rollen | rol | rôle | rôles",
}
_LABEL_OF = {
    label.strip(): name for name, labels in _LABELS.items() for label in labels.split("|")
}



@dataclass
class _Head:
    """An entry's head taken apart: its title parts, the other lines of facts, what stood
    beside the dates on their line (a place, usually), the dates and the entry's link."""

    titles: list[str]
    others: list[str] = field(default_factory=list)
    beside_dates: str = ""
    dates: DateRange | None = None
    url: str | None = None


def _read_head(entry: Entry) -> _Head:
    texts: list[str] = []
    dates, date_index, url = None, None, None
    for index, line in enumerate(entry.head):
        text = line.text
        if dates is None and (found := line_dates(text)):
            dates, date_index = found, index
            text = _without(text, found.span)
        links = [web_url(link) for link in line.links
                 if not link.lower().startswith(("mailto:", "tel:"))]
        links = [link for link in links if link]
        url = url or (links[0] if links else None)
        linked = {url_key(link) for link in links}
        words = text.split(" ")
        # A written address goes to the URL; so does a bare domain that is a link's label.
        written = [word for word in words if _written_url(word) or (
            linked and url_key(word.strip("()[]<>,;")) in linked)]
        url = url or (web_url(written[0].strip("()[]<>,;")) if written else None)
        kept = " ".join(word for word in words if word not in written)
        texts.append(re.sub(r"(?:\s*[·|]\s*){2,}", " · ", kept).strip(" ·|,\t"))
    strong = [index for index, line in enumerate(entry.head)
              if line.level > entry.base and texts[index]]
    if not strong:
        strong = [index for index, text in enumerate(texts) if text][:1]
    titles = [texts[index] for index in strong]
    beside = ""
    if date_index is not None and date_index not in strong:
        beside = texts[date_index]
    others = [text for index, text in enumerate(texts)
              if text and index not in strong and index != date_index]
    return _Head(titles, others, beside, dates, url)


def _without(text: str, span: tuple[int, int]) -> str:
    """The line without the dates, and without the brackets and separators left around them."""
    rest = text[: span[0]] + "\t" + text[span[1]:]
    rest = re.sub(r"[(\[]\s*\t\s*[)\]]", "\t", rest)
    parts = [part.strip(" ,;:|·•–—-") for part in STRONG_SEPARATOR.split(rest)]
    return " · ".join(part for part in parts if part)


def _written_url(word: str) -> bool:
    """A web address written out in a head ("https://x.dev", "www.x.dev", "github.com/a/b");
    a bare domain is left alone, as it is often a name ("Booking.com")."""
    word = word.strip("()[]<>,;")
    return bool(find_urls(word)) and (
        word.lower().startswith(("http://", "https://", "www.")) or "/" in word.rstrip("/"))


def _titled(score: Callable[[str], int], first: str, second: str) -> tuple[str, str]:
    """The two parts ordered so the one `score` prefers comes first (ties keep the order)."""
    return (second, first) if score(second) > score(first) else (first, second)


def _role_minus_company(text: str) -> int:
    return role_score(text) - company_score(text)


def _role_and_org(titles: list[str]) -> tuple[str | None, str | None, str | None]:
    """(position, organisation, place) from an entry's title lines: "Staff Engineer,
    Kestrel", "Kestrel — Staff Engineer", "Engineer at Kestrel" or two lines."""
    if not titles:
        return None, None, None
    if len(titles) >= 2:
        first, second = _titled(_role_minus_company, titles[0], titles[1])
        return first, second, None
    text = titles[0]
    parts = line_parts(text)
    if len(parts) >= 2:
        first, second = _titled(_role_minus_company, parts[0], parts[1])
        return first, second, " · ".join(parts[2:]) or None
    if len(at := _AT.split(text, maxsplit=1)) == 2:
        return at[0], at[1], None
    if ", " in text:
        first, second = text.split(", ", 1)
        first, second = _titled(_role_minus_company, first, second)
        return first, second, None
    if company_score(text) > role_score(text):
        return None, text, None
    return text, None, None


def _org_and_place(text: str) -> tuple[str, str | None]:
    """"Kestrel Payments, Warsaw, Poland": the organisation and the place after it."""
    parts = line_parts(text)
    if len(parts) >= 2:
        return parts[0], " · ".join(parts[1:])
    if ", " in text:
        org, rest = text.split(", ", 1)
        if looks_like_place(rest, alone=True) and not company_score(rest):
            return org, rest
    return text, None


def _body(entry: Entry) -> tuple[list[str], list[str]]:
    """The body's running text and its list items."""
    texts = [line.text for line in entry.body if not line.bullet]
    items = [clip(line.text, ITEM_CHARS) for line in entry.body if line.bullet][:HIGHLIGHTS]
    return texts, items


def _labelled(texts: list[str]) -> tuple[dict[str, str], list[str]]:
    """Lines like "Keywords: PostgreSQL, Go" by what they label, and the other lines."""
    found: dict[str, str] = {}
    rest = []
    for text in texts:
        match = LABELLED.fullmatch(text)
        label = _LABEL_OF.get(match["label"].strip().casefold()) if match else None
        if label and match and label not in found:
            found[label] = match["value"]
        else:
            rest.append(text)
    return found, rest


def _dated(item: dict, dates: DateRange | None) -> dict:
    if dates:
        item["startDate"] = dates.start
        if dates.end:
            item["endDate"] = dates.end
    return item


def _text(texts: list[str]) -> str | None:
    return clip("\n".join(texts), LONG_CHARS) if texts else None


def work(entry: Entry) -> dict:
    head = _read_head(entry)
    position, company, place = _role_and_org(head.titles)
    others = list(head.others)
    beside = head.beside_dates
    if company is None or position is None:
        line = None
        if beside and not looks_like_place(beside):
            line, beside = beside, ""
        elif others:
            line = others.pop(0)
        if line is not None:
            other, more_place = _org_and_place(line)
            place = place or more_place
            known = position or company or ""
            # The title line held the employer when only this line reads like a job title.
            if role_score(other) > role_score(known):
                position, company = other, known or None
            elif company is None:
                company = other
            else:
                position = other
    if not (beside or place) and others and looks_like_place(others[0], alone=True):
        place = others.pop(0)
    texts, highlights = _body(entry)
    return _dated({
        "name": company, "position": position, "location": beside or place, "url": head.url,
        "description": _text(others), "summary": _text(texts), "highlights": highlights,
    }, head.dates)


def volunteer(entry: Entry) -> dict:
    item = work(entry)
    item["organization"] = item.pop("name")
    item.pop("location", None)
    if description := item.pop("description", None):
        item["summary"] = _text([description, *(item.get("summary") or "").split("\n")])
    return item


def education(entry: Entry) -> dict:
    head = _read_head(entry)
    labels, others = _labelled(head.others)
    parts: list[str] = []
    for title in head.titles:
        parts.extend(_school_apart(part) for part in line_parts(title))
    parts = [part for group in parts for part in group]
    candidates = parts + ([head.beside_dates] if head.beside_dates else []) + others
    school = _best(candidates, lambda text: institution_score(text) - degree_score(text))
    remaining = [text for text in candidates if text != school]
    degree = _best(remaining, lambda text: degree_score(text) - institution_score(text))
    if school is None and remaining:
        school = next((text for text in remaining if text != degree), None)
    if degree is None:
        degree = next((text for text in parts if text != school), None)
    study_type, area = _degree_fields(degree) if degree else (None, None)
    texts, items = _body(entry)
    body_labels, _ = _labelled(texts)
    labels = {**body_labels, **labels}
    courses = item_list(labels["courses"], ENTRIES) if "courses" in labels else items[:ENTRIES]
    return _dated({
        "institution": school, "area": area, "studyType": study_type, "url": head.url,
        "score": clip(labels["score"], SHORT_CHARS) if "score" in labels else None,
        "courses": [clip(course, KEYWORD_CHARS) for course in courses],
    }, head.dates)


def _school_apart(text: str) -> list[str]:
    """"Master of Science in CS, Politechnika Warszawska" as the degree and the school."""
    pieces = text.split(", ")
    for index, piece in enumerate(pieces):
        if len(pieces) > 1 and institution_score(piece) > 0 and degree_score(piece) == 0:
            rest = ", ".join(pieces[:index] + pieces[index + 1:])
            return [rest, piece] if index else [piece, rest]
    return [text]


def _best(texts: list[str], score: Callable[[str], int]) -> str | None:
    scored = [(score(text), -index, text) for index, text in enumerate(texts)]
    best = max(scored, default=None)
    return best[2] if best and best[0] > 0 else None


def _degree_fields(text: str) -> tuple[str | None, str | None]:
    """(studyType, area) of "Master of Science in Computer Science", "MSc Informatik",
    "Exchange, Mathematics", "Computer Science"."""
    for splitter in (_DEGREE_IN, re.compile(r",\s+"), re.compile(r"\s+[-–—]\s+")):
        parts = splitter.split(text, maxsplit=1)
        if len(parts) == 2 and parts[0] and parts[1] and (
                splitter is not _DEGREE_IN or degree_score(parts[0])):
            return parts[0], parts[1]
    if match := DEGREE_ABBREVIATION.fullmatch(text):
        return match["degree"], match["area"]
    return (text, None) if degree_score(text) else (None, text)


def projects(entry: Entry) -> dict:
    head = _read_head(entry)
    title_parts = line_parts(head.titles[0]) if head.titles else []
    name = title_parts[0] if title_parts else None
    texts, highlights = _body(entry)
    labels, rest = _labelled(head.others + texts)
    roles = item_list(labels["roles"]) if "roles" in labels else []
    description = [*title_parts[1:], head.beside_dates, *rest] if len(title_parts) < 3 else [
        *title_parts[2:], head.beside_dates, *rest]
    if len(title_parts) >= 3 or (len(title_parts) == 2 and role_score(title_parts[1])):
        roles = roles or item_list(title_parts[1])
        description = [text for text in description if text != title_parts[1]]
    return _dated({
        "name": name, "description": _text([text for text in description if text]),
        "highlights": highlights, "url": head.url, "roles": roles,
        "keywords": item_list(labels["keywords"]) if "keywords" in labels else [],
    }, head.dates)


def _title_and_by(head: _Head) -> tuple[str | None, str | None]:
    """An award's, certificate's or publication's name and who gave or published it."""
    parts = [part for title in head.titles for part in line_parts(title)]
    if len(parts) >= 2:
        return parts[0], parts[1]
    if parts and ", " in parts[0]:
        name, by = parts[0].rsplit(", ", 1)
        return name, by
    by = head.beside_dates or (head.others[0] if head.others else None)
    return (parts[0] if parts else None), by


def _one_date(head: _Head) -> str | None:
    return head.dates.start if head.dates else None


def _rest_of_head(head: _Head, used: str | None) -> list[str]:
    return [text for text in (head.beside_dates, *head.others) if text and text != used]


def awards(entry: Entry) -> dict:
    head = _read_head(entry)
    title, awarder = _title_and_by(head)
    texts, items = _body(entry)
    return {"title": title, "awarder": awarder, "date": _one_date(head),
            "summary": _text([*_rest_of_head(head, awarder), *texts, *items])}


def certificates(entry: Entry) -> dict:
    head = _read_head(entry)
    name, issuer = _title_and_by(head)
    return {"name": name, "issuer": issuer, "date": _one_date(head), "url": head.url}


def publications(entry: Entry) -> dict:
    head = _read_head(entry)
    name, publisher = _title_and_by(head)
    texts, items = _body(entry)
    return {"name": name, "publisher": publisher, "releaseDate": _one_date(head),
            "url": head.url, "summary": _text([*_rest_of_head(head, publisher), *texts, *items])}


def references(entry: Entry) -> dict:
    head = _read_head(entry)
    texts, items = _body(entry)
    name = " · ".join(head.titles) or None
    return {"name": name, "reference": _text([*head.others, *texts, *items])}


ENTRY_READERS: dict[str, Callable[[Entry], dict]] = {
    "work": work, "volunteer": volunteer, "education": education, "projects": projects,
    "awards": awards, "certificates": certificates, "publications": publications,
    "references": references,
}


def custom_section(section_id: str, title: str, found: list[Entry]) -> dict:
    """A section whose heading we do not know, as a custom section, entry by entry."""
    items = []
    for entry in found[:ENTRIES]:
        head = _read_head(entry)
        parts = [part for text in head.titles for part in line_parts(text)]
        texts, highlights = _body(entry)
        item: dict = {
            "title": parts[0] if parts else None,
            "subtitle": " · ".join(parts[1:]) or None,
            "summary": _text([*_rest_of_head(head, None), *texts]),
            "highlights": highlights, "url": head.url,
        }
        if head.dates and head.dates.single:
            item["date"] = head.dates.start
        else:
            _dated(item, head.dates)
        items.append(item)
    return {"id": section_id, "title": clip(title), "items": items}
