"""How well a CV fits a job, with no model, in parts a person can follow: the job's skills the
CV names, the job title against the CV's headline and positions, seniority against the CV's
titles and years of experience, location (a remote job fits anywhere), salary where both
sides name a number and, when the caller has embeddings, their similarity. Each part scores
0..1 with a reason; the score out of 100 is their weighted sum, renormalised over the parts
that are known. Deterministic: the same content, job, arguments and day give the same report."""

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cv.analysis import candidate
from cv.analysis.keywords import (
    SKILL_NAMES,
    STOP_WORDS,
    TextIndex,
    fold,
    job_terms,
    runs,
    singular,
    skill_key,
    skill_name,
    skill_spans,
)
from cv.analysis.places import CITY_COUNTRIES, CITY_NAMES, COUNTRY_CODES
from cv.analysis.scoring import plain, total, weight_shares

# The parts, in points out of 100. Skills weigh most (40): they are what the job needs done,
# what hiring filters use, and the part whose reason is most concrete. The title (20) says
# whether it is the same line of work. Seniority and location (15 each) are often hard
# conditions but coarse signals, and salary (10) is rarely known and negotiable. Embedding
# similarity (20, only when the caller gives one) catches related skills and domains that
# keywords miss, but cannot say why, so it does not outweigh the skills.
WEIGHTS: dict[str, int] = {"skills": 40, "title": 20, "seniority": 15, "location": 15,
                           "salary": 10, "embedding": 20}


@dataclass(frozen=True)
class Job:
    """A job as the jobs service will describe it."""
    title: str
    description: str = ""
    skills: Sequence[str] = ()  # a list will do
    location: str = ""  # "Berlin, Germany", "Remote (EU)"
    remote: bool | None = None  # None: not stated (the location's words are read then)
    seniority: str | None = None  # "senior", "Mid-Senior level", ...
    salary_min: float | None = None
    salary_max: float | None = None
    currency: str | None = None  # ISO 4217, "EUR"


@dataclass(frozen=True)
class MatchPart:
    name: str  # a key of WEIGHTS
    score: float | None  # 0..1; None when one side does not say
    weight: float  # its share of the total after renormalising (0..1)
    reason: str


@dataclass(frozen=True)
class MatchReport:
    score: int  # 0..100
    parts: tuple[MatchPart, ...]  # in WEIGHTS order; "embedding" only when given
    matched_skills: tuple[str, ...]  # the job's skills the CV names, heaviest first
    missing_skills: tuple[str, ...]
    years_of_experience: float  # from the work dates, overlaps counted once

    def to_dict(self) -> dict:
        return plain(self)


def match(content: dict, job: Job, *, expected_salary: float | None = None,
          expected_currency: str | None = None, embedding_similarity: float | None = None,
          today: datetime.date | None = None) -> MatchReport:
    """How well a validated content (cv.content.schema.validate_content) fits `job`.
    `expected_salary` is the candidate's (the CV has no field for it), in `expected_currency`
    or, when that is None, in the job's currency. `embedding_similarity` (e.g.
    vector_similarity of the two embeddings) becomes one more part when given. `today` is
    the day years of experience are counted to."""
    today = today or datetime.date.today()
    periods = candidate.work_periods(content, today)
    years = candidate.years_of_experience(periods, today)
    skills, matched, missing = _skills(content, job)
    judged: dict[str, tuple[float | None, str]] = {
        "skills": skills,
        "title": _title(content, job, today),
        "seniority": _seniority(content, job, periods, years, today),
        "location": _location(content, job),
        "salary": _salary(job, expected_salary, expected_currency),
    }
    if embedding_similarity is not None:
        similarity = min(1.0, max(0.0, embedding_similarity))
        judged["embedding"] = (similarity, f"The embeddings of CV and job are {similarity:.2f} "
                                           "similar (0 unrelated, 1 the same).")
    scores = {name: score for name, (score, _) in judged.items()}
    shares = weight_shares(scores, WEIGHTS)
    parts = tuple(MatchPart(name, None if score is None else round(score, 3),
                            round(shares[name], 3), reason)
                  for name, (score, reason) in judged.items())
    return MatchReport(total(scores, shares), parts, matched, missing, years)


def vector_similarity(a: list[float], b: list[float]) -> float:
    """The cosine of two embeddings (-1..1; 0 when either is all zeros). Summed exactly
    (math.fsum), so the result does not depend on the order of the additions."""
    if len(a) != len(b):
        raise ValueError(f"the vectors differ in length ({len(a)} and {len(b)})")
    norms = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    if not norms:
        return 0.0
    return max(-1.0, min(1.0, math.fsum(x * y for x, y in zip(a, b, strict=True)) / norms))


