"""Sections that are lists, read line by line: skills and interests ("Name (level): a, b", an
emphasised name with its list below, or a plain list) and languages ("English: Fluent",
"German (C1)", "Polish, English")."""

import re
from collections.abc import Callable

from cv.content.fields import ENTRIES, SHORT_CHARS
from cv.imports.contacts import find_urls
from cv.imports.fitting import clip
from cv.imports.lines import LABELLED, Line, item_list, line_parts, split_top_level

# A level after a skill's name: "Python (Expert)", "Go — Advanced".
_LEVEL_WORDS = frozenset("""
    master expert advanced intermediate beginner basic basics proficient fluent native
    experte fortgeschritten grundkenntnisse gut sehr gut experto avanzado intermedio básico
    avancé avancée intermédiaire débutant notions
""".split())


def _name_and_level(text: str) -> tuple[str, str | None]:
    """"Backend development (Master)" or "Go — Advanced": the name and the level."""
    if match := re.fullmatch(r"(?P<name>.+?)\s*\((?P<level>[^(),]{1,40})\)", text):
        return match["name"], match["level"]
    parts = line_parts(text)
    if len(parts) == 2 and parts[1].casefold() in _LEVEL_WORDS:
        return parts[0], parts[1]
    return text, None


def _named_lists(lines: list[Line]) -> list[tuple[str, str | None, list[str]]]:
    """(name, level, keywords) for each "Name: a, b", "Name (level): a, b", emphasised name
    with its list on the next line, or each item of a plain list."""
    base = min((line.level for line in lines), default=0)
    found: list[tuple[str, str | None, list[str]]] = []
    waiting: int | None = None  # index in `found` of an emphasised name awaiting its list
    for line in lines:
        text = line.text
        match = LABELLED.fullmatch(text)
        if match and not find_urls(match["label"]):
            name, level = _name_and_level(match["label"])
            found.append((name, level, item_list(match["value"])))
            waiting = None
        elif line.level > base and not line.bullet and len(split_top_level(text)) == 1:
            name, level = _name_and_level(text)
            found.append((name, level, []))
            waiting = len(found) - 1
        elif waiting is not None:
            name, level, _ = found[waiting]
            found[waiting] = (name, level, item_list(text))
            waiting = None
        else:
            for item in split_top_level(text):
                name, level = _name_and_level(item)
                found.append((name, level, []))
    return found


def skills(lines: list[Line]) -> list[dict]:
    return [{"name": clip(name), "level": clip(level, SHORT_CHARS) if level else None,
             "keywords": keywords} for name, level, keywords in _named_lists(lines)][:ENTRIES]


def interests(lines: list[Line]) -> list[dict]:
    found = []
    for name, level, keywords in _named_lists(lines):
        # "Climbing (bouldering, route setting)" holds its keywords in the brackets.
        if match := re.fullmatch(r"(?P<name>.+?)\s*\((?P<keywords>[^()]+)\)", name):
            name, keywords = match["name"], keywords or item_list(match["keywords"])
        elif level:
            keywords = keywords or item_list(level)
        found.append({"name": clip(name), "keywords": keywords})
    return found[:ENTRIES]


_FLUENCY_SEPARATOR = re.compile(r"\s*[:：\t]\s*|\s+[–—-]\s+")


def languages(lines: list[Line]) -> list[dict]:
    found = []
    for line in lines:
        items = split_top_level(line.text)
        if len(items) > 1 and not all(_FLUENCY_SEPARATOR.search(item) or "(" in item
                                      for item in items):
            # "English: Fluent, business level" is one language, "Polish, English" two.
            items = [line.text] if _FLUENCY_SEPARATOR.search(line.text) else items
        for item in items:
            parts = _FLUENCY_SEPARATOR.split(item, maxsplit=1)
            if len(parts) == 2:
                language, fluency = parts
            elif match := re.fullmatch(r"(?P<language>[^()]+?)\s*\((?P<fluency>.+)\)", item):
                language, fluency = match["language"], match["fluency"]
            else:
                language, fluency = item, None
            found.append({"language": clip(language),
                          "fluency": clip(fluency, SHORT_CHARS) if fluency else None})
    return found[:ENTRIES]


LIST_READERS: dict[str, Callable[[list[Line]], list[dict]]] = {
    "skills": skills, "languages": languages, "interests": interests,
}
