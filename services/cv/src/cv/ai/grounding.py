"""Never a hallucinated CV: a suggested rephrasing may only say what the CV already says. Each
suggestion is checked against the text it rewrites and the rest of the CV; numbers, dates,
names (employers, schools, titles written as names) and skills that appear in the suggestion
but nowhere in the CV are reported, and such a suggestion is not offered as is."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

# 40%, 1,200, 3.5, 2019, T+0: digits with what binds to them.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A word in capitals or starting with one: candidate names ("Google", "AWS", "McKinsey").
_WORD = re.compile(r"[^\W\d_][\w'’&.-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;•\n]\s*$")
# Capitalised words a rephrasing may bring without inventing anything.
_FREE = frozenset("""
i a an the and or of for to in on at by with as from into over under via per
led built designed developed managed launched delivered drove created improved reduced increased
spearheaded owned ran mentored introduced shipped grew cut automated migrated architected
""".split())


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[.,]", "", match) for match in _NUMBER.findall(text)}


def _names(text: str) -> list[str]:
    """Capitalised words that do not start a sentence (or all-capital ones anywhere)."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        before = text[:match.start()]
        starts_sentence = not before.strip() or bool(_SENTENCE_END.search(before))
        if word[0].isupper() and (not starts_sentence or (word.isupper() and len(word) > 1)):
            found.append(word.strip(".-'’"))
    return [word for word in found if word and _fold(word) not in _FREE]


def unsupported(suggestion: str, sources: Iterable[str],
                skills_in: Callable[[str], set[str]] | None = None) -> list[str]:
    """What `suggestion` states that none of `sources` (the text rewritten and the rest of the
    CV) does: numbers, names and (with `skills_in`, the skill vocabulary) skills."""
    source = "\n".join(sources)
    folded_source = _fold(source)
    source_words = set(_WORD.findall(folded_source))
    source_numbers = _numbers(source)
    claims = [f"number {n}" for n in sorted(_numbers(suggestion) - source_numbers)]
    claims += [f"name {w}" for w in dict.fromkeys(_names(suggestion))
               if _fold(w) not in source_words and _fold(w) not in folded_source]
    if skills_in is not None:
        claims += [f"skill {s}" for s in sorted(skills_in(suggestion) - skills_in(source))]
    return claims
