"""The CvService servicer: protobuf <-> domain, one unit of work per call."""

from __future__ import annotations

import json

import grpc

from career.cv.v1 import cv_pb2, cv_pb2_grpc
from career_kit import context
from career_kit.context import id_argument, signed_in_user
from career_kit.conversions import timestamp
from career_kit.pagination import Cursor, Page
from career_kit.unit_of_work import UnitOfWork
from cv.models import Cv, CvVersion
from cv.service import CvService

SERVICE_NAME = "career.cv.v1.CvService"


def cv_message(cv: Cv, *, with_content: bool = True) -> cv_pb2.Cv:
    return cv_pb2.Cv(
        id=str(cv.id), owner_id=str(cv.owner_id), title=cv.title, template=cv.template,
        content_json=json.dumps(cv.content, ensure_ascii=False) if with_content else "",
        version=cv.version, download_count=cv.download_count,
        created_at=timestamp(cv.created_at), updated_at=timestamp(cv.updated_at),
        deleted_at=timestamp(cv.deleted_at))


def version_info(version: CvVersion) -> cv_pb2.VersionInfo:
    return cv_pb2.VersionInfo(version=version.version, author_id=str(version.author_id),
                              title=version.title, saved_at=timestamp(version.saved_at))


class CvServicer(cv_pb2_grpc.CvServiceServicer):
    def __init__(self, unit: UnitOfWork, service: CvService) -> None:
        self.unit = unit
        self.service = service

    async def CreateCv(self, request: cv_pb2.CreateCvRequest,
                       ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner = signed_in_user(context.caller_id())
        cv = await self.unit(lambda s: self.service.create(
            s, owner, title=request.title, template=request.template,
            content_json=request.content_json, copy_of=request.copy_of))
        return cv_message(cv)

    async def GetCv(self, request: cv_pb2.GetCvRequest,
                    ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        return cv_message(await self.unit(lambda s: self.service.owned(s, owner, cv_id)))

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
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        cv = await self.unit(lambda s: self.service.replace(
            s, owner, cv_id, expected_version=request.expected_version, title=request.title,
            template=request.template, content_json=request.content_json))
        return cv_message(cv)

    async def UpdateSection(self, request: cv_pb2.UpdateSectionRequest,
                            ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        cv = await self.unit(lambda s: self.service.update_section(
            s, owner, cv_id, expected_version=request.expected_version,
            section=request.section, value_json=request.value_json))
        return cv_message(cv)

    async def DeleteCv(self, request: cv_pb2.DeleteCvRequest,
                       ctx: grpc.aio.ServicerContext) -> cv_pb2.DeleteCvResponse:
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        await self.unit(lambda s: self.service.delete(
            s, owner, cv_id, expected_version=request.expected_version))
        return cv_pb2.DeleteCvResponse()

    async def RestoreCv(self, request: cv_pb2.RestoreCvRequest,
                        ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        return cv_message(await self.unit(lambda s: self.service.restore(s, owner, cv_id)))

    async def ListVersions(self, request: cv_pb2.ListVersionsRequest,
                           ctx: grpc.aio.ServicerContext) -> cv_pb2.ListVersionsResponse:
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        page = Page.of(request.page)
        rows = await self.unit(lambda s: self.service.versions(s, owner, cv_id, page))
        shown, page_info = page.cut(rows, lambda v: Cursor(v.saved_at, str(v.version)))
        return cv_pb2.ListVersionsResponse(versions=[version_info(v) for v in shown],
                                           page=page_info)

    async def GetVersion(self, request: cv_pb2.GetVersionRequest,
                         ctx: grpc.aio.ServicerContext) -> cv_pb2.CvVersion:
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        found = await self.unit(lambda s: self.service.version(s, owner, cv_id,
                                                               request.version))
        return cv_pb2.CvVersion(info=version_info(found), template=found.template,
                                content_json=json.dumps(found.content, ensure_ascii=False))

    async def RestoreVersion(self, request: cv_pb2.RestoreVersionRequest,
                             ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        cv = await self.unit(lambda s: self.service.restore_version(
            s, owner, cv_id, request.version, expected_version=request.expected_version))
        return cv_message(cv)

    async def RecordDownload(self, request: cv_pb2.RecordDownloadRequest,
                             ctx: grpc.aio.ServicerContext) -> cv_pb2.Cv:
        owner, cv_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        cv = await self.unit(lambda s: self.service.record_download(s, owner, cv_id,
                                                                    request.format))
        return cv_message(cv)

    def add_to_server(self, server: grpc.aio.Server) -> None:
        cv_pb2_grpc.add_CvServiceServicer_to_server(self, server)
