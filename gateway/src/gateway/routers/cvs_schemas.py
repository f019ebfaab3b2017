"""The JSON shapes of /cvs and the conversions from the cv service's messages. A CV's content
is the JSON Resume schema widened (the cv service validates it, naming the field of the first
problem with a 422)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from career.cv.v1 import cv_pb2
from gateway.conversions import datetime_of

TEMPLATE_DESCRIPTION = "modern, classic, creative, executive, minimal or tech"


class NewCvIn(BaseModel):
    title: str | None = Field(default=None, max_length=200)
    template: str | None = Field(default=None, max_length=32, description=TEMPLATE_DESCRIPTION)
    content: dict[str, Any] | None = Field(
        default=None, description="JSON Resume content to start from; omitted: blank")
    copy_of: str | None = Field(default=None, max_length=64,
                                description="The id of one's CV to copy instead")


class CvIn(BaseModel):
    title: str = Field(max_length=200)
    template: str = Field(max_length=32, description=TEMPLATE_DESCRIPTION)
    content: dict[str, Any]


class CvOut(BaseModel):
    id: str
    title: str
    template: str
    content: dict[str, Any] | None = Field(description="Omitted (null) in lists")
    version: int = Field(description='The ETag\'s number: send If-Match: "v<version>"')
    download_count: int
    created_at: datetime | None
    updated_at: datetime | None
    deleted_at: datetime | None = Field(description="Set while the CV is in the trash")


class CvsOut(BaseModel):
    cvs: list[CvOut]
    next_page_token: str | None


class VersionInfoOut(BaseModel):
    version: int
    author_id: str
    title: str
    saved_at: datetime | None


class VersionsOut(BaseModel):
    versions: list[VersionInfoOut]
    next_page_token: str | None


class CvVersionOut(VersionInfoOut):
    template: str
    content: dict[str, Any]


def cv_out(cv: cv_pb2.Cv) -> CvOut:
    return CvOut(id=cv.id, title=cv.title, template=cv.template,
                 content=json.loads(cv.content_json) if cv.content_json else None,
                 version=cv.version, download_count=cv.download_count,
                 created_at=datetime_of(cv, "created_at"),
                 updated_at=datetime_of(cv, "updated_at"),
                 deleted_at=datetime_of(cv, "deleted_at"))


def version_info_out(info: cv_pb2.VersionInfo) -> VersionInfoOut:
    return VersionInfoOut(version=info.version, author_id=info.author_id, title=info.title,
                          saved_at=datetime_of(info, "saved_at"))
