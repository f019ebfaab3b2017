"""The seed's six templates: what the SPA lists (`GET /cvs/templates`) and what the plan gate
checks. Their layouts are `templates/<name>.typ` (PDF); DOCX and TXT share one reading order."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    premium: bool  # billing's `premium_templates` entitlement unlocks it
    # One column, headings as text, no graphics carrying text: what ATS parsers read best.
    ats_safe: bool
    # The body's font unless the CV's options name one (options.FONTS).
    font: str = "Noto Sans"


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("modern", "Modern", "Accent-coloured headings with rules, contact line under the "
             "name.", premium=False, ats_safe=True),
    Template("classic", "Classic", "Serif, centred name, small-caps headings: a traditional "
             "one-column CV.", premium=False, ats_safe=True, font="Noto Serif"),
    Template("minimal", "Minimal", "Plenty of white space, no colour but the accent on the "
             "name.", premium=False, ats_safe=True),
    Template("creative", "Creative", "A coloured sidebar with the photo and contact details "
             "beside the sections; headings as labels, tags as chips.", premium=True,
             ats_safe=False),
    Template("executive", "Executive", "A bold banner with the name and headline, serif body, "
             "dates in the margin.", premium=True, ats_safe=True, font="Noto Serif"),
    Template("tech", "Tech", "Monospace name, headings and dates, skills and keywords as "
             "tags, project titles in the accent.", premium=True, ats_safe=True),
)}

DEFAULT_TEMPLATE = "modern"
