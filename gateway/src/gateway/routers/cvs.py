"""/cvs: the signed-in user's CVs — create, read, replace, change one section, delete to the
trash and restore, versions and restoring one. Everything is the cv service's gRPC API.

Every answer with a CV carries its ETag ("v<version>"); every write needs If-Match with the
ETag it was made on. A stale one gets 412 (someone saved in between: reload and re-apply), a
missing one 428, so two tabs or two collaborators never overwrite each other unseen.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response
from fastapi.responses import JSONResponse

from career.cv.v1 import cv_pb2
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep
from gateway.conversions import PageSize, PageToken, page_request
from gateway.problems import Problem
from gateway.routers.cvs_schemas import (
    CvIn,
    CvOut,
    CvsOut,
    CvVersionOut,
    NewCvIn,
    VersionsOut,
    cv_out,
    version_info_out,
)

router = APIRouter(tags=["cvs"])

_ETAG = re.compile(r'^\s*(?:W/)?"v(\d{1,18})"\s*$')
IfMatch = Annotated[str | None, Header(description='The ETag the edit was made on, e.g. "v3"',
                                       max_length=64)]


ResumeBody = Annotated[dict[str, Any], Body(description="A JSON Resume (jsonresume.org)")]
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
        copy_of=body.copy_of or ""))
    return _answer(cv, response)


@router.post("/cvs/import", response_model=CvOut, status_code=201,
             summary="Import a JSON Resume as a new CV (fields it has no place for are kept)")
async def import_cv(resume: ResumeBody, caller: CurrentCaller, clients: ClientsDep,
                    response: Response) -> CvOut:
    if set(resume) == {"file_id"}:
        raise Problem(501, "Importing an uploaded PDF, DOCX or LinkedIn export is not "
                           "available yet; send a JSON Resume.")
    basics = resume.get("basics") if isinstance(resume.get("basics"), dict) else {}
    title = str(basics.get("name") or "Imported CV")[:200]
    cv = await clients.cv.CreateCv(cv_pb2.CreateCvRequest(title=title,
                                                          content_json=_json(resume)))
    return _answer(cv, response)


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
            summary="Download a CV: json (JSON Resume); pdf, docx and txt come with the "
                    "templates", response_class=JSONResponse,
            responses={200: {"content": {"application/json": {}}, "description": "The CV"}})
async def export_cv(cv_id: str, export_format: str, caller: CurrentCaller,
                    clients: ClientsDep) -> Response:
    if export_format in ("pdf", "docx", "txt"):
        raise Problem(501, f"{export_format.upper()} export is not available yet.")
    if export_format != "json":
        raise Problem(404, "Exports are json, pdf, docx or txt.")
    cv = await clients.cv.GetCv(cv_pb2.GetCvRequest(id=cv_id))
    await clients.cv.RecordDownload(cv_pb2.RecordDownloadRequest(id=cv_id, format="json"))
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", cv.title).strip("-") or "cv"
    return Response(cv.content_json, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}.json"',
        "ETag": etag(cv.version)})


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
