"""/ai: the AI features on one's CVs (the cv service's), under the gateway's AI rate limit.
ATS analysis and matching are deterministic and free; their optional advice is a model call.
Each model call uses one of the plan's AI requests (429 `ai-quota-exceeded` naming the plan
that allows more); a provider that fails gives 502 `ai-provider-failed` or 504
`ai-provider-timeout`, and the request is not counted."""

from __future__ import annotations

from fastapi import APIRouter

from career.cv.v1 import cv_pb2
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep
from gateway.conversions import PageSize, PageToken, page_request
from gateway.routers.ai_schemas import (
    AiUsageOut,
    AtsIn,
    AtsOut,
    CoverLetterIn,
    CoverLetterOut,
    EnhanceIn,
    EnhancementOut,
    MatchIn,
    MatchOut,
    SkillOut,
    SkillsIn,
    SkillsOut,
    ai_call_out,
    ats_out,
    enhancement_out,
    match_out,
)

router = APIRouter(tags=["ai"])

# A model may take a minute (the cv service's own timeout, then one retry); the gateway waits.
AI_TIMEOUT = 150.0


@router.post("/ai/enhance", response_model=EnhancementOut,
             summary="Suggest rephrasings of a CV section, as a diff (the CV is not changed)")
async def enhance(body: EnhanceIn, caller: CurrentCaller, clients: ClientsDep) -> EnhancementOut:
    request = cv_pb2.EnhanceCvRequest(id=body.cv_id, section=body.section, tone=body.tone,
                                      target_role=body.target_role)
    if body.index is not None:
        request.index = body.index
    return enhancement_out(await clients.cv.EnhanceCv(request, timeout=AI_TIMEOUT))


@router.post("/ai/skills-suggest", response_model=SkillsOut,
             summary="Skills the CV's experience shows and it does not list yet")
async def skills_suggest(body: SkillsIn, caller: CurrentCaller, clients: ClientsDep) -> SkillsOut:
    reply = await clients.cv.SuggestSkills(cv_pb2.SuggestSkillsRequest(
        id=body.cv_id, job_text=body.job_text), timeout=AI_TIMEOUT)
    return SkillsOut(skills=[SkillOut(name=s.name, reason=s.reason) for s in reply.skills])


@router.post("/ai/cover-letter", response_model=CoverLetterOut, status_code=201,
             summary="Write a cover letter for a job from a CV (kept with the CV)")
async def cover_letter(body: CoverLetterIn, caller: CurrentCaller,
                       clients: ClientsDep) -> CoverLetterOut:
    letter = await clients.cv.WriteCoverLetter(cv_pb2.WriteCoverLetterRequest(
        id=body.cv_id, job_text=body.job_text, job_title=body.job_title, tone=body.tone,
        words=body.words), timeout=AI_TIMEOUT)
    return CoverLetterOut(id=letter.id, greeting=letter.greeting,
                          paragraphs=list(letter.paragraphs), closing=letter.closing)


@router.post("/ai/ats-analysis", response_model=AtsOut,
             summary="How an ATS reads a CV against a job ad: a 0-100 score and its breakdown")
async def ats_analysis(body: AtsIn, caller: CurrentCaller, clients: ClientsDep) -> AtsOut:
    return ats_out(await clients.cv.AnalyseAts(cv_pb2.AnalyseAtsRequest(
        id=body.cv_id, job_text=body.job_text, job_title=body.job_title, advice=body.advice),
        timeout=AI_TIMEOUT))


@router.post("/ai/match", response_model=MatchOut,
             summary="How well a CV fits a job, explained part by part (no model)")
async def match(body: MatchIn, caller: CurrentCaller, clients: ClientsDep) -> MatchOut:
    job = cv_pb2.Job(title=body.job.title, description=body.job.description,
                     skills=body.job.skills, location=body.job.location,
                     seniority=body.job.seniority, currency=body.job.currency)
    for name in ("remote", "salary_min", "salary_max"):
        if (value := getattr(body.job, name)) is not None:
            setattr(job, name, value)
    request = cv_pb2.MatchCvJobRequest(id=body.cv_id, job=job,
                                       expected_currency=body.expected_currency)
    if body.expected_salary is not None:
        request.expected_salary = body.expected_salary
    return match_out(await clients.cv.MatchCvJob(request))


@router.get("/ai/usage", response_model=AiUsageOut,
            summary="One's AI calls, newest first: model, tokens, latency, outcome")
async def usage(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                page_token: PageToken = None) -> AiUsageOut:
    reply = await clients.cv.ListAiUsage(cv_pb2.ListAiUsageRequest(
        page=page_request(page_size, page_token)))
    return AiUsageOut(calls=[ai_call_out(c) for c in reply.calls],
                      next_page_token=reply.page.next_page_token or None)
