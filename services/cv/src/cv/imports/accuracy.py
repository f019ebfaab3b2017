"""How much of a CV an import got right: the content read from a file compared, field by
field, with the content the file was made from. The import tests hold it to a floor; a
template's tests can use it to check that a CV exported with it reads back (what an
applicant tracking system will see).

Text is compared as the reader sees it (Markdown markers dropped, whitespace collapsed);
dates to the month, the precision CVs print; entries are paired by their name (employer,
school, skill, language), so one entry missed costs its own fields only."""

from dataclasses import dataclass, field

from cv.content.text import plain_text

# Per section: the field that names an entry (to pair them) and the fields compared.
_COMPARED: dict[str, tuple[str, tuple[str, ...]]] = {
    "work": ("name", ("name", "position", "startDate", "endDate", "location")),
    "volunteer": ("organization", ("organization", "position", "startDate", "endDate")),
    "education": ("institution", ("institution", "area", "studyType", "startDate", "endDate")),
    "awards": ("title", ("title", "awarder", "date")),
    "certificates": ("name", ("name", "issuer", "date")),
    "publications": ("name", ("name", "publisher", "releaseDate")),
    "skills": ("name", ("name",)),
    "languages": ("language", ("language", "fluency")),
    "interests": ("name", ("name",)),
    "projects": ("name", ("name", "startDate", "endDate")),
}
_BASICS = ("name", "email", "phone", "url", "label")
_LISTS = {"work": "highlights", "volunteer": "highlights", "projects": "highlights",
          "skills": "keywords"}
_DATES = {"startDate", "endDate", "date", "releaseDate"}


@dataclass
class Accuracy:
    """Fields compared (`total`), those read right (`right`), and one line per miss."""

    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.right / self.total if self.total else 1.0

    def check(self, path: str, expected: object, found: object) -> None:
        self.total += 1
        if expected == found:
            self.right += 1
        else:
            self.misses.append(f"{path}: expected {expected!r}, read {found!r}")


def compare(source: dict, parsed: dict, sections: tuple[str, ...] = tuple(_COMPARED)) -> Accuracy:
    """Compare the basics, each profile URL and the given sections of `source` (only fields it
    has) with what `parsed` holds."""
    result = Accuracy()
    basics, read_basics = source.get("basics") or {}, parsed.get("basics") or {}
    for name in _BASICS:
        if basics.get(name):
            result.check(f"basics.{name}", _text(basics[name]), _text(read_basics.get(name)))
    read_profiles = {_text(item.get("url")) for item in read_basics.get("profiles") or []}
    for index, item in enumerate(basics.get("profiles") or []):
        url = _text(item.get("url"))
        result.check(f"basics.profiles[{index}].url", url, url if url in read_profiles else None)
    for section in sections:
        key, fields = _COMPARED[section]
        read = parsed.get(section) or []
        for index, entry in enumerate(source.get(section) or []):
            match = _pair(entry, read, key, index)
            for name in fields:
                if entry.get(name):
                    result.check(f"{section}[{index}].{name}", _value(name, entry[name]),
                                 _value(name, match.get(name)))
            if list_name := _LISTS.get(section):
                expected_items = entry.get(list_name) or []
                read_items = [_text(item) for item in match.get(list_name) or []]
                for number, item in enumerate(expected_items):
                    found = read_items[number] if number < len(read_items) else None
                    result.check(f"{section}[{index}].{list_name}[{number}]", _text(item), found)
    return result


def _pair(entry: dict, read: list[dict], key: str, index: int) -> dict:
    wanted = _text(entry.get(key))
    for candidate in read:
        if wanted and _text(candidate.get(key)) == wanted:
            return candidate
    return read[index] if index < len(read) else {}


def _value(name: str, value: object) -> object:
    if name in _DATES and isinstance(value, str):
        return value[:7]  # to the month
    return _text(value)


def _text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(plain_text(value).split())
