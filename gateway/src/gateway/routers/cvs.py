"""/cvs: the signed-in user's CVs — create, read, replace, change one section, the design
(template and options), delete to the trash and restore, versions and restoring one, exports
(PDF, DOCX, TXT, JSON Resume), imports (JSON Resume, an uploaded PDF/DOCX, a LinkedIn export)
and the templates. Everything is the cv service's gRPC API; links and collaboration are in
cv_sharing.py.

Every answer with a CV carries its ETag ("v<version>"); every write needs If-Match with the
ETag it was made on. A stale one gets 412 (someone saved in between: reload and re-apply), a
missing one 428, so two tabs or two collaborators never overwrite each other unseen.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response

from career.auth.v1 import auth_pb2
from career.cv.v1 import cv_pb2
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep
from gateway.conversions import PageSize, PageToken, page_request
from gateway.problems import Problem
from gateway.routers.cvs_schemas import (
    CoverLettersOut,
    CvIn,
    CvOut,
    CvsOut,
    CvVersionOut,
    DesignIn,
    NewCvIn,
    TemplateOut,
    TemplatesOut,
    VersionsOut,
    cover_letter_out,
    cv_out,
    version_info_out,
)

router = APIRouter(tags=["cvs"])

_ETAG = re.compile(r'^\s*(?:W/)?"v(\d{1,18})"\s*$')
IfMatch = Annotated[str | None, Header(description='The ETag the edit was made on, e.g. "v3"',
                                       max_length=64)]


ResumeBody = Annotated[dict[str, Any], Body(
    description='A JSON Resume (jsonresume.org), or {"file_id": "<id>"} for a PDF or DOCX '
                "uploaded to /api/uploads/cv-files")]
# LinkedIn's "Get a copy of your data" archive; its profile-only one is well under this.
MAX_LINKEDIN_ZIP = 7 * 1024 * 1024
EXPORT_FORMATS = ("pdf", "docx", "txt", "json")
SectionBody = Annotated[Any, Body(description="The section's new value: an object (basics, "
                                             "meta), a list (work, education, ...) or a "
                                             "files id (photo)")]


def etag(version: int) -> str:
    return f'"v{version}"'


def expected_version(if_match: str | None) -> int:
    if not if_match:
        raise Problem(428, "Send If-Match with the CV's ETag: the version this edit was "
                           "made on.")
    match = _ETAG.match(if_match)
    if match is None:
        raise Problem(412, "If-Match does not name a version of this CV.")
    return int(match.group(1))


def _answer(cv: cv_pb2.Cv, response: Response) -> CvOut:
    response.headers["ETag"] = etag(cv.version)
    return cv_out(cv)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@router.get("/cvs", response_model=CvsOut, summary="One's CVs, most recently updated first")
async def list_cvs(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                   page_token: PageToken = None) -> CvsOut:
    reply = await clients.cv.ListCvs(cv_pb2.ListCvsRequest(
        page=page_request(page_size, page_token)))
    return CvsOut(cvs=[cv_out(cv) for cv in reply.cvs],
                  next_page_token=reply.page.next_page_token or None)


@router.post("/cvs", response_model=CvOut, status_code=201,
             summary="Create a CV: blank, from given content, or as a copy of one's own")
async def create_cv(body: NewCvIn, caller: CurrentCaller, clients: ClientsDep,
                    response: Response) -> CvOut:
    cv = await clients.cv.CreateCv(cv_pb2.CreateCvRequest(
        title=body.title or "", template=body.template or "",
        content_json=_json(body.content) if body.content is not None else "",
        copy_of=body.copy_of or "",
        options_json=_json(body.options) if body.options else ""))
    return _answer(cv, response)


@router.get("/cvs/templates", response_model=TemplatesOut,
            summary="The six templates: which are premium, which are single-column ATS-safe")
async def list_templates(caller: CurrentCaller, clients: ClientsDep) -> TemplatesOut:
    reply = await clients.cv.ListTemplates(cv_pb2.ListTemplatesRequest())
    return TemplatesOut(templates=[TemplateOut(
        name=t.name, title=t.title, description=t.description, premium=t.premium,
        ats_safe=t.ats_safe, preview_url=f"/cvs/templates/{t.name}/preview.png")
        for t in reply.templates])


@router.get("/cvs/templates/{name}/preview.png", summary="Page 1 of a sample CV in a template",
            responses={200: {"content": {"image/png": {}}, "description": "A PNG"}})
async def template_preview(name: str, caller: CurrentCaller, clients: ClientsDep) -> Response:
    preview = await clients.cv.GetTemplatePreview(cv_pb2.GetTemplatePreviewRequest(name=name))
    # The same bytes until the service's templates change (a deployment).
    return Response(preview.png, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


@router.post("/cvs/import", response_model=CvOut, status_code=201,
             summary="Import a JSON Resume (fields it has no place for are kept) or an "
                     "uploaded PDF or DOCX (parsed into sections) as a new CV")
async def import_cv(resume: ResumeBody, caller: CurrentCaller, clients: ClientsDep,
                    response: Response) -> CvOut:
    if "file_id" in resume:
        if set(resume) - {"file_id", "title"} or not isinstance(resume["file_id"], str):
            raise Problem(422, 'Send {"file_id": "<id>"} (and optionally "title") to import '
                               "an upload, or a JSON Resume.")
        title = resume.get("title")
        cv = await clients.cv.ImportCvFile(cv_pb2.ImportCvFileRequest(
            file_id=resume["file_id"], title=title if isinstance(title, str) else ""))
        return _answer(cv, response)
    basics = resume.get("basics") if isinstance(resume.get("basics"), dict) else {}
    title = str(basics.get("name") or "Imported CV")[:200]
    cv = await clients.cv.CreateCv(cv_pb2.CreateCvRequest(title=title,
                                                          content_json=_json(resume)))
    return _answer(cv, response)


@router.post("/cvs/import/linkedin", response_model=CvOut, status_code=201,
             summary="Import a LinkedIn data-export ZIP as a new CV (the ZIP is not stored)",
             openapi_extra={"requestBody": {
                 "required": True,
                 "description": "The ZIP LinkedIn sends (any Content-Type: the bytes decide)",
                 "content": {"application/octet-stream": {
                     "schema": {"type": "string", "format": "binary"}}}}})
async def import_linkedin(request: Request, caller: CurrentCaller, clients: ClientsDep,
                          response: Response) -> CvOut:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_LINKEDIN_ZIP:
        raise Problem(413, f"The export is larger than {MAX_LINKEDIN_ZIP // 2**20} MB; "
                           "LinkedIn's smaller archive (profile data only) is enough.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_LINKEDIN_ZIP:
            raise Problem(413, f"The export is larger than {MAX_LINKEDIN_ZIP // 2**20} MB.")
    if not body:
        raise Problem(400, "Send the ZIP LinkedIn gave you as the request body.")
    cv = await clients.cv.ImportLinkedIn(cv_pb2.ImportLinkedInRequest(
        zip=bytes(body), profile=await _linkedin_sign_in(clients)))
    return _answer(cv, response)


async def _linkedin_sign_in(clients) -> cv_pb2.LinkedInProfile | None:
    """Name and picture from the caller's LinkedIn sign-in (OpenID Connect), which the auth
    service keeps on the account; None without a linked LinkedIn identity."""
    linked = await clients.auth.ListIdentities(auth_pb2.ListIdentitiesRequest())
    if not any(identity.provider == "linkedin" for identity in linked.identities):
        return None
    me = await clients.auth.GetMe(auth_pb2.GetMeRequest())
    uploaded = me.profile_image.file_id if me.HasField("profile_image") else ""
    return cv_pb2.LinkedInProfile(name=me.name, photo_file_id=uploaded,
                                  picture_url="" if uploaded else me.profile_image_url)


@router.get("/cvs/trash", response_model=CvsOut,
            summary="One's CVs in the trash (kept 30 days), most recently deleted first")
async def list_trash(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                     page_token: PageToken = None) -> CvsOut:
    reply = await clients.cv.ListTrash(cv_pb2.ListCvsRequest(
        page=page_request(page_size, page_token)))
    return CvsOut(cvs=[cv_out(cv) for cv in reply.cvs],
                  next_page_token=reply.page.next_page_token or None)


@router.get("/cvs/{cv_id}", response_model=CvOut, summary="One of one's CVs, with its ETag")
async def get_cv(cv_id: str, caller: CurrentCaller, clients: ClientsDep,
                 response: Response) -> CvOut:
    return _answer(await clients.cv.GetCv(cv_pb2.GetCvRequest(id=cv_id)), response)


@router.put("/cvs/{cv_id}", response_model=CvOut,
            summary="Replace a CV's title, template and content (If-Match required)")
async def replace_cv(cv_id: str, body: CvIn, caller: CurrentCaller, clients: ClientsDep,
                     response: Response, if_match: IfMatch = None) -> CvOut:
    cv = await clients.cv.ReplaceCv(cv_pb2.ReplaceCvRequest(
        id=cv_id, expected_version=expected_version(if_match), title=body.title,
        template=body.template, content_json=_json(body.content)))
    return _answer(cv, response)


@router.patch("/cvs/{cv_id}/sections/{section}", response_model=CvOut,
              summary="Replace one section of a CV (autosave; If-Match required)")
async def update_section(cv_id: str, section: str, body: SectionBody, caller: CurrentCaller,
                         clients: ClientsDep, response: Response,
                         if_match: IfMatch = None) -> CvOut:
    cv = await clients.cv.UpdateSection(cv_pb2.UpdateSectionRequest(
        id=cv_id, expected_version=expected_version(if_match), section=section,
        value_json=_json(body)))
    return _answer(cv, response)


@router.put("/cvs/{cv_id}/design", response_model=CvOut,
            summary="Set a CV's template and render options (If-Match required)")
async def set_design(cv_id: str, body: DesignIn, caller: CurrentCaller, clients: ClientsDep,
                     response: Response, if_match: IfMatch = None) -> CvOut:
    cv = await clients.cv.SetDesign(cv_pb2.SetDesignRequest(
        id=cv_id, expected_version=expected_version(if_match), template=body.template,
        options_json=_json(body.options) if body.options else ""))
    return _answer(cv, response)


@router.delete("/cvs/{cv_id}", status_code=204,
               summary="Move a CV to the trash (If-Match optional)")
async def delete_cv(cv_id: str, caller: CurrentCaller, clients: ClientsDep,
                    if_match: IfMatch = None) -> Response:
    await clients.cv.DeleteCv(cv_pb2.DeleteCvRequest(
        id=cv_id, expected_version=expected_version(if_match) if if_match else 0))
    return Response(status_code=204)


@router.post("/cvs/{cv_id}/restore", response_model=CvOut,
             summary="Take a CV out of the trash")
async def restore_cv(cv_id: str, caller: CurrentCaller, clients: ClientsDep,
                     response: Response) -> CvOut:
    return _answer(await clients.cv.RestoreCv(cv_pb2.RestoreCvRequest(id=cv_id)), response)


@router.get("/cvs/{cv_id}/export/{export_format}",
            summary="Download a CV: pdf or docx in its template, txt, or json (JSON Resume)",
            responses={200: {"content": {media: {} for media in (
                "application/pdf", "application/json", "text/plain",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")},
                "description": "The CV as a file"}})
async def export_cv(cv_id: str, export_format: str, caller: CurrentCaller,
                    clients: ClientsDep) -> Response:
    if export_format not in EXPORT_FORMATS:
        raise Problem(404, "Exports are pdf, docx, txt or json.")
    export = await clients.cv.ExportCv(cv_pb2.ExportCvRequest(id=cv_id, format=export_format),
                                       timeout=30)
    return file_response(export)


@router.get("/cvs/{cv_id}/cover-letters", response_model=CoverLettersOut,
            summary="The cover letters written for a CV, newest first")
async def list_cover_letters(cv_id: str, caller: CurrentCaller,
                             clients: ClientsDep) -> CoverLettersOut:
    reply = await clients.cv.ListCoverLetters(cv_pb2.ListCoverLettersRequest(id=cv_id))
    return CoverLettersOut(letters=[cover_letter_out(letter) for letter in reply.letters])


@router.get("/cvs/{cv_id}/cover-letters/{letter_id}/export/{export_format}",
            summary="Download a cover letter in its CV's template: pdf, docx or txt",
            responses={200: {"content": {media: {} for media in (
                "application/pdf", "text/plain",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")},
                "description": "The letter as a file"}})
async def export_cover_letter(cv_id: str, letter_id: str, export_format: str,
                              caller: CurrentCaller, clients: ClientsDep) -> Response:
    if export_format not in ("pdf", "docx", "txt"):
        raise Problem(404, "Cover letters export as pdf, docx or txt.")
    export = await clients.cv.ExportCoverLetter(cv_pb2.ExportCoverLetterRequest(
        id=cv_id, letter_id=letter_id, format=export_format), timeout=30)
    return file_response(export)


def file_response(export: cv_pb2.Export) -> Response:
    """A rendered CV as a download, with the version it shows as its ETag."""
    return Response(export.content, media_type=export.media_type, headers={
        "Content-Disposition": f'attachment; filename="{export.file_name}"',
        "ETag": etag(export.version), "Cache-Control": "private, no-cache"})


@router.get("/cvs/{cv_id}/versions", response_model=VersionsOut,
            summary="A CV's saved versions, newest first")
async def list_versions(cv_id: str, caller: CurrentCaller, clients: ClientsDep,
                        page_size: PageSize = 20, page_token: PageToken = None) -> VersionsOut:
    reply = await clients.cv.ListVersions(cv_pb2.ListVersionsRequest(
        id=cv_id, page=page_request(page_size, page_token)))
    return VersionsOut(versions=[version_info_out(v) for v in reply.versions],
                       next_page_token=reply.page.next_page_token or None)


@router.get("/cvs/{cv_id}/versions/{version}", response_model=CvVersionOut,
            summary="One saved version of a CV")
async def get_version(cv_id: str, version: int, caller: CurrentCaller,
                      clients: ClientsDep) -> CvVersionOut:
    found = await clients.cv.GetVersion(cv_pb2.GetVersionRequest(id=cv_id, version=version))
    return CvVersionOut(**version_info_out(found.info).model_dump(), template=found.template,
                        content=json.loads(found.content_json))


@router.post("/cvs/{cv_id}/versions/{version}/restore", response_model=CvOut,
             summary="Save an old version as the newest (If-Match required)")
async def restore_version(cv_id: str, version: int, caller: CurrentCaller,
                          clients: ClientsDep, response: Response,
                          if_match: IfMatch = None) -> CvOut:
    cv = await clients.cv.RestoreVersion(cv_pb2.RestoreVersionRequest(
        id=cv_id, version=version, expected_version=expected_version(if_match)))
    return _answer(cv, response)
