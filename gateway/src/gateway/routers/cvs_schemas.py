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

TEMPLATE_DESCRIPTION = ("modern, classic, minimal; premium (Pro and Premium plans): creative, "
                        "executive, tech")
OPTIONS_DESCRIPTION = ("How the CV is rendered: accent (#rrggbb), font (Noto Sans, Noto Serif), "
                       "font_size (8-13 pt), margin_mm (8-35), page_size (a4, letter), "
                       "date_format (MMM YYYY, MM/YYYY, YYYY-MM, YYYY), language (en, es, de, "
                       "fr); omitted ones keep their defaults")


class NewCvIn(BaseModel):
    title: str | None = Field(default=None, max_length=200)
    template: str | None = Field(default=None, max_length=32, description=TEMPLATE_DESCRIPTION)
    content: dict[str, Any] | None = Field(
        default=None, description="JSON Resume content to start from; omitted: blank")
    copy_of: str | None = Field(default=None, max_length=64,
                                description="The id of one's CV to copy instead")
    options: dict[str, Any] | None = Field(default=None, description=OPTIONS_DESCRIPTION)


class DesignIn(BaseModel):
    template: str = Field(max_length=32, description=TEMPLATE_DESCRIPTION)
    options: dict[str, Any] = Field(default_factory=dict, description=OPTIONS_DESCRIPTION)


class TemplateOut(BaseModel):
    name: str
    title: str
    description: str
    premium: bool = Field(description="Needs a plan with premium templates (Pro, Premium)")
    ats_safe: bool = Field(description="One column, no text in graphics: best for ATS parsers")
    preview_url: str = Field(description="A PNG of page 1 rendering a sample CV")


class TemplatesOut(BaseModel):
    templates: list[TemplateOut]


class CvIn(BaseModel):
    title: str = Field(max_length=200)
    template: str = Field(max_length=32, description=TEMPLATE_DESCRIPTION)
    content: dict[str, Any]


class CvOut(BaseModel):
    id: str
    owner_id: str
    title: str
    template: str
    content: dict[str, Any] | None = Field(description="Omitted (null) in lists")
    options: dict[str, Any] = Field(description="The render options set (others are defaults)")
    role: str = Field(description="The caller's role: owner, editor, commenter or viewer")
    version: int = Field(description='The ETag\'s number: send If-Match: "v<version>"')
    download_count: int
    created_at: datetime | None
    updated_at: datetime | None
    deleted_at: datetime | None = Field(description="Set while the CV is in the trash")
    completed_at: datetime | None = Field(
        description="When it first had a name, contact, summary, experience and skills")


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
    return CvOut(id=cv.id, owner_id=cv.owner_id, title=cv.title, template=cv.template,
                 content=json.loads(cv.content_json) if cv.content_json else None,
                 options=json.loads(cv.options_json or "{}"), role=cv.role or "owner",
                 version=cv.version, download_count=cv.download_count,
                 created_at=datetime_of(cv, "created_at"),
                 updated_at=datetime_of(cv, "updated_at"),
                 deleted_at=datetime_of(cv, "deleted_at"),
                 completed_at=datetime_of(cv, "completed_at"))


def version_info_out(info: cv_pb2.VersionInfo) -> VersionInfoOut:
    return VersionInfoOut(version=info.version, author_id=info.author_id, title=info.title,
                          saved_at=datetime_of(info, "saved_at"))


class CoverLetterItemOut(BaseModel):
    id: str
    job_title: str
    greeting: str
    paragraphs: list[str]
    closing: str
    created_at: datetime | None


class CoverLettersOut(BaseModel):
    letters: list[CoverLetterItemOut]


def cover_letter_out(letter: cv_pb2.CoverLetter) -> CoverLetterItemOut:
    return CoverLetterItemOut(id=letter.id, job_title=letter.job_title,
                              greeting=letter.greeting, paragraphs=list(letter.paragraphs),
                              closing=letter.closing,
                              created_at=datetime_of(letter, "created_at"))