# A skill the job lists is one it says it needs: it weighs as much as the skill its ad
# stresses most (keywords.job_terms), and at least as much as a requirement named once. A
# skill only the description names keeps the weight the ad gives it.
_LISTED_WEIGHT = 2.0
# Named in the CV's text but not listed as a skill: evidence, but weaker than a listed skill.
_TEXT_ONLY_CREDIT = 0.75
_SHOWN_NAMES = 5


def _skills(content: dict, job: Job) -> tuple[tuple[float | None, str], tuple[str, ...],
                                              tuple[str, ...]]:
    described = [term for term in job_terms(job.description, job.title) if term.skill]
    listed_weight = max([_LISTED_WEIGHT, *(term.weight for term in described)])
    wanted: dict[str, tuple[float, str]] = {}
    for name in job.skills:
        if (key := skill_key(name)) and key not in wanted:
            shown = skill_name(key) if key in SKILL_NAMES else name.strip()
            wanted[key] = (listed_weight, shown)
    for term in described:
        if term.key not in wanted:
            wanted[term.key] = (term.weight, term.name)
    if not wanted:
        return (None, "The job names no skills."), (), ()
    listed = TextIndex(f.text for f in candidate.skill_fields(content))
    text = TextIndex(f.text for f in candidate.shown_fields(content))
    heaviest = sorted(wanted.items(), key=lambda item: (-item[1][0], item[0]))
    credit = {key: 1.0 if key in listed else _TEXT_ONLY_CREDIT if key in text else 0.0
              for key, _ in heaviest}
    score = (sum(weight * credit[key] for key, (weight, _) in heaviest)
             / sum(weight for weight, _ in wanted.values()))
    matched = tuple(name for key, (_, name) in heaviest if credit[key])
    missing = tuple(name for key, (_, name) in heaviest if not credit[key])
    unlisted = [name for key, (_, name) in heaviest if credit[key] == _TEXT_ONLY_CREDIT]
    reason = f"{len(matched)} of {len(wanted)} skills"
    if matched:
        reason += f": you name {_names(matched)}"
    if missing:
        reason += f"; missing {_names(missing)}"
    if unlisted:
        reason += f"; only in your text, not as skills: {_names(unlisted)}"
    return (score, reason + "."), matched, missing


# Words that name one kind of role however a title spells it.
_ROLE_WORDS = {
    "developer": "engineer", "programmer": "engineer", "dev": "engineer", "swe": "engineer",
    "engineering": "engineer", "entwickler": "engineer", "softwareentwickler": "engineer",
    "ingenieur": "engineer", "ingeniero": "engineer", "desarrollador": "engineer",
    "developpeur": "engineer", "programador": "engineer", "programmeur": "engineer",
    "mgr": "manager", "gerente": "manager", "responsable": "manager",
}
# Seniority words and their rung: 0 intern, 1 junior, 2 mid, 3 senior, 4 lead or staff,
# 5 principal, 6 head or director, 7 executive.
_LEVELS = {
    "intern": 0, "internship": 0, "trainee": 0, "apprentice": 0, "praktikant": 0,
    "werkstudent": 0, "stagiaire": 0, "becario": 0, "practicas": 0,
    "junior": 1, "jr": 1, "entry": 1, "graduate": 1,
    "mid": 2, "intermediate": 2, "medior": 2, "confirme": 2,
    "senior": 3, "sr": 3, "experienced": 3,
    "lead": 4, "staff": 4, "leiter": 4,
    "principal": 5, "distinguished": 5,
    "head": 6, "director": 6, "directeur": 6,
    "vp": 7, "chief": 7, "cto": 7, "ceo": 7, "cfo": 7, "coo": 7,
}
_LEVEL_NAMES = ("intern", "junior", "mid-level", "senior", "lead/staff", "principal",
                "head/director", "executive")
# A level's fit by its distance from the asked one: next door is a stretch, not a miss.
_LEVEL_FIT = (1.0, 0.6, 0.25)
_ROMAN = frozenset({"i", "ii", "iii", "iv", "v"})
# A recent position says more about the candidate today: the headline and the latest
# position count fully, each older one 10% less, down to half.
_RECENCY_STEP = 0.1
_RECENCY_FLOOR = 0.5


