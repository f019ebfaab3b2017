"""The JSON shapes of a CV's public links, collaborators and comments, and of what a public
link shows."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from career.cv.v1 import cv_pb2
from gateway.conversions import datetime_of


class NewLinkIn(BaseModel):
    expires_at: datetime | None = Field(default=None, description="Omitted: never expires")


class LinkOut(BaseModel):
    id: str
    slug: str = Field(description="The link's secret part")
    url: str = Field(description="The public path: /public/cvs/<slug> (and /pdf)")
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    views: int = Field(description="Viewers counted once per hour each")
    downloads: int


class LinksOut(BaseModel):
    links: list[LinkOut]


class DayOut(BaseModel):
    day: date
    views: int
    downloads: int


class LinkStatsOut(BaseModel):
    link: LinkOut
    days: list[DayOut] = Field(description="Every day of the range, oldest first")


class PublicCvOut(BaseModel):
    title: str
    template: str
    content: dict[str, Any] = Field(
        description="Text fields are plain text or the Markdown subset; render them as text")
    options: dict[str, Any]
    updated_at: datetime | None
    pdf_url: str


class CollaboratorIn(BaseModel):
    email: str = Field(max_length=254, description="The collaborator's account e-mail")
    role: str = Field(max_length=16, description="viewer, commenter or editor")


class CollaboratorOut(BaseModel):
    user_id: str
    email: str
    name: str
    role: str
    granted_at: datetime | None


class CollaboratorsOut(BaseModel):
    collaborators: list[CollaboratorOut]


class CommentIn(BaseModel):
    section: str = Field(max_length=80, description="basics, work, ..., or custom:<id>")
    body: str = Field(max_length=2000, description="Plain text")


class ResolveIn(BaseModel):
    resolved: bool = True


class CommentOut(BaseModel):
    id: str
    section: str
    author_id: str
    body: str
    created_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None


class CommentsOut(BaseModel):
    comments: list[CommentOut]


def link_out(link: cv_pb2.ShareLink) -> LinkOut:
    return LinkOut(id=link.id, slug=link.slug, url=f"/public/cvs/{link.slug}",
                   created_at=datetime_of(link, "created_at"),
                   expires_at=datetime_of(link, "expires_at"),
                   revoked_at=datetime_of(link, "revoked_at"),
                   views=link.views, downloads=link.downloads)


def public_cv_out(cv: cv_pb2.PublicCv, slug: str) -> PublicCvOut:
    return PublicCvOut(title=cv.title, template=cv.template,
                       content=json.loads(cv.content_json),
                       options=json.loads(cv.options_json or "{}"),
                       updated_at=datetime_of(cv, "updated_at"),
                       pdf_url=f"/public/cvs/{slug}/pdf")


def collaborator_out(person: cv_pb2.Collaborator) -> CollaboratorOut:
    return CollaboratorOut(user_id=person.user_id, email=person.email, name=person.name,
                           role=person.role, granted_at=datetime_of(person, "granted_at"))


def comment_out(comment: cv_pb2.Comment) -> CommentOut:
    return CommentOut(id=comment.id, section=comment.section, author_id=comment.author_id,
                      body=comment.body, created_at=datetime_of(comment, "created_at"),
                      resolved_at=datetime_of(comment, "resolved_at"),
                      resolved_by=comment.resolved_by or None)
