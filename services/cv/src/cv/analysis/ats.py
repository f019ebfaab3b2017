"""ATS analysis of a CV against a job ad, with no model: how much of what the ad asks for the
CV names, whether its skills section lists the ad's skills, whether the parts a parser looks
for are there, whether its dates add up, its length, and what in it an ATS cannot read, as a
score out of 100 with its parts and findings. Deterministic: the same content, ad, template
and day give the same report, byte for byte."""

import datetime
import re
from dataclasses import dataclass
from itertools import combinations

from cv.analysis import candidate
from cv.analysis.candidate import Field, month_of, month_today, work_periods
from cv.analysis.keywords import Term, TextIndex, job_terms
from cv.analysis.scoring import plain, total, weight_shares
from cv.content.fields import CUSTOM_REF_PREFIX
from cv.content.schema import section_names_in_order
from cv.imports.contacts import find_emails, find_phones
from cv.imports.headings import section_of_heading
from cv.render.templates import TEMPLATES

# The parts of the score, in points out of 100. ATS ranking is mostly the ad's terms matched
# against the CV, so those found anywhere in it weigh most (35); the ad's skills in the skills
# section next (20), since parsers file that section as a field recruiters filter on. A parser
# that finds no e-mail or no dates files the CV badly whatever it says (completeness 15), and
# a layout or section it cannot read loses text outright (formats 15). Dates that do not add
# up (10) and the length (5) are what the recruiter who reads it next notices. Without a job
# ad the two coverage parts are unknown, without a date the dates part, and the rest share
# the 100 points.
WEIGHTS: dict[str, int] = {"keywords": 35, "skills": 20, "completeness": 15, "formats": 15,
                           "dates": 10, "length": 5}

SEVERITIES = ("problem", "warning", "info")
# What one finding takes off its part (dates, formats; 0..1). A problem loses the parser or
# the reader something, a warning may, an info is the user's to judge and costs nothing.
_PENALTY = {"problem": 0.4, "warning": 0.15, "info": 0.0}

# 350 to 1,200 words is one to two pages in every template; a bullet of more than 40 words
# is a paragraph that readers skim and some parsers cut.
WORDS_BAND = (350, 1200)
BULLET_WORDS = 40
# Of the length part: the whole CV's length 70%, its bullets' 30%.
_BAND_SHARE = 0.7
_DATED = ("work", "volunteer", "education", "projects", "awards", "certificates",
          "publications")
_GAP_MONTHS = 12
_OVERLAP_MONTHS = 2  # a month's overlap is a handover, not two jobs


@dataclass(frozen=True)
class Finding:
    code: str  # "dates.gap", "format.template", ...
    severity: str  # one of SEVERITIES
    message: str
    where: str  # a content path ("work[2].endDate"), "template", or "" for the whole CV


@dataclass(frozen=True)
class Part:
    name: str  # a key of WEIGHTS
    score: float | None  # 0..1; None when unknown (no job ad)
    weight: float  # its share of the total after renormalising (0..1)
    points: float  # what it adds to the score (weight x score x 100)


@dataclass(frozen=True)
class KeywordCoverage:
    score: float | None  # the matched terms' weight over all terms' weight
    matched: tuple[Term, ...]  # heaviest first
    missing: tuple[Term, ...]


@dataclass(frozen=True)
class SkillCoverage:
    score: float | None  # the listed skills' weight over all the ad's skills' weight
    matched: tuple[str, ...]  # the ad's skills the skills section or keywords list
    missing: tuple[str, ...]  # the others, heaviest first
    in_text_only: tuple[str, ...]  # missing ones the CV's text does name


@dataclass(frozen=True)
class Check:
    name: str  # "email", "work dates", ...
    score: float  # 1 present, 0 missing; "work dates" the share of jobs with a start date
    where: str  # the path to fill in (the first one missing)


@dataclass(frozen=True)
class Completeness:
    score: float  # the checks' mean
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Length:
    score: float
    words: int
    band: tuple[int, int]
    bullets: int
    long_bullets: int


@dataclass(frozen=True)
class AtsReport:
    score: int  # 0..100
    parts: tuple[Part, ...]  # in WEIGHTS order
    keywords: KeywordCoverage
    skills: SkillCoverage
    completeness: Completeness
    length: Length
    findings: tuple[Finding, ...]  # problems, then warnings, then infos

    def to_dict(self) -> dict:
        return plain(self)