def _title_words(title: str) -> set[str]:
    """A title's words as compared: skills as one word each ("Back-End" and "Backend" are
    the same), role words unified ("developer" is "engineer"), seniority, stop words,
    numbering and gender markers ("(m/w/d)") left out."""
    words = set()
    for run in runs(title):
        spans = skill_spans(run)
        words.update(key for _, _, key in spans)
        in_skill = {index for start, end, _ in spans for index in range(start, end)}
        for index, token in enumerate(run):
            if (index in in_skill or len(token) < 2 or token.isdigit() or token in STOP_WORDS
                    or token in _LEVELS or token in _ROMAN):
                continue
            word = singular(token)
            words.add(_ROLE_WORDS.get(word, word))
    return words


def _similarity(wanted: set[str], words: set[str]) -> float:
    """The mean of the Dice coefficient and the overlap coefficient. Dice alone punishes a
    job title's extra words (a team after a comma: "Backend Engineer, Payments"); overlap
    alone lets one shared word ("Engineer") count fully. Their mean sits between."""
    if not words:
        return 0.0
    shared = len(wanted & words)
    return (2 * shared / (len(wanted) + len(words)) + shared / min(len(wanted), len(words))) / 2


def _title(content: dict, job: Job, today: datetime.date) -> tuple[float | None, str]:
    wanted = _title_words(job.title)
    if not wanted:
        return None, "The job title has no words to compare."
    best, best_title = 0.0, ""
    # The headline (rank 0) and the latest position (rank 1 under a headline) are both today.
    label = bool(((content.get("basics") or {}).get("label") or "").strip())
    for rank, title in enumerate(candidate.titles(content, today)):
        words = _title_words(title)
        recency = max(_RECENCY_FLOOR, 1 - _RECENCY_STEP * max(0, rank - label))
        similarity = _similarity(wanted, words) * recency
        if similarity > best:
            best, best_title = similarity, title
    if not best_title:
        return 0.0, f"None of your titles shares a word with \"{job.title}\"."
    shared = sorted(wanted & _title_words(best_title))
    return best, (f"\"{job.title}\" against your \"{best_title}\": "
                  f"{', '.join(skill_name(word) for word in shared)} in common.")


def _levels(text: str) -> list[int]:
    return sorted({_LEVELS[token] for run in runs(text) for token in run if token in _LEVELS})


_EXPERIENCE_WORDS = re.compile(r"experien|erfahrung")
_YEARS = re.compile(r"(?<![\d.,])(\d{1,2})\s*\+?\s*(?:(?:-|–|to|bis|a)\s*\d{1,2}\s*)?\+?\s*"
                    r"(?:years?|yrs?|jahre?n?|anos|ans|annees)\b")


def required_years(description: str) -> int | None:
    """The most years of experience an ad asks for ("5+ years of experience", "3-5 Jahre
    Berufserfahrung"): numbers of years on lines that speak of experience."""
    found = [int(number) for line in fold(description).splitlines()
             if _EXPERIENCE_WORDS.search(line) for number in _YEARS.findall(line)]
    return max(found) if found else None


def _years_level(years: float) -> int:
    return 1 if years < 2 else 2 if years < 5 else 3 if years < 10 else 4


def _seniority(content: dict, job: Job, periods: list[candidate.Period], years: float,
               today: datetime.date) -> tuple[float | None, str]:
    asked = _levels(job.seniority or "") or _levels(job.title)
    asked_years = required_years(job.description)
    # The CV's level: from the headline or latest position when they say it, else from the
    # years its work dates add up to.
    own = next(((title, levels[-1]) for title in candidate.titles(content, today)[:2]
                if (levels := _levels(title))), None)
    if own:
        level, source = own[1], f"your title \"{own[0]}\""
    elif periods:
        level, source = _years_level(years), f"your {years:g} years of experience"
    else:
        level, source = None, ""
    fits, reasons = [], []
    if asked and level is not None:
        low, high = asked[0], asked[-1]
        distance = max(low - level, level - high, 0)
        fits.append(_LEVEL_FIT[distance] if distance < len(_LEVEL_FIT) else 0.0)
        wanted = "/".join(dict.fromkeys(_LEVEL_NAMES[rung] for rung in (low, high)))
        verdict = ("a fit" if not distance else
                   f"{('one', 'two')[distance - 1] if distance < 3 else distance} "
                   f"level{'s' if distance > 1 else ''} {'above' if level > high else 'below'}")
        reasons.append(f"{wanted.capitalize()} asked; {source} reads as "
                       f"{_LEVEL_NAMES[level]}, {verdict}")
    if asked_years is not None and periods:
        fits.append(min(1.0, years / asked_years) if asked_years else 1.0)
        reasons.append(f"{asked_years}+ years asked, you have {years:g}")
    if not fits:
        if asked or asked_years is not None:
            return None, "Your CV has no work dates or title that say its seniority."
        return None, "The job names no seniority or years of experience."
    return sum(fits) / len(fits), "; ".join(reasons) + "."


