"""The least of a CV a model needs: its text fields with their paths, and never the contact
details (e-mail, phone, address, profile links, photo). What goes to a provider is data the
prompt delimits (`prompts.py`), so nothing in it can be taken for instructions."""

from __future__ import annotations

from cv.content.text import plain_text

# Fields a model may read and rephrase, per section; the rest (dates, URLs, ids) is context at
# most, and contact details are never sent.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "basics": ("label", "summary"),
    "work": ("position", "name", "summary", "description", "highlights"),
    "volunteer": ("position", "organization", "summary", "highlights"),
    "education": ("studyType", "area", "institution", "courses"),
    "awards": ("title", "awarder", "summary"),
    "certificates": ("name", "issuer"),
    "publications": ("name", "publisher", "summary"),
    "skills": ("name", "level", "keywords"),
    "languages": ("language", "fluency"),
    "interests": ("name", "keywords"),
    "projects": ("name", "description", "highlights", "keywords", "roles"),
}
# What may be rephrased: prose, not names of employers, schools or skills.
REPHRASABLE = frozenset({"label", "summary", "description", "highlights"})


def fields(content: dict, section: str, index: int | None = None) -> list[dict]:
    """[{"path": "work[0].highlights[1]", "text": "..."}] for the section (or one entry of it),
    Markdown reduced to plain text."""
    found: list[dict] = []
    value = content.get(section)
    if section == "basics":
        entries = [(section, value or {})]
    else:
        items = list(value or ())
        if index is not None:
            items = [items[index]] if 0 <= index < len(items) else []
            entries = [(f"{section}[{index}]", items[0])] if items else []
        else:
            entries = [(f"{section}[{n}]", item) for n, item in enumerate(items)]
    for path, entry in entries:
        for name in TEXT_FIELDS.get(section, ()):
            text = entry.get(name)
            if isinstance(text, list):
                found.extend({"path": f"{path}.{name}[{n}]", "text": plain_text(str(item))}
                             for n, item in enumerate(text) if item)
            elif text:
                found.append({"path": f"{path}.{name}", "text": plain_text(str(text))})
    return found


def experience_text(content: dict) -> str:
    """The CV's experience, skills and education as plain lines, without contact details: what
    skills suggestions and cover letters are written from."""
    lines = []
    for section in ("basics", "work", "projects", "education", "skills", "certificates",
                    "languages", "volunteer"):
        lines.extend(f"{field['path']}: {field['text']}" for field in fields(content, section))
    return "\n".join(lines)
