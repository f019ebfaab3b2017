"""What the cv service publishes: domain `cv` (cv.created, cv.updated, cv.downloaded,
cv.viewed, cv.completed, cv.enhanced). Each is the owner's: the event's subject is the owner's
id."""

from __future__ import annotations

import uuid
from datetime import datetime

from career.cv.v1 import events_pb2
from career_kit.conversions import timestamp
from career_kit.events import Event
from cv.models import Cv

CV_CREATED = "cv.created"
CV_UPDATED = "cv.updated"
CV_DOWNLOADED = "cv.downloaded"
CV_VIEWED = "cv.viewed"
CV_COMPLETED = "cv.completed"
CV_ENHANCED = "cv.enhanced"

PUBLISHED_DOMAINS = ("cv",)


def cv_created(cv: Cv) -> Event:
    payload = events_pb2.CvCreated(cv_id=str(cv.id), user_id=str(cv.owner_id),
                                   template=cv.template, created_at=timestamp(cv.created_at))
    return Event(CV_CREATED, payload, subject=str(cv.owner_id))


def cv_updated(cv: Cv, author_id: uuid.UUID) -> Event:
    payload = events_pb2.CvUpdated(cv_id=str(cv.id), user_id=str(cv.owner_id),
                                   author_id=str(author_id), version=cv.version,
                                   updated_at=timestamp(cv.updated_at))
    return Event(CV_UPDATED, payload, subject=str(cv.owner_id))


def cv_downloaded(cv: Cv, export_format: str, at: datetime,
                  link_id: uuid.UUID | None = None) -> Event:
    payload = events_pb2.CvDownloaded(cv_id=str(cv.id), user_id=str(cv.owner_id),
                                      format=export_format, version=cv.version,
                                      downloaded_at=timestamp(at),
                                      link_id=str(link_id) if link_id else "")
    return Event(CV_DOWNLOADED, payload, subject=str(cv.owner_id))


def cv_viewed(cv: Cv, link_id: uuid.UUID, views: int, at: datetime) -> Event:
    payload = events_pb2.CvViewed(cv_id=str(cv.id), user_id=str(cv.owner_id),
                                  link_id=str(link_id), views=views, viewed_at=timestamp(at))
    return Event(CV_VIEWED, payload, subject=str(cv.owner_id))


def cv_completed(cv: Cv) -> Event:
    payload = events_pb2.CvCompleted(cv_id=str(cv.id), user_id=str(cv.owner_id),
                                     version=cv.version,
                                     completed_at=timestamp(cv.completed_at))
    return Event(CV_COMPLETED, payload, subject=str(cv.owner_id))


def cv_enhanced(cv_id: uuid.UUID, owner_id: uuid.UUID, author_id: uuid.UUID, section: str,
                suggestions: int, at: datetime) -> Event:
    payload = events_pb2.CvEnhanced(cv_id=str(cv_id), user_id=str(owner_id),
                                    author_id=str(author_id), section=section,
                                    suggestions=suggestions, enhanced_at=timestamp(at))
    return Event(CV_ENHANCED, payload, subject=str(owner_id))
