"""The FilesService servicer: protobuf <-> domain, one unit of work per call."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import grpc

from career.files.v1 import files_pb2, files_pb2_grpc
from career_kit import context
from career_kit.context import id_argument, signed_in_user
from career_kit.conversions import timestamp
from career_kit.errors import InvalidArgument, NotFound, Unavailable
from career_kit.pagination import Cursor, Page
from career_kit.unit_of_work import UnitOfWork
from files.buckets import BUCKETS
from files.content.model import ContentRefused
from files.models import StoredFile
from files.service import FileService
from files.storage.base import ObjectNotFound, StorageError

SERVICE_NAME = "career.files.v1.FilesService"
# Bytes per FileChunk: well under gRPC's 4 MB message limit, few messages per file.
CHUNK = 256 * 1024


def file_message(service: FileService, file: StoredFile) -> files_pb2.File:
    variants = [files_pb2.Variant(
        name=v.name, content_type=v.content_type, size=v.size, width=v.width or 0,
        height=v.height or 0, url=service.public_url(file, v)) for v in file.variants]
    original = next((v for v in variants if v.name == "original"), None)
    return files_pb2.File(
        id=str(file.id), bucket=file.bucket, original_name=file.original_name, kind=file.kind,
        content_type=file.content_type, size=file.size, sha256=file.sha256, public=file.public,
        url=original.url if original else "", variants=variants,
        metadata_json=json.dumps(file.details or {}), scan_result=file.scan_result,
        references=[r.reference for r in file.references],
        created_at=timestamp(file.created_at), owner_id=str(file.owner_id))


def _cursor(file: StoredFile) -> Cursor:
    return Cursor(file.created_at, str(file.id))


class FilesServicer(files_pb2_grpc.FilesServiceServicer):
    def __init__(self, unit: UnitOfWork, service: FileService) -> None:
        self.unit = unit
        self.service = service

    async def ListBuckets(self, request: files_pb2.ListBucketsRequest,
                          ctx: grpc.aio.ServicerContext) -> files_pb2.ListBucketsResponse:
        return files_pb2.ListBucketsResponse(buckets=[
            files_pb2.Bucket(name=b.name, public=b.public, max_bytes=b.max_bytes,
                             limits=b.limits) for b in BUCKETS.values() if not b.internal])

    async def StoreFile(self, request: files_pb2.StoreFileRequest,
                        ctx: grpc.aio.ServicerContext) -> files_pb2.File:
        owner = signed_in_user(context.caller_id())
        bucket = BUCKETS.get(request.bucket)
        if bucket is None or not bucket.internal:
            raise InvalidArgument("StoreFile writes to an internal bucket ("
                                  + ", ".join(b.name for b in BUCKETS.values() if b.internal)
                                  + "); uploads go through the gateway")
        if not request.content:
            raise InvalidArgument("content is empty")
        try:
            file = await self.service.store(owner_id=owner, bucket_name=bucket.name,
                                            name=request.name, content=request.content)
        except ContentRefused as exc:  # a kind the bucket does not take, too large, broken
            raise InvalidArgument(exc.detail) from None
        return file_message(self.service, file)

    async def GetFile(self, request: files_pb2.GetFileRequest,
                      ctx: grpc.aio.ServicerContext) -> files_pb2.File:
        owner, file_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        file = await self.unit(lambda s: self.service.owned(s, owner, file_id))
        return file_message(self.service, file)

    async def ListFiles(self, request: files_pb2.ListFilesRequest,
                        ctx: grpc.aio.ServicerContext) -> files_pb2.ListFilesResponse:
        owner, page = signed_in_user(context.caller_id()), Page.of(request.page)
        rows = await self.unit(lambda s: self.service.page(s, owner, page, request.bucket))
        shown, page_info = page.cut(rows, _cursor)
        return files_pb2.ListFilesResponse(
            files=[file_message(self.service, f) for f in shown], page=page_info)

    async def DeleteFile(self, request: files_pb2.DeleteFileRequest,
                         ctx: grpc.aio.ServicerContext) -> files_pb2.DeleteFileResponse:
        owner, file_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        await self.unit(lambda s: self.service.delete(s, owner, file_id))
        self.service.sweep_now()
        return files_pb2.DeleteFileResponse()

    async def GetSignedUrl(self, request: files_pb2.GetSignedUrlRequest,
                           ctx: grpc.aio.ServicerContext) -> files_pb2.GetSignedUrlResponse:
        owner, file_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        file = await self.unit(lambda s: self.service.owned(s, owner, file_id))
        try:
            url, expires_at = await self.service.signed_url(
                file, request.variant, request.expires_in_seconds, request.download)
        except StorageError as exc:
            raise Unavailable("File storage is unavailable just now.",
                              retry_after_seconds=30) from exc
        return files_pb2.GetSignedUrlResponse(url=url, expires_at=timestamp(expires_at))

    async def AttachFile(self, request: files_pb2.AttachFileRequest,
                         ctx: grpc.aio.ServicerContext) -> files_pb2.File:
        owner, file_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        file = await self.unit(lambda s: self.service.attach(s, owner, file_id, request.bucket,
                                                             request.reference))
        return file_message(self.service, file)

    async def DetachFile(self, request: files_pb2.DetachFileRequest,
                         ctx: grpc.aio.ServicerContext) -> files_pb2.DetachFileResponse:
        owner, file_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        await self.unit(lambda s: self.service.detach(s, owner, file_id, request.reference))
        return files_pb2.DetachFileResponse()

    async def ReadFile(self, request: files_pb2.ReadFileRequest,
                       ctx: grpc.aio.ServicerContext) -> AsyncIterator[files_pb2.FileChunk]:
        owner, file_id = signed_in_user(context.caller_id()), id_argument(request.id, "id")
        file = await self.unit(lambda s: self.service.owned(s, owner, file_id))
        variant = self.service.variant(file, request.variant)
        first = True
        buffer = b""
        try:
            async for data in self.service.open(file, variant):
                buffer += data
                while len(buffer) >= CHUNK:
                    yield self._chunk(buffer[:CHUNK], variant, first)
                    buffer, first = buffer[CHUNK:], False
        except ObjectNotFound as exc:
            raise NotFound("The file's bytes are gone from storage.") from exc
        except StorageError as exc:
            raise Unavailable("File storage is unavailable just now.",
                              retry_after_seconds=30) from exc
        if buffer or first:
            yield self._chunk(buffer, variant, first)

    def add_to_server(self, server: grpc.aio.Server) -> None:
        files_pb2_grpc.add_FilesServiceServicer_to_server(self, server)

    @staticmethod
    def _chunk(data: bytes, variant, first: bool) -> files_pb2.FileChunk:
        if first:
            return files_pb2.FileChunk(data=data, content_type=variant.content_type,
                                       size=variant.size)
        return files_pb2.FileChunk(data=data)
