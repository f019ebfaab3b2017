"""The JSON shapes of /api/uploads and the conversion from the files service's File message."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from career.files.v1 import files_pb2
from gateway.conversions import datetime_of


class BucketOut(BaseModel):
    name: str
    public: bool = Field(description="Served from public URLs with long cache headers; "
                                     "private buckets only through signed links")
    max_bytes: int
    limits: dict[str, int] = Field(description="Each accepted kind and its own limit in bytes")


class VariantOut(BaseModel):
    name: str = Field(description='"original", "512-webp", "preview", "thumbnail", ...')
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str | None = Field(description="Public URL (public buckets); null in private ones, "
                                         "ask GET /api/uploads/{id}/url")


class FileOut(BaseModel):
    id: str
    bucket: str
    original_name: str
    kind: str = Field(description="What the bytes are (jpeg, png, pdf, docx, mp4, ...)")
    content_type: str
    size: int
    sha256: str
    public: bool
    url: str | None
    variants: list[VariantOut]
    metadata: dict[str, Any] = Field(description="What processing found: width, height, "
                                                 "pages, duration_seconds, ...")
    scan_result: str = Field(description='"clean", or "not_scanned" where scanning is off')
    references: list[str] = Field(description="Who uses it; a referenced file is not deleted")
    created_at: datetime


class FilesOut(BaseModel):
    files: list[FileOut]
    next_page_token: str | None


class SignedUrlOut(BaseModel):
    url: str
    expires_at: datetime


def file_out(file: files_pb2.File) -> FileOut:
    return FileOut(
        id=file.id, bucket=file.bucket, original_name=file.original_name, kind=file.kind,
        content_type=file.content_type, size=file.size, sha256=file.sha256, public=file.public,
        url=file.url or None,
        variants=[VariantOut(name=v.name, content_type=v.content_type, size=v.size,
                             width=v.width or None, height=v.height or None, url=v.url or None)
                  for v in file.variants],
        metadata=json.loads(file.metadata_json or "{}"), scan_result=file.scan_result,
        references=list(file.references), created_at=datetime_of(file, "created_at"))
