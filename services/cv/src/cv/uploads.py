"""New CVs from what a user already has: an uploaded PDF or DOCX (read from the files service
as the caller, so only their own uploads), or a LinkedIn data-export ZIP sent whole. Both are
parsed without AI (`cv.imports`) into content the user then reviews; the ZIP is never stored,
since it holds far more than a CV (messages, connections)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from career.files.v1 import files_pb2
from career_kit.errors import InvalidArgument, NotFound, Unavailable
from career_kit.unit_of_work import UnitOfWork
from cv.content.schema import ContentInvalid, validate_content
from cv.imports import ImportFailed, parse_upload
from cv.models import Cv
from cv.render.templates import DEFAULT_TEMPLATE
from cv.service import CvService

BUCKET = "cv-files"


@dataclass(frozen=True)
class SignInProfile:
    """What the user's LinkedIn sign-in gave (name, picture), for what the export lacks."""
    name: str = ""
    picture_url: str = ""
    photo_file_id: str = ""

    def fill(self, content: dict) -> dict:
        basics = dict(content.get("basics") or {})
        if self.name and not basics.get("name"):
            basics["name"] = self.name
        if self.picture_url and not basics.get("image"):
            basics["image"] = self.picture_url
        content = {**content, "basics": basics}
        if self.photo_file_id and not content.get("photo"):
            content["photo"] = self.photo_file_id
        return content
MAX_LINKEDIN_ZIP = 7 * 1024 * 1024  # under the gRPC message limit (8 MB)
READ_TIMEOUT = 30.0


class Uploads:
    def __init__(self, unit: UnitOfWork, service: CvService, files: Any) -> None:
        self.unit = unit
        self.service = service
        self.files = files  # FilesServiceStub; calls carry the signed-in caller

    async def from_file(self, owner_id: uuid.UUID, file_id: str, title: str) -> Cv:
        data, kind = await self._read(file_id)
        return await self._create(owner_id, data, kind, title or "Imported CV")

    async def from_linkedin(self, owner_id: uuid.UUID, data: bytes, title: str,
                            profile: SignInProfile | None = None) -> Cv:
        if len(data) > MAX_LINKEDIN_ZIP:
            raise InvalidArgument(f"The export is larger than {MAX_LINKEDIN_ZIP // 2**20} MB; "
                                  "LinkedIn's smaller archive (profile data only) is enough.")
        return await self._create(owner_id, data, "zip", title or "LinkedIn profile", profile)

    async def _create(self, owner_id: uuid.UUID, data: bytes, kind: str, title: str,
                      profile: SignInProfile | None = None) -> Cv:
        try:
            parsed = await asyncio.to_thread(parse_upload, data, kind)
            if profile is not None:
                parsed = profile.fill(parsed)
            content = validate_content(parsed)
        except ImportFailed as exc:
            raise InvalidArgument(str(exc), problem_type="unreadable-cv") from None
        except ContentInvalid as exc:
            # The parser promises valid content; a gap in that promise is still the file's.
            raise InvalidArgument(f"The file could not be read as a CV ({exc}).",
                                  problem_type="unreadable-cv") from None

        async def add(session: AsyncSession) -> Cv:
            return await self.service.add_cv(session, owner_id, title=title,
                                             template=DEFAULT_TEMPLATE, content=content,
                                             options={})

        return await self.unit(add)

    async def _read(self, file_id: str) -> tuple[bytes, str]:
        try:
            file = await self.files.GetFile(files_pb2.GetFileRequest(id=file_id),
                                            timeout=READ_TIMEOUT)
            if file.bucket != BUCKET:
                raise InvalidArgument(f"Import a file uploaded to {BUCKET} (a PDF or DOCX).")
            chunks = [chunk.data async for chunk in self.files.ReadFile(
                files_pb2.ReadFileRequest(id=file_id), timeout=READ_TIMEOUT)]
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise NotFound("There is no such uploaded file.") from exc
            raise Unavailable("Uploaded files cannot be read just now.",
                              retry_after_seconds=30) from exc
        return b"".join(chunks), file.kind
