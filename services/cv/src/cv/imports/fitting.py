"""Making what a parser read fit the content model: text clipped to its field's limit, empty
values left out, and whatever the model still refuses (an impossible date, a range that runs
backwards, a CV too large in total) cut away, so an import never fails on an odd CV."""

import re
from typing import Any

from cv.content.fields import NAME_CHARS
from cv.content.schema import BODY_SECTIONS, ContentInvalid, validate_content

# Each repair removes or shortens one value; a CV needing more than this is not one.
_MAX_REPAIRS = 500
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_AT_MOST_CHARS = re.compile(r"must be at most (\d+) characters")
_AT_MOST_ENTRIES = re.compile(r"must have at most (\d+) entries")


def clip(text: str, limit: int = NAME_CHARS) -> str:
    """The text, cut at a word boundary with an ellipsis when it is longer than `limit`."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def fit_content(data: dict[str, Any]) -> dict[str, Any]:
    """The content validated (`validate_content`), after taking out what it refuses."""
    data = _without_empty(data) or {}
    for _ in range(_MAX_REPAIRS):
        try:
            return validate_content(data)
        except ContentInvalid as exc:
            if exc.field:
                _repair(data, exc.field, exc.message)
            elif not _drop_last_entry(data):
                break
    return validate_content({})


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {key: _without_empty(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        kept = [_without_empty(item) for item in value]
        return [item for item in kept if item not in (None, "", [], {})]
    if isinstance(value, str):
        return value.strip()
    return value


def _repair(data: dict[str, Any], field: str, message: str) -> None:
    path: list[str | int] = [
        name if name else int(index) for name, index in _PATH_PART.findall(field)
    ]
    parent: Any = data
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            data.pop(str(path[0]), None)
            return
    last = path[-1]
    try:
        value = parent[last]
    except (KeyError, IndexError, TypeError):
        data.pop(str(path[0]), None)
        return
    if (chars := _AT_MOST_CHARS.search(message)) and isinstance(value, str):
        parent[last] = clip(value, int(chars[1]))
    elif (entries := _AT_MOST_ENTRIES.search(message)) and isinstance(value, list):
        del value[int(entries[1]):]
    else:
        del parent[last]  # a list's item or an object's field alike


def _drop_last_entry(data: dict[str, Any]) -> bool:
    """Make a CV that is too large in total smaller by its longest section's last entry."""
    lists = [name for name in (*BODY_SECTIONS, "custom") if data.get(name)]
    if not lists:
        return False
    longest = max(lists, key=lambda name: len(str(data[name])))
    data[longest].pop()
    return True
