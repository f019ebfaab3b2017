"""The AI features on a CV: enhancement (suggestions as a diff, never written into the CV, each
checked against the CV so nothing is invented), skills suggestions and cover letters. Each model
call is metered (`metering.py`); the CV a model sees is the least it needs (`redaction.py`)
inside delimited data (`prompts.py`)."""

from __future__ import annotations

import difflib
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.errors import DeadlineExceeded, InvalidArgument, Unavailable, UpstreamFailed
from career_kit.events import Outbox
from career_kit.unit_of_work import UnitOfWork
from cv import events
from cv.access import cv_for
from cv.ai import prompts, redaction
from cv.ai.grounding import unsupported
from cv.ai.metering import Metering
from cv.ai.models import AiModels, FeatureModel
from cv.ai.providers.base import Generated, Generation, ProviderError
from cv.analysis.ats import AtsReport, analyse
from cv.analysis.match import Job, MatchReport, match, vector_similarity
from cv.content.fields import SECTIONS
from cv.content.text import plain_text
from cv.models import CoverLetter
from cv.repository import CvEmbeddings

log = logging.getLogger(__name__)

TONES = ("professional", "confident", "friendly", "concise", "enthusiastic")
MAX_JOB_TEXT = 20_000
MAX_ROLE = 200
_TOKEN = re.compile(r"\s+|[^\s\w]|\w+", re.UNICODE)


@dataclass(frozen=True)
class Suggestion:
    path: str
    original: str
    suggested: str
    reason: str
    # Word-level edits from original to suggested: (op, from, to) with op in equal, replace,
    # delete, insert — what the SPA shows as accept/reject.
    diff: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Dropped:
    path: str
    suggested: str
    unsupported: tuple[str, ...]  # what it claimed that the CV does not say


@dataclass(frozen=True)
class Enhancement:
    cv_version: int
    suggestions: tuple[Suggestion, ...]
    dropped: tuple[Dropped, ...]
    model: str


@dataclass(frozen=True)
class SkillSuggestion:
    name: str
    reason: str


@dataclass
class Letter:
    id: uuid.UUID
    greeting: str
    paragraphs: list[str] = field(default_factory=list)
    closing: str = ""


def word_diff(original: str, suggested: str) -> tuple[tuple[str, str, str], ...]:
    before, after = _TOKEN.findall(original), _TOKEN.findall(suggested)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return tuple((op, "".join(before[i1:i2]), "".join(after[j1:j2]))
                 for op, i1, i2, j1, j2 in matcher.get_opcodes())


def _provider_failure(exc: ProviderError, provider: str) -> Exception:
    if exc.kind == "timeout":
        return DeadlineExceeded(f"The AI provider ({provider}) did not answer in time; your "
                                "request was not counted.", problem_type="ai-provider-timeout")
    return UpstreamFailed(f"The AI provider ({provider}) failed ({exc.kind}: {exc.message}); "
                          "your request was not counted.", problem_type="ai-provider-failed")


def _tone(tone: str) -> str:
    tone = tone or "professional"
    if tone not in TONES:
        raise InvalidArgument(f"tone must be one of {', '.join(TONES)}")
    return tone


