"""What analysis reads from a CV's (validated) content: the text of every field an export
shows, with its path; the skills section and keywords; the headline and positions; where the
candidate lives; and the months each job covers, with the years of experience they add up to.
Hidden sections are left out: the exports, and so an ATS, never see them."""

import datetime
from dataclasses import dataclass

from cv.content.fields import CUSTOM_REF_PREFIX, MARKDOWN_FIELDS
from cv.content.schema import section_names_in_order
from cv.content.text import plain_text

# The fields of each section that an export shows (cv.render.document), in its order.
_SHOWN: dict[str, tuple[str, ...]] = {
    "work": ("position", "name", "location", "description", "summary", "highlights"),
    "volunteer": ("position", "organization", "summary", "highlights"),
    "education": ("studyType", "area", "institution", "score", "courses"),
    "awards": ("title", "awarder", "summary"),
    "certificates": ("name", "issuer"),
    "publications": ("name", "publisher", "summary"),
    "skills": ("name", "level", "keywords"),
    "languages": ("language", "fluency"),
    "interests": ("name", "keywords"),
    "references": ("name", "reference"),
    "projects": ("name", "entity", "type", "description", "highlights", "roles", "keywords"),
}
_CUSTOM_ITEM_SHOWN = ("title", "subtitle", "summary", "highlights")
_BASICS_SHOWN = ("name", "label", "summary")
# Where a CV lists its skills as such, apart from its prose (spoken languages are skills
# job ads ask for).
_SKILL_LISTS = {"skills": ("name", "keywords"), "projects": ("keywords",),
                "languages": ("language",)}


@dataclass(frozen=True)
class Field:
    path: str  # "work[0].highlights[2]"
    text: str  # plain text (the Markdown subset's syntax removed)


def _values(path: str, name: str, value: object) -> list[Field]:
    texts = value if isinstance(value, list) else [value]
    fields = []
    for index, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            continue
        where = f"{path}.{name}[{index}]" if isinstance(value, list) else f"{path}.{name}"
        fields.append(Field(where, plain_text(text) if name in MARKDOWN_FIELDS else text))
    return fields


def shown_fields(content: dict) -> list[Field]:
    """Every text an export of the content shows: the header's name, headline, summary and
    city, then each visible section's entries."""
    basics = content.get("basics") or {}
    fields = [field for name in _BASICS_SHOWN for field in _values("basics", name,
                                                                     basics.get(name))]
    location = basics.get("location") or {}
    for name in ("city", "region"):
        fields.extend(_values("basics.location", name, location.get(name)))
    custom = {section.get("id"): (index, section)
              for index, section in enumerate(content.get("custom") or ())}
    for key in section_names_in_order(content):
        if key.startswith(CUSTOM_REF_PREFIX):
            index, section = custom[key.removeprefix(CUSTOM_REF_PREFIX)]
            path = f"custom[{index}]"
            fields.extend(_values(path, "title", section.get("title")))
            for number, item in enumerate(section.get("items") or ()):
                fields.extend(field for name in _CUSTOM_ITEM_SHOWN
                              for field in _values(f"{path}.items[{number}]", name,
                                                   item.get(name)))
            continue
        for number, item in enumerate(content.get(key) or ()):
            fields.extend(field for name in _SHOWN[key]
                          for field in _values(f"{key}[{number}]", name, item.get(name)))
    return fields


def skill_fields(content: dict) -> list[Field]:
    """The skills section's names and keywords, the projects' keywords and the languages,
    where visible."""
    visible = set(section_names_in_order(content))
    return [field for section, names in _SKILL_LISTS.items() if section in visible
            for number, item in enumerate(content.get(section) or ())
            for name in names for field in _values(f"{section}[{number}]", name, item.get(name))]


def titles(content: dict, today: datetime.date) -> list[str]:
    """The headline (basics.label), then the positions of visible work entries, most recent
    first, those without a start date last."""
    label = (content.get("basics") or {}).get("label") or ""
    positions = [content["work"][period.index].get("position") or ""
                 for period in work_periods(content, today)]
    undated = [entry.get("position") or "" for entry in content.get("work") or ()
               if not entry.get("startDate")] if "work" in section_names_in_order(content) else []
    return [title for title in (label, *positions, *undated) if title.strip()]


def location(content: dict) -> tuple[str, str, str]:
    """(city, region, country code) from basics.location, each "" when not given."""
    where = (content.get("basics") or {}).get("location") or {}
    return (where.get("city") or "", where.get("region") or "",
            (where.get("countryCode") or "").upper())


def month_of(value: str | None, *, last: bool = False) -> int | None:
    """A partial date as a month number (year * 12 + month - 1): its first month, or with
    `last` its last ("2019" -> January or December 2019). None for no date or "present"."""
    if not value or value == "present":
        return None
    parts = value.split("-")
    try:
        year = int(parts[0])
        if len(parts) > 1:
            return year * 12 + int(parts[1]) - 1
    except ValueError:
        return None
    return year * 12 + (11 if last else 0)


def month_today(today: datetime.date) -> int:
    return today.year * 12 + today.month - 1


@dataclass(frozen=True)
class Period:
    """The months a work entry covers, both ends included."""
    index: int  # in content["work"]
    start: int  # month_of(startDate)
    end: int  # month_of(endDate, last=True), or this month for a current job
    current: bool  # endDate "present" or absent


def work_periods(content: dict, today: datetime.date) -> list[Period]:
    """The visible work entries with a start date, most recent start first (ties in list
    order)."""
    if "work" not in section_names_in_order(content):
        return []
    now = month_today(today)
    periods = []
    for index, entry in enumerate(content.get("work") or ()):
        start = month_of(entry.get("startDate"))
        if start is None:
            continue
        end_date = entry.get("endDate")
        current = not end_date or end_date == "present"
        end = now if current else month_of(end_date, last=True)
        periods.append(Period(index, start, max(start, now if end is None else end), current))
    return sorted(periods, key=lambda period: (-period.start, period.index))


def years_of_experience(periods: list[Period], today: datetime.date) -> float:
    """Years covered by at least one job up to today, overlaps counted once."""
    now = month_today(today)
    months = 0
    covered_until = None
    for period in sorted(periods, key=lambda period: period.start):
        start, end = period.start, min(period.end, now)
        if covered_until is not None:
            start = max(start, covered_until + 1)
        if end >= start:
            months += end - start + 1
            covered_until = end if covered_until is None else max(covered_until, end)
    return round(months / 12, 1)
