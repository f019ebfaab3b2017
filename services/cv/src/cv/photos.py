"""A CV's photo: an upload of its owner's in the files service's profile-images bucket.

Every photo any version of a CV names is attached to the CV (reference `cv:photo:<cv id>`), so
the files service's orphan sweep never takes one a restore could bring back; the CV's purge
releases them. Renders read the square 512 px JPEG as the owner — whoever exports (a
collaborator, a public link's reader) — since the owner chose to show it. A photo that cannot
be read is left out of the render rather than failing it."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import grpc

from career.files.v1 import files_pb2
from career_kit.context import acting_for
from career_kit.errors import InvalidArgument, Unavailable

log = logging.getLogger(__name__)

BUCKET = "profile-images"
VARIANT = "512-jpeg"  # JPEG: python-docx cannot embed WebP
TIMEOUT = 10.0


def reference(cv_id: uuid.UUID) -> str:
    return f"cv:photo:{cv_id}"


class Photos:
    def __init__(self, files: Any) -> None:
        self.files = files  # FilesServiceStub

    async def attach(self, owner_id: uuid.UUID, cv_id: uuid.UUID, file_id: str) -> None:
        """Keep the owner's upload for the CV; 422 naming `photo` if it is no profile image
        of theirs."""
        try:
            with acting_for(str(owner_id)):
                await self.files.AttachFile(files_pb2.AttachFileRequest(
                    id=file_id, bucket=BUCKET, reference=reference(cv_id)), timeout=TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise InvalidArgument(
                    "photo: must be an image the CV's owner uploaded to profile-images",
                    problem_type="invalid-content") from exc
            raise Unavailable("The photo cannot be checked just now; try again in a moment.",
                              retry_after_seconds=10) from exc

    async def release(self, owner_id: uuid.UUID, cv_id: uuid.UUID, file_ids: set[str]) -> None:
        """A purged CV no longer keeps its photos. A failure leaves a photo attached, which
        only keeps it (the owner's erasure removes it with their files)."""
        for file_id in file_ids:
            try:
                with acting_for(str(owner_id)):
                    await self.files.DetachFile(files_pb2.DetachFileRequest(
                        id=file_id, reference=reference(cv_id)), timeout=TIMEOUT)
            except grpc.aio.AioRpcError as exc:
                log.warning("could not release a purged CV's photo",
                            extra={"file_id": file_id, "code": exc.code().name})

    async def read(self, owner_id: uuid.UUID, file_id: str) -> bytes | None:
        try:
            with acting_for(str(owner_id)):
                chunks = [chunk.data async for chunk in self.files.ReadFile(
                    files_pb2.ReadFileRequest(id=file_id, variant=VARIANT), timeout=TIMEOUT)]
        except grpc.aio.AioRpcError as exc:
            log.warning("CV photo unreadable; rendering without it",
                        extra={"file_id": file_id, "code": exc.code().name})
            return None
        return b"".join(chunks)