def _job(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_JOB_TEXT:
        raise InvalidArgument(f"job text must be at most {MAX_JOB_TEXT} characters")
    return text


class AiFeatures:
    def __init__(self, unit: UnitOfWork, outbox: Outbox, models: AiModels, metering: Metering,
                 clock: Callable[[], datetime], skills_in: Callable[[str], set[str]] | None
                 = None) -> None:
        self.unit = unit
        self.outbox = outbox
        self.models = models
        self.metering = metering
        self.clock = clock
        self.skills_in = skills_in  # the skill vocabulary, for the grounding check

    async def _ask(self, user_id: uuid.UUID, feature: str, system: str, data: str,
                   schema_name: str, schema: dict) -> Generated:
        chosen: FeatureModel = self.models.features[feature]
        if chosen.provider is None:
            raise Unavailable(f"AI {feature.replace('_', ' ')} is not configured "
                              f"({chosen.provider_name} has no API key).",
                              problem_type="ai-not-configured", retry_after_seconds=3600)
        request = Generation(system=system, user=data, schema_name=schema_name, schema=schema,
                             model=chosen.model, max_tokens=chosen.max_tokens,
                             temperature=chosen.temperature)
        try:
            return await self.metering.metered(user_id, feature, chosen.provider_name,
                                               lambda: chosen.provider.generate(request))
        except ProviderError as exc:
            raise _provider_failure(exc, chosen.provider_name) from None


    # -- enhancement -----------------------------------------------------------------------

    async def enhance(self, user_id: uuid.UUID, cv_id: uuid.UUID, *, section: str,
                      index: int | None, tone: str, target_role: str) -> Enhancement:
        if section not in SECTIONS or section not in redaction.TEXT_FIELDS:
            raise InvalidArgument(f"section must be one of {', '.join(redaction.TEXT_FIELDS)}")
        tone = _tone(tone)
        if len(target_role) > MAX_ROLE:
            raise InvalidArgument(f"target_role must be at most {MAX_ROLE} characters")
        content, version, owner_id, _ = await self._cv(user_id, cv_id, "editor")
        fields = [f for f in redaction.fields(content, section, index)
                  if _field_name(f["path"]) in redaction.REPHRASABLE]
        if not fields:
            raise InvalidArgument("There is nothing to rephrase there yet (summaries, "
                                  "descriptions and highlights).")
        system, data = prompts.enhance(fields, tone=tone, target_role=target_role.strip())
        generated = await self._ask(user_id, "enhance", system, data, "cv_enhancement",
                                    prompts.ENHANCE_SCHEMA)
        originals = {f["path"]: f["text"] for f in fields}
        whole_cv = redaction.experience_text(content)
        kept, dropped = [], []
        for item in generated.data["suggestions"]:
            original = originals.get(item["path"])
            suggested = plain_text(item["suggested"]).strip()
            if original is None or not suggested or suggested == original:
                continue  # a path we did not send, or nothing changed
            claims = unsupported(suggested, [original, whole_cv], self.skills_in)
            if claims:
                dropped.append(Dropped(item["path"], suggested, tuple(claims)))
            else:
                kept.append(Suggestion(item["path"], original, suggested, item["reason"],
                                       word_diff(original, suggested)))

        async def announce(session: AsyncSession) -> None:
            await self.outbox.add(session, events.cv_enhanced(
                cv_id, owner_id, user_id, section, len(kept), self.clock()))

        await self.unit(announce)
        return Enhancement(version, tuple(kept), tuple(dropped), generated.model)

    # -- skills ----------------------------------------------------------------------------

    async def suggest_skills(self, user_id: uuid.UUID, cv_id: uuid.UUID, *,
                             job_text: str) -> list[SkillSuggestion]:
        content, _, _, _ = await self._cv(user_id, cv_id)
        listed = [s["name"] for s in content.get("skills") or () if s.get("name")]
        listed += [k for s in content.get("skills") or () for k in s.get("keywords") or ()]
        system, data = prompts.skills(redaction.experience_text(content), listed,
                                      _job(job_text))
        generated = await self._ask(user_id, "skills", system, data, "skills_suggestions",
                                    prompts.SKILLS_SCHEMA)
        have = {name.casefold() for name in listed}
        seen: set[str] = set()
        found = []
        for item in generated.data["skills"]:
            name = item["name"].strip()
            if name and name.casefold() not in have | seen:
                seen.add(name.casefold())
                found.append(SkillSuggestion(name, item["reason"].strip()))
        return found

    # -- cover letters ---------------------------------------------------------------------

    async def cover_letter(self, user_id: uuid.UUID, cv_id: uuid.UUID, *, job_text: str,
                           job_title: str, tone: str, words: int) -> Letter:
        if not 100 <= words <= 600:
            raise InvalidArgument("words must be between 100 and 600")
        job = _job(job_text)
        if not job:
            raise InvalidArgument("job_text is required: the posting the letter answers")
        content, _, _, _ = await self._cv(user_id, cv_id, "editor")
        name = (content.get("basics") or {}).get("name") or ""
        system, data = prompts.cover_letter(redaction.experience_text(content), job,
                                            tone=_tone(tone), words=words, name=name)
        generated = await self._ask(user_id, "cover_letter", system, data, "cover_letter",
                                    prompts.COVER_LETTER_SCHEMA)
        letter = generated.data

        async def keep(session: AsyncSession) -> Letter:
            await cv_for(session, user_id, cv_id, need="editor")
            row = CoverLetter(id=uuid.uuid4(), cv_id=cv_id, job_title=job_title.strip()[:200],
                              letter=letter, created_at=self.clock())
            session.add(row)
            return Letter(row.id, letter["greeting"], list(letter["paragraphs"]),
                          letter["closing"])

        return await self.unit(keep)

    # -- ATS analysis and matching (deterministic; the advice alone is a model call) -----------

    async def ats(self, user_id: uuid.UUID, cv_id: uuid.UUID, *, job_text: str,
                  job_title: str, advice: bool) -> AtsResult:
        job = _job(job_text)
        content, _, _, template = await self._cv(user_id, cv_id)
        report = analyse(content, job, job_title=job_title.strip()[:200], template=template,
                         today=self.clock().date())
        tips: tuple[tuple[str, str], ...] = ()
        if advice:
            fields = [f for section in ("basics", "work", "projects")
                      for f in redaction.fields(content, section)
                      if _field_name(f["path"]) in redaction.REPHRASABLE]
            missing = [term.name for term in report.keywords.missing][:20]
            system, data = prompts.ats_advice(fields, job, missing)
            generated = await self._ask(user_id, "advice", system, data, "ats_advice",
                                        prompts.ADVICE_SCHEMA)
            tips = tuple((item["path"], item["advice"]) for item in generated.data["advice"])
        return AtsResult(report, tips)

    async def match(self, user_id: uuid.UUID, cv_id: uuid.UUID, job: Job, *,
                    expected_salary: float | None, currency: str | None) -> MatchReport:
        content, version, _, _ = await self._cv(user_id, cv_id)
        return match(content, job, expected_salary=expected_salary,
                     expected_currency=currency, today=self.clock().date(),
                     embedding_similarity=await self._similarity(cv_id, version, content, job))

    async def _similarity(self, cv_id: uuid.UUID, version: int, content: dict,
                          job: Job) -> float | None:
        """Cosine similarity of the CV's and the job's embeddings, when embeddings are
        configured; the CV's vector is stored per version, the job's made each time (the jobs
        service will keep its own). A provider failure only leaves the part out."""
        provider, model = self.models.embedding, self.models.embedding_model
        if provider is None:
            return None
        job_text = "\n".join([job.title, " ".join(job.skills), job.description])
        try:
            stored = await self.unit(lambda s: CvEmbeddings(s).get(cv_id, model, version))
            texts = [job_text] if stored is not None else [job_text,
                                                          redaction.experience_text(content)]
            vectors = await provider.embed(texts, model)
        except ProviderError as exc:
            log.warning("embeddings unavailable; matching without them",
                        extra={"kind": exc.kind})
            return None
        if stored is None:
            stored = vectors[1]
            await self.unit(lambda s: CvEmbeddings(s).put(cv_id, model, version, stored))
        return vector_similarity(vectors[0], stored)

    async def _cv(self, user_id: uuid.UUID, cv_id: uuid.UUID, need: str = "viewer") -> tuple:
        """(content, version, owner id, template) of a CV the caller may `need` on."""
        async def read(session: AsyncSession) -> tuple:
            cv = (await cv_for(session, user_id, cv_id, need=need)).cv
            return cv.content, cv.version, cv.owner_id, cv.template

        return await self.unit(read)


@dataclass(frozen=True)
class AtsResult:
    report: AtsReport
    advice: tuple[tuple[str, str], ...]  # (path, advice) from a model, when asked for


def _field_name(path: str) -> str:
    """"work[0].highlights[1]" -> "highlights"."""
    return re.sub(r"\[\d+\]", "", path.rsplit(".", 1)[-1])
