"""The JSON shapes of /ai: what each AI feature takes and gives."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from career.cv.v1 import cv_pb2
from gateway.conversions import datetime_of

TONE = "professional (default), confident, friendly, concise or enthusiastic"


class EnhanceIn(BaseModel):
    cv_id: str = Field(max_length=64)
    section: str = Field(max_length=32, description="basics, work, projects, volunteer, ...")
    index: int | None = Field(default=None, ge=0, le=1000,
                              description="One entry of the section; omitted: all of it")
    tone: str = Field(default="", max_length=32, description=TONE)
    target_role: str = Field(default="", max_length=200)


class DiffOpOut(BaseModel):
    op: str = Field(description="equal, replace, delete or insert")
    before: str
    after: str


class SuggestionOut(BaseModel):
    path: str = Field(description='The field, e.g. "work[0].highlights[1]"')
    original: str
    suggested: str
    reason: str
    diff: list[DiffOpOut]


class DroppedOut(BaseModel):
    path: str
    suggested: str
    unsupported: list[str] = Field(description="What it stated that the CV does not")


class EnhancementOut(BaseModel):
    cv_version: int = Field(description="The version the suggestions apply to (If-Match)")
    suggestions: list[SuggestionOut]
    dropped: list[DroppedOut] = Field(description="Suggestions that invented facts")
    model: str


class SkillsIn(BaseModel):
    cv_id: str = Field(max_length=64)
    job_text: str = Field(default="", max_length=20_000,
                          description="A posting to target (optional)")


class SkillOut(BaseModel):
    name: str
    reason: str


class SkillsOut(BaseModel):
    skills: list[SkillOut]


class CoverLetterIn(BaseModel):
    cv_id: str = Field(max_length=64)
    job_text: str = Field(min_length=1, max_length=20_000)
    job_title: str = Field(default="", max_length=200)
    tone: str = Field(default="", max_length=32, description=TONE)
    words: int = Field(default=300, ge=100, le=600)


class CoverLetterOut(BaseModel):
    id: str
    greeting: str
    paragraphs: list[str]
    closing: str


class AtsIn(BaseModel):
    cv_id: str = Field(max_length=64)
    job_text: str = Field(min_length=1, max_length=20_000, description="The job ad")
    job_title: str = Field(default="", max_length=200)
    advice: bool = Field(default=False,
                         description="Also ask a model for phrasing advice (one AI request)")


class ScorePartOut(BaseModel):
    name: str
    score: float | None = Field(description="0..1; null when unknown (nothing to compare)")
    weight: float = Field(description="Its share of the total (the known parts sum to 1)")
    reason: str


class FindingOut(BaseModel):
    code: str
    severity: str = Field(description="info, warning or problem")
    message: str
    where: str = Field(description='A content path ("work[2].endDate"), "template" or ""')


class AdviceOut(BaseModel):
    path: str
    advice: str


class AtsOut(BaseModel):
    score: int = Field(ge=0, le=100)
    parts: list[ScorePartOut]
    matched_keywords: list[str]
    missing_keywords: list[str] = Field(description="Heaviest first")
    missing_skills: list[str]
    findings: list[FindingOut]
    words: int
    advice: list[AdviceOut]


class JobIn(BaseModel):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=20_000)
    skills: list[str] = Field(default_factory=list, max_length=100)
    location: str = Field(default="", max_length=200)
    remote: bool | None = None
    seniority: str = Field(default="", max_length=50)
    salary_min: float | None = Field(default=None, ge=0)
    salary_max: float | None = Field(default=None, ge=0)
    currency: str = Field(default="", max_length=3, description="ISO 4217")


class MatchIn(BaseModel):
    cv_id: str = Field(max_length=64)
    job: JobIn
    expected_salary: float | None = Field(default=None, ge=0)
    expected_currency: str = Field(default="", max_length=3)


class MatchOut(BaseModel):
    score: int = Field(ge=0, le=100)
    parts: list[ScorePartOut]
    matched_skills: list[str]
    missing_skills: list[str]
    years_of_experience: float


class AiCallOut(BaseModel):
    feature: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    outcome: str = Field(description='"ok", or "failed:<kind>" (no request was used)')
    created_at: datetime | None


class AiUsageOut(BaseModel):
    calls: list[AiCallOut]
    next_page_token: str | None


def enhancement_out(found: cv_pb2.Enhancement) -> EnhancementOut:
    return EnhancementOut(
        cv_version=found.cv_version, model=found.model,
        suggestions=[SuggestionOut(
            path=s.path, original=s.original, suggested=s.suggested, reason=s.reason,
            diff=[DiffOpOut(op=d.op, before=d.before, after=d.after) for d in s.diff])
            for s in found.suggestions],
        dropped=[DroppedOut(path=d.path, suggested=d.suggested,
                            unsupported=list(d.unsupported)) for d in found.dropped])


def ai_call_out(call: cv_pb2.AiCall) -> AiCallOut:
    return AiCallOut(feature=call.feature, provider=call.provider, model=call.model,
                     input_tokens=call.input_tokens, output_tokens=call.output_tokens,
                     latency_ms=call.latency_ms, outcome=call.outcome,
                     created_at=datetime_of(call, "created_at"))


def score_part_out(part: cv_pb2.ScorePart) -> ScorePartOut:
    return ScorePartOut(name=part.name, score=part.score if part.HasField("score") else None,
                        weight=part.weight, reason=part.reason)


def ats_out(found: cv_pb2.AtsAnalysis) -> AtsOut:
    return AtsOut(score=found.score, parts=[score_part_out(p) for p in found.parts],
                  matched_keywords=list(found.matched_keywords),
                  missing_keywords=list(found.missing_keywords),
                  missing_skills=list(found.missing_skills), words=found.words,
                  findings=[FindingOut(code=f.code, severity=f.severity, message=f.message,
                                       where=f.where) for f in found.findings],
                  advice=[AdviceOut(path=a.path, advice=a.advice) for a in found.advice])


def match_out(found: cv_pb2.JobMatch) -> MatchOut:
    return MatchOut(score=found.score, parts=[score_part_out(p) for p in found.parts],
                    matched_skills=list(found.matched_skills),
                    missing_skills=list(found.missing_skills),
                    years_of_experience=found.years_of_experience)
