"""What the auth service publishes: domain `user` (stream USER) and `security` (SECURITY)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from auth.models import TIERS, User
from career.auth.v1 import events_pb2
from career_kit.conversions import timestamp
from career_kit.events import Event

USER_REGISTERED = "user.registered"
SIGN_UP_ATTEMPTED = "user.sign_up_attempted"
EMAIL_VERIFICATION_REQUESTED = "user.email_verification_requested"
EMAIL_VERIFIED = "user.email_verified"
PASSWORD_RESET_REQUESTED = "user.password_reset_requested"
USER_DELETED = "user.deleted"
TIER_CHANGED = "user.tier_changed"

PUBLISHED_DOMAINS = ("user", "security")


def _language(user: User) -> str:
    return (user.preferences or {}).get("language", "en")


def user_registered(user: User) -> Event:
    """user.registered: who signed up. Never a secret: the verification token travels in
    user.email_verification_requested, published in the same transaction."""
    payload = events_pb2.UserRegistered(
        user_id=str(user.id), email=user.email, name=user.name, language=_language(user),
        registered_at=timestamp(user.created_at))
    return Event(USER_REGISTERED, payload, subject=str(user.id))


def email_verification_requested(user: User, token: str, expires_at: datetime) -> Event:
    """Carries the raw single-use token for notify to mail (auth keeps only its hash)."""
    payload = events_pb2.EmailVerificationRequested(
        user_id=str(user.id), email=user.email, name=user.name, language=_language(user),
        token=token, expires_at=timestamp(expires_at))
    return Event(EMAIL_VERIFICATION_REQUESTED, payload, subject=str(user.id))


def password_reset_requested(user: User, token: str, expires_at: datetime) -> Event:
    payload = events_pb2.PasswordResetRequested(
        user_id=str(user.id), email=user.email, name=user.name, language=_language(user),
        token=token, expires_at=timestamp(expires_at))
    return Event(PASSWORD_RESET_REQUESTED, payload, subject=str(user.id))


def sign_up_attempted(user: User, attempted_at: datetime) -> Event:
    payload = events_pb2.SignUpAttempted(
        user_id=str(user.id), email=user.email, name=user.name, language=_language(user),
        attempted_at=timestamp(attempted_at))
    return Event(SIGN_UP_ATTEMPTED, payload, subject=str(user.id))


def email_verified(user: User, verified_at: datetime) -> Event:
    payload = events_pb2.UserEmailVerified(user_id=str(user.id), email=user.email,
                                           verified_at=timestamp(verified_at))
    return Event(EMAIL_VERIFIED, payload, subject=str(user.id))


def user_deleted(user_id: uuid.UUID, deleted_at: datetime) -> Event:
    payload = events_pb2.UserDeleted(user_id=str(user_id), deleted_at=timestamp(deleted_at))
    return Event(USER_DELETED, payload, subject=str(user_id))


def tier_changed(user_id: uuid.UUID, old_tier: str, new_tier: str,
                 changed_at: datetime) -> Event:
    payload = events_pb2.UserTierChanged(
        user_id=str(user_id), old_tier=TIERS.value_of(old_tier),
        new_tier=TIERS.value_of(new_tier),
        changed_at=timestamp(changed_at))
    return Event(TIER_CHANGED, payload, subject=str(user_id))


def security_event(kind: str, user_id: uuid.UUID | None, ip: str | None,
                   detail: dict | None, occurred_at: datetime) -> Event:
    """security.<kind>: a stored security event, for monitors and alerts."""
    payload = events_pb2.SecurityEventRecorded(
        user_id=str(user_id) if user_id else "", kind=kind, ip=ip or "",
        detail_json=json.dumps(detail or {}, default=str, sort_keys=True),
        occurred_at=timestamp(occurred_at))
    return Event(f"security.{kind}", payload, subject=str(user_id) if user_id else None)
