"""Dates as CVs write them, in English, Spanish, German and French ("Mar 2019 – Present",
"03/2019 - 2021", "seit 2019", "sept. 2016 – aujourd'hui", "17. Mai 2019"), turned into the
content's partial dates ("2019", "2019-03", "2019-03-17") and "present"."""

import datetime
import re
from dataclasses import dataclass

_MONTHS = {
    1: "january jan januar jän jänner enero ene janvier janv",
    2: "february feb februar febrero février fevrier févr fevr fév",
    3: "march mar märz mär maerz marzo mars",
    4: "april apr abril abr avril avr",
    5: "may mai mayo",
    6: "june jun juni junio juin",
    7: "july jul juli julio juillet juil",
    8: "august aug agosto ago août aout",
    9: "september sep sept septiembre setiembre set septembre",
    10: "october oct oktober okt octubre octobre",
    11: "november nov noviembre novembre",
    12: "december dec dezember dez diciembre dic décembre decembre déc",
}
_MONTH_NUMBER = {name: number for number, names in _MONTHS.items() for name in names.split()}
# Longest first, so "sept" is not read as "sep" followed by a stray "t".
_MONTH = "|".join(sorted(map(re.escape, _MONTH_NUMBER), key=len, reverse=True))

_PRESENT_WORDS = (
    "present", "current", "now", "today", "ongoing", "to date", "till date",
    "heute", "aktuell", "jetzt", "laufend", "derzeit", "dato",
    "actualidad", "presente", "actual", "actualmente", "hoy", "la fecha",
    "aujourd'hui", "aujourd’hui", "présent", "ce jour", "en cours", "maintenant",
)
_PRESENT = "|".join(sorted(map(re.escape, _PRESENT_WORDS), key=len, reverse=True))

_YEAR = r"(?:19[5-9]\d|20\d\d)"
_DAY = r"(?:[0-2]?\d|3[01])"
_ONE_DATE = (
    rf"{_DAY}\.\s?\d{{1,2}}\.\s?{_YEAR}"  # 17.05.2019
    rf"|{_DAY}/\d{{1,2}}/{_YEAR}"  # 17/05/2019
    rf"|{_YEAR}-\d{{1,2}}-{_DAY}"  # 2019-05-17
    rf"|{_YEAR}[-/.]\d{{1,2}}(?!\d)"  # 2019-05
    rf"|\d{{1,2}}[/.-]{_YEAR}"  # 05/2019
    # 17 May 2019, 17. Mai 2019, 1er mai 2019, 17 de mayo de 2019, May 17, 2019, Mar. 2019
    rf"|(?:{_DAY}(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?)?(?:{_MONTH})\.?,?\s+(?:de\s+)?"
    rf"(?:{_DAY},?\s+)?{_YEAR}"
    rf"|{_YEAR}"
)
# Words that open a range with no end ("since 2019") and words that join two dates.
_SINCE = r"since|seit|ab|desde|depuis|dès|des de"
_FROM = r"from|von|vom|de|del|du"
_JOIN = r"\s*[–—‐‑−-]+\s*|\s+(?:to|till|until|bis|zum|a|al|hasta|au|à|jusqu'à|jusqu’à)\s+"
_RANGE = re.compile(
    rf"(?<![\w/.-])(?:(?P<since>{_SINCE})\s+|(?:{_FROM})\s+)?(?P<start>{_ONE_DATE})"
    rf"(?:(?:{_JOIN})(?:(?P<end>{_ONE_DATE})|(?P<present>{_PRESENT}))(?![\w-]))?(?![\w/-])",
    re.IGNORECASE,
)

_NUMERIC_DMY = re.compile(rf"(?P<day>{_DAY})[./]\s?(?P<month>\d{{1,2}})[./]\s?(?P<year>{_YEAR})")
_NUMERIC_YMD = re.compile(rf"(?P<year>{_YEAR})-(?P<month>\d{{1,2}})-(?P<day>{_DAY})")
_NUMERIC_YM = re.compile(rf"(?P<year>{_YEAR})[-/.](?P<month>\d{{1,2}})")
_NUMERIC_MY = re.compile(rf"(?P<month>\d{{1,2}})[/.-](?P<year>{_YEAR})")
_NAMED = re.compile(
    rf"(?:(?P<day>{_DAY})(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?)?(?P<month>{_MONTH})\.?,?\s+"
    rf"(?:de\s+)?(?:(?P<day2>{_DAY}),?\s+)?(?P<year>{_YEAR})",
    re.IGNORECASE,
)
_YEAR_ONLY = re.compile(_YEAR)


@dataclass(frozen=True)
class DateRange:
    """What a CV says about when: `start` (a partial date) and `end` (a partial date,
    "present" or None); `single` when it named one date, not a range; `span` is where in the
    text it was found."""

    start: str
    end: str | None
    single: bool
    span: tuple[int, int]


def find_date_range(text: str) -> DateRange | None:
    """The first date or range of dates in a line of text, or None."""
    for match in _RANGE.finditer(text):
        start = parse_date(match["start"])
        if start is None:
            continue
        if match["present"] or match["since"]:
            end: str | None = "present"
        elif match["end"]:
            end = parse_date(match["end"])
        else:
            end = None
        if end not in (None, "present") and _after(start, end):
            end = None  # a range that runs backwards is a misreading: keep what is sure
        single = end is None and not match["since"]
        return DateRange(start, end, single, match.span())
    return None


def parse_date(text: str) -> str | None:
    """One date written any of the ways CVs do, as "2019", "2019-03" or "2019-03-17"; None if
    the whole text is not one date."""
    text = text.strip()
    if text.casefold() in _PRESENT_WORDS:
        return "present"
    if match := _NUMERIC_YMD.fullmatch(text):
        return _partial(match["year"], match["month"], match["day"])
    if match := _NUMERIC_DMY.fullmatch(text):
        day, month = int(match["day"]), int(match["month"])
        if month > 12 >= day:  # 05/17/2019: the American order
            day, month = month, day
        return _partial(match["year"], str(month), str(day))
    if match := _NUMERIC_YM.fullmatch(text):
        return _partial(match["year"], match["month"])
    if match := _NUMERIC_MY.fullmatch(text):
        return _partial(match["year"], match["month"])
    if match := _NAMED.fullmatch(text):
        month = _MONTH_NUMBER[match["month"].casefold()]
        return _partial(match["year"], str(month), match["day"] or match["day2"])
    if _YEAR_ONLY.fullmatch(text):
        return text
    return None


def _partial(year: str, month: str, day: str | None = None) -> str | None:
    try:
        datetime.date(int(year), int(month), int(day or 1))
    except ValueError:
        return None
    if day is None:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _after(start: str, end: str) -> bool:
    # At the precision both have, as the content's own rule compares them.
    start_parts, end_parts = start.split("-"), end.split("-")
    common = min(len(start_parts), len(end_parts))
    return [int(p) for p in start_parts[:common]] > [int(p) for p in end_parts[:common]]