def analyse(content: dict, job_text: str, *, job_title: str = "", template: str | None = None,
            today: datetime.date | None = None) -> AtsReport:
    """Score a validated content (cv.content.schema.validate_content) against a job ad.
    `template` is the CV's template name (cv.render.templates.TEMPLATES; None skips that
    check), `today` the day dates are judged on (future dates, current jobs)."""
    today = today or datetime.date.today()
    fields = candidate.shown_fields(content)
    cv_text = TextIndex(field.text for field in fields)
    terms = job_terms(job_text, job_title)
    findings: list[Finding] = []

    keywords = _keyword_coverage(terms, cv_text)
    skills = _skill_coverage(terms, content, cv_text, findings)
    completeness = _completeness(content, findings)
    format_findings = _formats(content, fields, template)
    date_findings = _dates(content, today)
    length = _length(fields, findings)
    findings += format_findings + date_findings

    scores = {"keywords": keywords.score, "skills": skills.score,
              "completeness": completeness.score, "formats": _after(format_findings),
              "dates": _after(date_findings) if _has_dates(content) else None,
              "length": length.score}
    shares = weight_shares(scores, WEIGHTS)
    parts = tuple(
        Part(name, None if score is None else round(score, 3), round(shares[name], 3),
             round(100 * shares[name] * (score or 0.0), 1))
        for name, score in scores.items()
    )
    return AtsReport(
        score=total(scores, shares), parts=parts, keywords=keywords, skills=skills,
        completeness=completeness, length=length,
        findings=tuple(sorted(findings, key=lambda f: SEVERITIES.index(f.severity))),
    )


def _has_dates(content: dict) -> bool:
    """Whether the content has any date to judge (else the dates part is unknown, not
    perfect)."""
    return any(entry.get(name) for section in _DATED for entry in content.get(section) or ()
               for name in ("startDate", "endDate", "date", "releaseDate"))


def _after(findings: list[Finding]) -> float:
    return max(0.0, 1.0 - sum(_PENALTY[finding.severity] for finding in findings))


def _share(terms: list[Term] | tuple[Term, ...], of: list[Term] | tuple[Term, ...]
           ) -> float | None:
    whole = sum(term.weight for term in of)
    return sum(term.weight for term in terms) / whole if whole else None


def _keyword_coverage(terms: tuple[Term, ...], cv_text: TextIndex) -> KeywordCoverage:
    matched = tuple(term for term in terms if term.key in cv_text)
    missing = tuple(term for term in terms if term.key not in cv_text)
    return KeywordCoverage(_rounded(_share(matched, terms)), matched, missing)


def _skill_coverage(terms: tuple[Term, ...], content: dict, cv_text: TextIndex,
                    findings: list[Finding]) -> SkillCoverage:
    listed = TextIndex(field.text for field in candidate.skill_fields(content))
    wanted = [term for term in terms if term.skill]
    matched = [term for term in wanted if term.key in listed]
    missing = [term for term in wanted if term.key not in listed]
    in_text = [term.name for term in missing if term.key in cv_text]
    if in_text:
        findings.append(Finding(
            "skills.not_listed", "info",
            f"{_names(in_text)}: in your text, but not in your skills section or keywords, "
            "which is where ATS filters look for skills.", "skills"))
    return SkillCoverage(_rounded(_share(matched, wanted)), tuple(t.name for t in matched),
                         tuple(t.name for t in missing), tuple(in_text))


def _completeness(content: dict, findings: list[Finding]) -> Completeness:
    basics = content.get("basics") or {}
    visible = set(section_names_in_order(content))

    def entries(section: str) -> list[dict]:
        return [entry for entry in content.get(section) or () if entry] \
            if section in visible else []

    work = entries("work")
    undated = [index for index, entry in enumerate(content.get("work") or ())
               if entry and not entry.get("startDate")] if work else []
    checks = [
        Check("name", float(bool(basics.get("name"))), "basics.name"),
        Check("email", float(bool(basics.get("email"))), "basics.email"),
        Check("phone", float(bool(basics.get("phone"))), "basics.phone"),
        Check("summary", float(bool(basics.get("summary"))), "basics.summary"),
        Check("work", float(bool(work)), "work"),
        # Partial credit: each undated job is experience an ATS cannot count.
        Check("work dates", 1.0 - len(undated) / len(work) if work else 0.0,
              f"work[{undated[0]}].startDate" if undated else "work"),
        Check("education", float(bool(entries("education"))), "education"),
        Check("skills", float(bool(entries("skills"))), "skills"),
    ]
    missing = {
        "name": ("problem", "No name: an ATS files the CV under nobody."),
        "email": ("problem", "No e-mail address: the recruiter's system has no way to reply."),
        "phone": ("warning", "No phone number: many recruiters call first."),
        "summary": ("warning", "No summary: the first lines a recruiter reads, and a natural "
                    "place for the ad's keywords."),
        "work": ("warning", "No work experience an export shows."),
        "education": ("warning", "No education an export shows."),
        "skills": ("warning", "No skills section an export shows: ATS filters search it "
                   "first."),
    }
    for check in checks:
        if check.name in missing and not check.score:
            severity, message = missing[check.name]
            findings.append(Finding(f"completeness.{check.name}", severity, message,
                                    check.where))
    findings.extend(Finding("completeness.work_dates", "problem",
                            "No start date: an ATS cannot count this job's years.",
                            f"work[{index}].startDate") for index in undated)
    return Completeness(round(sum(c.score for c in checks) / len(checks), 3), tuple(checks))


