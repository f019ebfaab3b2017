"""The CvService servicer: protobuf <-> domain, one unit of work per call."""

from __future__ import annotations

import asyncio
import json
import uuid

import grpc

from career.cv.v1 import cv_pb2, cv_pb2_grpc
from career_kit import context
from career_kit.context import id_argument, signed_in_user
from career_kit.conversions import datetime_of, timestamp
from career_kit.errors import NotFound
from career_kit.pagination import Cursor, Page
from career_kit.unit_of_work import UnitOfWork
from cv.access import Access, cv_for
from cv.ai.features import AiFeatures
from cv.analysis.match import Job
from cv.collaboration import Collaboration
from cv.exports import Exporter, Rendered
from cv.models import Cv, CvComment, CvGrant, CvLink, CvVersion, Person
from cv.previews import template_preview
from cv.render.templates import TEMPLATES
from cv.repository import AiCalls, CoverLetters
from cv.service import CvService
from cv.sharing import Sharing
from cv.uploads import SignInProfile, Uploads

SERVICE_NAME = "career.cv.v1.CvService"


def cv_message(cv: Cv, *, role: str = "owner", with_content: bool = True) -> cv_pb2.Cv:
    return cv_pb2.Cv(
        id=str(cv.id), owner_id=str(cv.owner_id), title=cv.title, template=cv.template,
        content_json=json.dumps(cv.content, ensure_ascii=False) if with_content else "",
        options_json=json.dumps(cv.options, ensure_ascii=False),
        version=cv.version, download_count=cv.download_count, role=role,
        created_at=timestamp(cv.created_at), updated_at=timestamp(cv.updated_at),
        deleted_at=timestamp(cv.deleted_at), completed_at=timestamp(cv.completed_at))


def _accessed(access: Access) -> cv_pb2.Cv:
    return cv_message(access.cv, role=access.role)


def version_info(version: CvVersion) -> cv_pb2.VersionInfo:
    return cv_pb2.VersionInfo(version=version.version, author_id=str(version.author_id),
                              title=version.title, saved_at=timestamp(version.saved_at))


def link_message(link: CvLink) -> cv_pb2.ShareLink:
    return cv_pb2.ShareLink(
        id=str(link.id), cv_id=str(link.cv_id), slug=link.slug,
        created_at=timestamp(link.created_at), expires_at=timestamp(link.expires_at),
        revoked_at=timestamp(link.revoked_at), views=link.views, downloads=link.downloads)


def collaborator_message(grant: CvGrant, person: Person | None) -> cv_pb2.Collaborator:
    return cv_pb2.Collaborator(
        user_id=str(grant.user_id), email=person.email if person else "",
        name=person.name if person else "", role=grant.role,
        granted_at=timestamp(grant.granted_at))


def comment_message(comment: CvComment) -> cv_pb2.Comment:
    return cv_pb2.Comment(
        id=str(comment.id), cv_id=str(comment.cv_id), section=comment.section,
        author_id=str(comment.author_id), body=comment.body,
        created_at=timestamp(comment.created_at), resolved_at=timestamp(comment.resolved_at),
        resolved_by=str(comment.resolved_by) if comment.resolved_by else "")


def export_message(rendered: Rendered) -> cv_pb2.Export:
    return cv_pb2.Export(content=rendered.content, media_type=rendered.media_type,
                         file_name=rendered.file_name, version=rendered.version)


def _part(name: str, score: float | None, weight: float, reason: str) -> cv_pb2.ScorePart:
    part = cv_pb2.ScorePart(name=name, weight=weight, reason=reason)
    if score is not None:
        part.score = score
    return part


def _caller_and_cv(request_id: str) -> tuple[uuid.UUID, uuid.UUID]:
    return signed_in_user(context.caller_id()), id_argument(request_id, "id")