_REMOTE = re.compile(r"\b(?:remote|anywhere|work from home|wfh|remoto|teletrabajo|fernarbeit"
                     r"|homeoffice|home office|teletravail|a distance|full remote)\b")
_PLACE_NAMES = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, {*COUNTRY_CODES, *CITY_NAMES}), key=len,
                                    reverse=True)) + r")(?!\w)")
_CODE = re.compile(r"\b[A-Z]{2}\b")
_KNOWN_CODES = frozenset(COUNTRY_CODES.values())
# Another city in the same country is a move within one labour market and language.
_SAME_COUNTRY = 0.6
# Another country with remote work not ruled out: the ad may still allow it.
_ABROAD_REMOTE_UNSTATED = 0.2
# Neither city nor country can be compared.
_UNCLEAR = 0.3


def _places(text: str) -> tuple[set[str], set[str]]:
    """(cities as CITY_NAMES spells them, country codes) a location names."""
    cities, countries = set(), {code for code in _CODE.findall(text) if code in _KNOWN_CODES}
    for name in _PLACE_NAMES.findall(fold(text)):
        if name in CITY_NAMES:
            cities.add(CITY_NAMES[name])
            countries.add(CITY_COUNTRIES[CITY_NAMES[name]])
        else:
            countries.add(COUNTRY_CODES[name])
    return cities, countries


def _location(content: dict, job: Job) -> tuple[float | None, str]:
    remote = job.remote
    if remote is None and _REMOTE.search(fold(job.location)):
        remote = True
    if remote:
        return 1.0, "Remote: it fits wherever you live."
    if not job.location.strip():
        return None, "The job names no location."
    city, region, country = candidate.location(content)
    lives = ", ".join(part for part in (city, region, country) if part)
    if not lives:
        return None, "Your CV names no location (basics.location) to compare."
    job_cities, job_countries = _places(job.location)
    own_city = CITY_NAMES.get(fold(city), fold(city))
    own_countries = {country} if country else _places(lives)[1]
    if own_city and (own_city in job_cities or re.search(rf"(?<!\w){re.escape(own_city)}(?!\w)",
                                                           fold(job.location))):
        return 1.0, f"In {job.location}, where you live ({lives})."
    if job_countries & own_countries:
        return _SAME_COUNTRY, f"In {job.location}: your country, another city than {lives}."
    if job_countries and own_countries:
        if remote is None:
            return _ABROAD_REMOTE_UNSTATED, (
                f"In {job.location}, another country than {lives}; the job does not say "
                "whether remote work is possible.")
        return 0.0, f"In {job.location}, another country than {lives}, and not remote."
    return _UNCLEAR, f"In {job.location}; could not tell how far that is from {lives}."


# Asking more than the job pays costs twice the share asked above it: 25% more scores 0.5,
# 50% more or beyond scores 0.
_OVER_PENALTY = 2.0


def _salary(job: Job, expected: float | None,
            currency: str | None) -> tuple[float | None, str]:
    top = job.salary_max if job.salary_max is not None else job.salary_min
    if expected is None:
        return None, "No expected salary given to compare."
    if top is None or top <= 0:
        return None, "The job names no salary."
    unit = job.currency or currency or ""
    if currency and job.currency and currency.upper() != job.currency.upper():
        return None, (f"Your expected salary is in {currency.upper()}, the job's in "
                      f"{job.currency.upper()}: not compared.")
    unit = f" {unit.upper()}" if unit else ""
    pays = "up to" if job.salary_max is not None else "from"
    amounts = f"You expect {expected:,.0f}{unit}; the job pays {pays} {top:,.0f}{unit}"
    if expected <= top:
        return 1.0, amounts + "."
    above = (expected - top) / top
    return max(0.0, 1 - _OVER_PENALTY * above), f"{amounts}: you ask {above:.0%} more."


def _names(names: tuple[str, ...] | list[str]) -> str:
    listed = ", ".join(names[:_SHOWN_NAMES])
    more = len(names) - _SHOWN_NAMES
    return listed + (f" and {more} more" if more > 0 else "")
