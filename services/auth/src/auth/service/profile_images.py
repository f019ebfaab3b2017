"""Uploaded profile pictures: the files service holds the bytes and their variants, auth the
reference. Attaching the file (AttachFile) keeps it from deletion and from the orphan sweep
while it is the user's picture, and answers its public URLs, which auth stores so that GetMe,
read on every page load, never calls another service."""

from __future__ import annotations

import logging
from typing import Any

import grpc

from career.files.v1 import files_pb2
from career_kit.errors import InvalidArgument, NotFound, Unavailable

log = logging.getLogger(__name__)

BUCKET = "profile-images"
# The variant profile_image_url names, for clients that only read that field.
DEFAULT_VARIANT = "512-jpeg"


def reference(user_id: str) -> str:
    return f"auth:profile-image:{user_id}"


class ProfileImages:
    def __init__(self, files: Any) -> None:
        self.files = files  # FilesServiceStub; calls carry the signed-in caller

    async def attach(self, user_id: str, file_id: str) -> dict[str, Any]:
        """The caller's upload as their picture: {"file_id", "urls"}; NOT_FOUND for a file
        that is not theirs, INVALID_ARGUMENT for one of another bucket."""
        try:
            file = await self.files.AttachFile(files_pb2.AttachFileRequest(
                id=file_id, bucket=BUCKET, reference=reference(user_id)))
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound("There is no such uploaded image.") from exc
            if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument(exc.details() or "not a profile image") from exc
            log.warning("files unavailable", extra={"code": exc.code().name})
            raise Unavailable("Profile pictures cannot be changed just now.",
                              retry_after_seconds=30) from exc
        return {"file_id": file.id, "urls": {v.name: v.url for v in file.variants if v.url}}

    async def release(self, user_id: str, file_id: str) -> None:
        """The picture that was replaced or removed is no longer referenced (so the orphan
        sweep deletes it in time). A failure leaves it attached, which only keeps it."""
        try:
            await self.files.DetachFile(files_pb2.DetachFileRequest(
                id=file_id, reference=reference(user_id)))
        except grpc.aio.AioRpcError as exc:
            log.warning("could not release a replaced profile picture",
                        extra={"file_id": file_id, "code": exc.code().name})