def _dates(content: dict, today: datetime.date) -> list[Finding]:
    now = month_today(today)
    visible = set(section_names_in_order(content))
    findings = []
    spans = [(section, index, entry) for section in ("work", "volunteer", "education", "projects")
             if section in visible for index, entry in enumerate(content.get(section) or ())]
    for section, index, entry in spans:
        path = f"{section}[{index}]"
        start_date, end_date = entry.get("startDate"), entry.get("endDate")
        start, end = month_of(start_date), month_of(end_date, last=True)
        # First month against last: "2019-05" to "2019" is no contradiction.
        if start is not None and end is not None and start > end:
            findings.append(Finding("dates.start_after_end", "problem",
                                    f"Starts ({start_date}) after it ends ({end_date}).",
                                    f"{path}.startDate"))
        planned = section == "education"  # a degree under way has a date still to come
        if start is not None and start > now:
            findings.append(Finding(
                "dates.future_start", "info" if planned else "warning",
                f"Starts in the future ({start_date}).", f"{path}.startDate"))
        if (first_end := month_of(end_date)) is not None and first_end > now:
            findings.append(Finding(
                "dates.future_end", "info" if planned else "warning",
                f"Ends in the future ({end_date})" + (
                    ": say it is expected, or ATS may read it as finished." if planned else
                    ': for a current role write "present", as ATS expects.'),
                f"{path}.endDate"))
    for section, name in (("awards", "date"), ("certificates", "date"),
                          ("publications", "releaseDate")):
        if section not in visible:
            continue
        for index, entry in enumerate(content.get(section) or ()):
            if (month := month_of(entry.get(name))) is not None and month > now:
                findings.append(Finding("dates.future_date", "warning",
                                        f"Dated in the future ({entry[name]}).",
                                        f"{section}[{index}].{name}"))
    findings += _work_timeline(work_periods(content, today))
    return findings


def _work_timeline(periods: list[candidate.Period]) -> list[Finding]:
    findings = []
    current = [period for period in periods if period.current]
    for period in current[1:]:
        findings.append(Finding(
            "dates.several_current", "warning",
            f"Marked as current, as is work[{current[0].index}]: ATS read both as your job "
            "today. Give it an end date if it has ended.", f"work[{period.index}].endDate"))
    in_order = sorted(periods, key=lambda period: (period.start, period.index))
    for earlier, later in combinations(in_order, 2):
        months = min(earlier.end, later.end) - later.start + 1
        if months >= _OVERLAP_MONTHS:
            findings.append(Finding(
                "dates.overlap", "info",
                f"Overlaps work[{earlier.index}] by {months} months: fine for part-time or "
                "freelance work, but an ATS may count those years twice.",
                f"work[{later.index}].startDate"))
    covered_until = None
    for period in in_order:
        if covered_until is not None and period.start - covered_until - 1 > _GAP_MONTHS:
            findings.append(Finding(
                "dates.gap", "warning",
                f"{period.start - covered_until - 1} months without work before this job: "
                "a line in your summary saying why reads better than a silent gap.",
                f"work[{period.index}].startDate"))
        covered_until = period.end if covered_until is None else max(covered_until,
                                                                      period.end)
    return findings


