"""What the files service publishes: domain `file` (file.uploaded, file.deleted) and the
security event of a refused infected upload (security.malware_detected, auth's payload)."""

from __future__ import annotations

import json
from datetime import datetime

from career.auth.v1 import events_pb2 as auth_events
from career.files.v1 import events_pb2
from career_kit.conversions import timestamp
from career_kit.events import Event
from files.models import StoredFile

FILE_UPLOADED = "file.uploaded"
FILE_DELETED = "file.deleted"
MALWARE_DETECTED = "security.malware_detected"

PUBLISHED_DOMAINS = ("file", "security")


def file_uploaded(file: StoredFile) -> Event:
    payload = events_pb2.FileUploaded(
        file_id=str(file.id), user_id=str(file.owner_id), bucket=file.bucket, kind=file.kind,
        size=file.size, uploaded_at=timestamp(file.created_at))
    return Event(FILE_UPLOADED, payload, subject=str(file.owner_id))


def file_deleted(file: StoredFile, reason: str, deleted_at: datetime) -> Event:
    payload = events_pb2.FileDeleted(
        file_id=str(file.id), user_id=str(file.owner_id), bucket=file.bucket, reason=reason,
        deleted_at=timestamp(deleted_at))
    return Event(FILE_DELETED, payload, subject=str(file.owner_id))


def malware_detected(user_id: str, ip: str | None, *, bucket: str, signature: str,
                     sha256: str, size: int, original_name: str, at: datetime) -> Event:
    detail = {"bucket": bucket, "signature": signature, "sha256": sha256, "size": size,
              "original_name": original_name[:200]}
    payload = auth_events.SecurityEventRecorded(
        user_id=user_id, kind="malware_detected", ip=ip or "", detail_json=json.dumps(detail),
        occurred_at=timestamp(at))
    return Event(MALWARE_DETECTED, payload, subject=user_id)