class CvServicer(cv_pb2_grpc.CvServiceServicer):
    def __init__(self, unit: UnitOfWork, service: CvService, exporter: Exporter,
                 sharing: Sharing, collaboration: Collaboration, uploads: Uploads,
                 ai: AiFeatures) -> None:
        self.ai = ai
        self.unit = unit
        self.service = service
        self.exporter = exporter
        self.sharing = sharing
        self.collaboration = collaboration
        self.uploads = uploads

    # -- CVs -------------------------------------------------------------------------------

    async def CreateCv(self, request: cv_pb2.CreateCvRequest,
                       ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner = signed_in_user(context.caller_id())
        cv = await self.unit(lambda s: self.service.create(
            s, owner, title=request.title, template=request.template,
            content_json=request.content_json, copy_of=request.copy_of,
            options_json=request.options_json))
        return cv_message(cv)

    async def GetCv(self, request: cv_pb2.GetCvRequest,
                    ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        user, cv_id = _caller_and_cv(request.id)
        return _accessed(await self.unit(lambda s: self.service.get(s, user, cv_id)))

    async def ListCvs(self, request: cv_pb2.ListCvsRequest,
                      ctx: grpc.aio.ServicerContext) -> cv_pb2.ListCvsResponse:
        return await self._list(request, trashed=False)

    async def ListTrash(self, request: cv_pb2.ListCvsRequest,
                        ctx: grpc.aio.ServicerContext) -> cv_pb2.ListCvsResponse:
        return await self._list(request, trashed=True)

    async def _list(self, request: cv_pb2.ListCvsRequest, *,
                    trashed: bool) -> cv_pb2.ListCvsResponse:
        owner, page = signed_in_user(context.caller_id()), Page.of(request.page)
        rows = await self.unit(lambda s: self.service.page(s, owner, page, trashed=trashed))
        shown, page_info = page.cut(rows, lambda cv: Cursor(
            cv.deleted_at if trashed else cv.updated_at, str(cv.id)))
        return cv_pb2.ListCvsResponse(cvs=[cv_message(cv, with_content=False) for cv in shown],
                                      page=page_info)

    async def ReplaceCv(self, request: cv_pb2.ReplaceCvRequest,
                        ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        user, cv_id = _caller_and_cv(request.id)
        return _accessed(await self.unit(lambda s: self.service.replace(
            s, user, cv_id, expected_version=request.expected_version, title=request.title,
            template=request.template, content_json=request.content_json)))

    async def UpdateSection(self, request: cv_pb2.UpdateSectionRequest,
                            ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        user, cv_id = _caller_and_cv(request.id)
        return _accessed(await self.unit(lambda s: self.service.update_section(
            s, user, cv_id, expected_version=request.expected_version,
            section=request.section, value_json=request.value_json)))

    async def SetDesign(self, request: cv_pb2.SetDesignRequest,
                        ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        user, cv_id = _caller_and_cv(request.id)
        return _accessed(await self.unit(lambda s: self.service.set_design(
            s, user, cv_id, expected_version=request.expected_version,
            template=request.template, options_json=request.options_json)))

    async def DeleteCv(self, request: cv_pb2.DeleteCvRequest,
                       ctx: grpc.aio.ServicerContext) -> cv_pb2.DeleteCvResponse:
        owner, cv_id = _caller_and_cv(request.id)
        await self.unit(lambda s: self.service.delete(
            s, owner, cv_id, expected_version=request.expected_version))
        return cv_pb2.DeleteCvResponse()

    async def RestoreCv(self, request: cv_pb2.RestoreCvRequest,
                        ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner, cv_id = _caller_and_cv(request.id)
        return cv_message(await self.unit(lambda s: self.service.restore(s, owner, cv_id)))

    async def ListVersions(self, request: cv_pb2.ListVersionsRequest,
                           ctx: grpc.aio.ServicerContext) -> cv_pb2.ListVersionsResponse:
        user, cv_id = _caller_and_cv(request.id)
        page = Page.of(request.page)
        rows = await self.unit(lambda s: self.service.versions(s, user, cv_id, page))
        shown, page_info = page.cut(rows, lambda v: Cursor(v.saved_at, str(v.version)))
        return cv_pb2.ListVersionsResponse(versions=[version_info(v) for v in shown],
                                           page=page_info)

    async def GetVersion(self, request: cv_pb2.GetVersionRequest,
                         ctx: grpc.aio.ServicerContext) -> cv_pb2.CvVersion:
        user, cv_id = _caller_and_cv(request.id)
        found = await self.unit(lambda s: self.service.version(s, user, cv_id,
                                                               request.version))
        return cv_pb2.CvVersion(info=version_info(found), template=found.template,
                                content_json=json.dumps(found.content, ensure_ascii=False))

    async def RestoreVersion(self, request: cv_pb2.RestoreVersionRequest,
                             ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        user, cv_id = _caller_and_cv(request.id)
        return _accessed(await self.unit(lambda s: self.service.restore_version(
            s, user, cv_id, request.version, expected_version=request.expected_version)))

    # -- templates, exports, imports -------------------------------------------------------

    async def ListTemplates(self, request: cv_pb2.ListTemplatesRequest,
                            ctx: grpc.aio.ServicerContext) -> cv_pb2.ListTemplatesResponse:
        return cv_pb2.ListTemplatesResponse(templates=[
            cv_pb2.Template(name=t.name, title=t.title, description=t.description,
                            premium=t.premium, ats_safe=t.ats_safe)
            for t in TEMPLATES.values()])

    async def GetTemplatePreview(self, request: cv_pb2.GetTemplatePreviewRequest,
                                 ctx: grpc.aio.ServicerContext) -> cv_pb2.TemplatePreview:
        if request.name not in TEMPLATES:
            raise NotFound(f"There is no template {request.name!r}.")
        return cv_pb2.TemplatePreview(
            png=await asyncio.to_thread(template_preview, request.name))

    async def ExportCv(self, request: cv_pb2.ExportCvRequest,
                       ctx: grpc.aio.ServicerContext) -> cv_pb2.Export:
        user, cv_id = _caller_and_cv(request.id)
        return export_message(await self.exporter.export(user, cv_id, request.format))

    async def ImportCvFile(self, request: cv_pb2.ImportCvFileRequest,
                           ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner = signed_in_user(context.caller_id())
        id_argument(request.file_id, "file_id")
        return cv_message(await self.uploads.from_file(owner, request.file_id, request.title))

    async def ImportLinkedIn(self, request: cv_pb2.ImportLinkedInRequest,
                             ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner = signed_in_user(context.caller_id())
        profile = None
        if request.HasField("profile"):
            profile = SignInProfile(name=request.profile.name,
                                    picture_url=request.profile.picture_url,
                                    photo_file_id=request.profile.photo_file_id)
        return cv_message(await self.uploads.from_linkedin(owner, request.zip, request.title,
                                                           profile))

    # -- public links ----------------------------------------------------------------------

    async def CreateShareLink(self, request: cv_pb2.CreateShareLinkRequest,
                              ctx: grpc.aio.ServicerContext) -> cv_pb2.ShareLink:
        owner, cv_id = _caller_and_cv(request.id)
        expires = datetime_of(request, "expires_at")
        return link_message(await self.unit(lambda s: self.sharing.create(
            s, owner, cv_id, expires_at=expires)))

    async def ListShareLinks(self, request: cv_pb2.ListShareLinksRequest,
                             ctx: grpc.aio.ServicerContext) -> cv_pb2.ListShareLinksResponse:
        owner, cv_id = _caller_and_cv(request.id)
        links = await self.unit(lambda s: self.sharing.of_cv(s, owner, cv_id))
        return cv_pb2.ListShareLinksResponse(links=[link_message(link) for link in links])

    async def RevokeShareLink(self, request: cv_pb2.RevokeShareLinkRequest,
                              ctx: grpc.aio.ServicerContext) -> cv_pb2.ShareLink:
        owner, cv_id = _caller_and_cv(request.id)
        link_id = id_argument(request.link_id, "link_id")
        return link_message(await self.unit(lambda s: self.sharing.revoke(
            s, owner, cv_id, link_id)))

    async def GetShareLinkStats(self, request: cv_pb2.GetShareLinkStatsRequest,
                                ctx: grpc.aio.ServicerContext) -> cv_pb2.ShareLinkStats:
        owner, cv_id = _caller_and_cv(request.id)
        link_id = id_argument(request.link_id, "link_id")
        link, days = await self.unit(lambda s: self.sharing.stats(
            s, owner, cv_id, link_id, request.days))
        return cv_pb2.ShareLinkStats(link=link_message(link), days=[
            cv_pb2.DayCount(day=day.day.isoformat(), views=day.views, downloads=day.downloads)
            for day in days])

    async def GetPublicCv(self, request: cv_pb2.GetPublicCvRequest,
                          ctx: grpc.aio.ServicerContext) -> cv_pb2.PublicCv:
        async def view(session) -> cv_pb2.PublicCv:
            link, cv = await self.sharing.open(session, request.slug)
            await self.sharing.count_view(session, link, cv, request.viewer)
            return cv_pb2.PublicCv(
                title=cv.title, template=cv.template,
                content_json=json.dumps(cv.content, ensure_ascii=False),
                options_json=json.dumps(cv.options, ensure_ascii=False),
                updated_at=timestamp(cv.updated_at))

        return await self.unit(view)

    async def ExportPublicCv(self, request: cv_pb2.ExportPublicCvRequest,
                             ctx: grpc.aio.ServicerContext) -> cv_pb2.Export:
        return export_message(await self.exporter.export_public(request.slug))

    # -- collaboration ---------------------------------------------------------------------

    async def ShareCv(self, request: cv_pb2.ShareCvRequest,
                      ctx: grpc.aio.ServicerContext) -> cv_pb2.Collaborator:
        owner, cv_id = _caller_and_cv(request.id)
        grant, person = await self.unit(lambda s: self.collaboration.share(
            s, owner, cv_id, email=request.email, role=request.role))
        return collaborator_message(grant, person)

    async def ListCollaborators(self, request: cv_pb2.ListCollaboratorsRequest,
                                ctx: grpc.aio.ServicerContext
                                ) -> cv_pb2.ListCollaboratorsResponse:
        user, cv_id = _caller_and_cv(request.id)
        rows = await self.unit(lambda s: self.collaboration.collaborators(s, user, cv_id))
        return cv_pb2.ListCollaboratorsResponse(
            collaborators=[collaborator_message(grant, person) for grant, person in rows])

    async def UnshareCv(self, request: cv_pb2.UnshareCvRequest,
                        ctx: grpc.aio.ServicerContext) -> cv_pb2.UnshareCvResponse:
        user, cv_id = _caller_and_cv(request.id)
        collaborator = id_argument(request.user_id, "user_id")
        await self.unit(lambda s: self.collaboration.unshare(s, user, cv_id, collaborator))
        return cv_pb2.UnshareCvResponse()

    async def ListSharedWithMe(self, request: cv_pb2.ListCvsRequest,
                               ctx: grpc.aio.ServicerContext) -> cv_pb2.ListCvsResponse:
        user, page = signed_in_user(context.caller_id()), Page.of(request.page)
        rows = await self.unit(lambda s: self.collaboration.shared_with(s, user, page))
        shown, page_info = page.cut(rows, lambda row: Cursor(row[0].updated_at,
                                                             str(row[0].id)))
        return cv_pb2.ListCvsResponse(
            cvs=[cv_message(cv, role=role, with_content=False) for cv, role in shown],
            page=page_info)

    async def AddComment(self, request: cv_pb2.AddCommentRequest,
                         ctx: grpc.aio.ServicerContext) -> cv_pb2.Comment:
        user, cv_id = _caller_and_cv(request.id)
        return comment_message(await self.unit(lambda s: self.collaboration.comment(
            s, user, cv_id, section=request.section, body=request.body)))

    async def ListComments(self, request: cv_pb2.ListCommentsRequest,
                           ctx: grpc.aio.ServicerContext) -> cv_pb2.ListCommentsResponse:
        user, cv_id = _caller_and_cv(request.id)
        rows = await self.unit(lambda s: self.collaboration.comments(
            s, user, cv_id, section=request.section,
            include_resolved=request.include_resolved))
        return cv_pb2.ListCommentsResponse(comments=[comment_message(c) for c in rows])

    async def ResolveComment(self, request: cv_pb2.ResolveCommentRequest,
                             ctx: grpc.aio.ServicerContext) -> cv_pb2.Comment:
        user, cv_id = _caller_and_cv(request.id)
        comment_id = id_argument(request.comment_id, "comment_id")
        return comment_message(await self.unit(lambda s: self.collaboration.resolve(
            s, user, cv_id, comment_id, resolved=request.resolved)))

    async def DeleteComment(self, request: cv_pb2.DeleteCommentRequest,
                            ctx: grpc.aio.ServicerContext) -> cv_pb2.DeleteCommentResponse:
        user, cv_id = _caller_and_cv(request.id)
        comment_id = id_argument(request.comment_id, "comment_id")
        await self.unit(lambda s: self.collaboration.delete_comment(s, user, cv_id,
                                                                    comment_id))
        return cv_pb2.DeleteCommentResponse()

    # -- AI --------------------------------------------------------------------------------

    async def EnhanceCv(self, request: cv_pb2.EnhanceCvRequest,
                        ctx: grpc.aio.ServicerContext) -> cv_pb2.Enhancement:
        user, cv_id = _caller_and_cv(request.id)
        found = await self.ai.enhance(
            user, cv_id, section=request.section,
            index=request.index if request.HasField("index") else None, tone=request.tone,
            target_role=request.target_role)
        return cv_pb2.Enhancement(
            cv_version=found.cv_version, model=found.model,
            suggestions=[cv_pb2.Suggestion(
                path=s.path, original=s.original, suggested=s.suggested, reason=s.reason,
                diff=[cv_pb2.DiffOp(op=op, before=before, after=after)
                      for op, before, after in s.diff]) for s in found.suggestions],
            dropped=[cv_pb2.DroppedSuggestion(path=d.path, suggested=d.suggested,
                                              unsupported=list(d.unsupported))
                     for d in found.dropped])

    async def SuggestSkills(self, request: cv_pb2.SuggestSkillsRequest,
                            ctx: grpc.aio.ServicerContext) -> cv_pb2.SkillSuggestions:
        user, cv_id = _caller_and_cv(request.id)
        found = await self.ai.suggest_skills(user, cv_id, job_text=request.job_text)
        return cv_pb2.SkillSuggestions(skills=[
            cv_pb2.SkillSuggestion(name=s.name, reason=s.reason) for s in found])

    async def WriteCoverLetter(self, request: cv_pb2.WriteCoverLetterRequest,
                               ctx: grpc.aio.ServicerContext) -> cv_pb2.CoverLetter:
        user, cv_id = _caller_and_cv(request.id)
        letter = await self.ai.cover_letter(
            user, cv_id, job_text=request.job_text, job_title=request.job_title,
            tone=request.tone, words=request.words or 300)
        return cv_pb2.CoverLetter(id=str(letter.id), greeting=letter.greeting,
                                  paragraphs=letter.paragraphs, closing=letter.closing)

    async def AnalyseAts(self, request: cv_pb2.AnalyseAtsRequest,
                         ctx: grpc.aio.ServicerContext) -> cv_pb2.AtsAnalysis:
        user, cv_id = _caller_and_cv(request.id)
        found = await self.ai.ats(user, cv_id, job_text=request.job_text,
                                  job_title=request.job_title, advice=request.advice)
        report = found.report
        return cv_pb2.AtsAnalysis(
            score=report.score, words=report.length.words,
            parts=[_part(p.name, p.score, p.weight, f"{p.points:g} points")
                   for p in report.parts],
            matched_keywords=[t.name for t in report.keywords.matched],
            missing_keywords=[t.name for t in report.keywords.missing],
            missing_skills=list(report.skills.missing),
            findings=[cv_pb2.AtsFinding(code=f.code, severity=f.severity, message=f.message,
                                        where=f.where) for f in report.findings],
            advice=[cv_pb2.Advice(path=path, advice=text) for path, text in found.advice])

    async def MatchCvJob(self, request: cv_pb2.MatchCvJobRequest,
                         ctx: grpc.aio.ServicerContext) -> cv_pb2.JobMatch:
        user, cv_id = _caller_and_cv(request.id)
        job = request.job
        found = await self.ai.match(
            user, cv_id, Job(
                title=job.title, description=job.description, skills=tuple(job.skills),
                location=job.location, remote=job.remote if job.HasField("remote") else None,
                seniority=job.seniority or None,
                salary_min=job.salary_min if job.HasField("salary_min") else None,
                salary_max=job.salary_max if job.HasField("salary_max") else None,
                currency=job.currency or None),
            expected_salary=(request.expected_salary if request.HasField("expected_salary")
                             else None),
            currency=request.expected_currency or None)
        return cv_pb2.JobMatch(
            score=found.score, matched_skills=list(found.matched_skills),
            missing_skills=list(found.missing_skills),
            years_of_experience=found.years_of_experience,
            parts=[_part(p.name, p.score, p.weight, p.reason) for p in found.parts])

    async def ListCoverLetters(self, request: cv_pb2.ListCoverLettersRequest,
                               ctx: grpc.aio.ServicerContext
                               ) -> cv_pb2.ListCoverLettersResponse:
        user, cv_id = _caller_and_cv(request.id)

        async def read(session) -> list:
            await cv_for(session, user, cv_id)
            return await CoverLetters(session).of_cv(cv_id)

        rows = await self.unit(read)
        return cv_pb2.ListCoverLettersResponse(letters=[cv_pb2.CoverLetter(
            id=str(row.id), greeting=row.letter["greeting"],
            paragraphs=row.letter["paragraphs"], closing=row.letter["closing"],
            job_title=row.job_title, created_at=timestamp(row.created_at)) for row in rows])

    async def ExportCoverLetter(self, request: cv_pb2.ExportCoverLetterRequest,
                                ctx: grpc.aio.ServicerContext) -> cv_pb2.Export:
        user, cv_id = _caller_and_cv(request.id)
        letter_id = id_argument(request.letter_id, "letter_id")
        return export_message(await self.exporter.export_letter(user, cv_id, letter_id,
                                                                request.format))

    async def ListAiUsage(self, request: cv_pb2.ListAiUsageRequest,
                          ctx: grpc.aio.ServicerContext) -> cv_pb2.ListAiUsageResponse:
        user, page = signed_in_user(context.caller_id()), Page.of(request.page)
        rows = await self.unit(lambda s: AiCalls(s).page_of_user(user, page))
        shown, page_info = page.cut(rows, lambda c: Cursor(c.created_at, str(c.id)))
        return cv_pb2.ListAiUsageResponse(page=page_info, calls=[cv_pb2.AiCall(
            feature=c.feature, provider=c.provider, model=c.model,
            input_tokens=c.input_tokens, output_tokens=c.output_tokens,
            latency_ms=c.latency_ms, outcome=c.outcome, created_at=timestamp(c.created_at))
            for c in shown])

    def add_to_server(self, server: grpc.aio.Server) -> None:
        cv_pb2_grpc.add_CvServiceServicer_to_server(self, server)