def _formats(content: dict, fields: list[Field], template: str | None) -> list[Finding]:
    findings = []
    if template is not None:
        if template not in TEMPLATES:
            raise ValueError(f"{template!r} is not a template (one of {', '.join(TEMPLATES)})")
        if not TEMPLATES[template].ats_safe:
            safe = ", ".join(t.title for t in TEMPLATES.values() if t.ats_safe)
            findings.append(Finding(
                "format.template", "problem",
                f"The {TEMPLATES[template].title} template sets text in columns beside a "
                f"sidebar, which ATS parsers read out of order. These read cleanly: {safe}.",
                "template"))
    if content.get("photo"):
        findings.append(Finding(
            "format.photo", "warning",
            "A photo: ATS parsers skip or trip over images, and employers in the US, the UK "
            "and Ireland ask for CVs without one.", "photo"))
    findings += _hidden_sections(content)
    findings += _custom_headings(content)
    basics = content.get("basics") or {}
    for name, find in (("email", find_emails), ("phone", find_phones)):
        if basics.get(name):
            continue
        found = next((field.path for field in fields if find(field.text)), None)
        if found:
            findings.append(Finding(
                "format.contact_in_text", "problem",
                f"Your {'e-mail address' if name == 'email' else 'phone number'} is only in "
                f"{found}: ATS parsers read contact details from the header's fields.",
                f"basics.{name}"))
    return findings


def _hidden_sections(content: dict) -> list[Finding]:
    findings = []
    custom = {CUSTOM_REF_PREFIX + (section.get("id") or ""): section
              for section in content.get("custom") or ()}
    for index, name in enumerate((content.get("meta") or {}).get("hidden") or ()):
        has_content = bool(custom[name].get("items")) if name in custom else bool(
            content.get(name))
        if has_content:
            shown = (custom[name].get("title") or name) if name in custom else name
            findings.append(Finding(
                "format.section_hidden", "info",
                f"{shown} is hidden: exports leave it out, so no ATS reads it.",
                f"meta.hidden[{index}]"))
    return findings


def _custom_headings(content: dict) -> list[Finding]:
    findings = []
    visible = set(section_names_in_order(content))
    for index, section in enumerate(content.get("custom") or ()):
        if CUSTOM_REF_PREFIX + section["id"] not in visible or not section.get("items"):
            continue
        title = (section.get("title") or "").strip()
        where = f"custom[{index}].title"
        kind = section_of_heading(title) if title else None
        if not title:
            findings.append(Finding(
                "format.custom_heading_missing", "warning",
                "A section without a heading: an ATS files its text under the section "
                "before it.", where))
        elif kind is None:
            findings.append(Finding(
                "format.custom_heading_unusual", "warning",
                f"\"{title}\" is not a heading ATS parsers know, so they may file its text "
                "under the section before it. A standard heading (Projects, Certificates, "
                "Volunteering, ...) reads better.", where))
        elif kind == "contact":
            findings.append(Finding(
                "format.custom_heading_contact", "warning",
                f"\"{title}\": contact details belong in the header's fields (basics), "
                "where ATS parsers look for them.", where))
        else:
            findings.append(Finding(
                "format.custom_heading_standard", "info",
                f"\"{title}\" is a standard heading, but the built-in section of that kind "
                "gives each entry the fields parsers map (positions, dates); consider moving "
                "these entries there.", where))
    return findings


# A word: what whitespace separates, with a letter or digit in it ("–" and "•" are none).
_WORD = re.compile(r"\S*[^\W_]\S*")


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _length(fields: list[Field], findings: list[Finding]) -> Length:
    low, high = WORDS_BAND
    words = sum(_word_count(field.text) for field in fields)
    if words < low:
        band = words / low
        findings.append(Finding("length.short", "warning",
                                f"{words} words: under {low}, a CV reads thin. Add results "
                                "to your jobs' highlights.", ""))
    elif words > high:
        band = max(0.0, 1 - (words - high) / high)
        findings.append(Finding("length.long", "warning",
                                f"{words} words: over {high}, more than two pages. Keep the "
                                "last ten years' detail and shorten the rest.", ""))
    else:
        band = 1.0
    bullets = [field for field in fields if ".highlights[" in field.path]
    long_bullets = [field for field in bullets if _word_count(field.text) > BULLET_WORDS]
    findings.extend(Finding("length.long_bullet", "warning",
                            f"{_word_count(field.text)} words in one bullet: up to "
                            f"{BULLET_WORDS} reads at a glance; split it.", field.path)
                    for field in long_bullets)
    bullet_score = 1 - len(long_bullets) / len(bullets) if bullets else 1.0
    return Length(round(_BAND_SHARE * band + (1 - _BAND_SHARE) * bullet_score, 3), words,
                  WORDS_BAND, len(bullets), len(long_bullets))


def _names(names: list[str], shown: int = 5) -> str:
    listed = ", ".join(names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _rounded(score: float | None) -> float | None:
    return None if score is None else round(score, 3)
