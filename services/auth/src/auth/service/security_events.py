"""Security events: the audit trail of what happened to accounts (failed logins, lockouts,
token reuse, password and two-factor changes, linked identities), each stored and published as
security.<kind> in the same transaction, for monitors and alerts. Every part of the service
records through `SecurityEvents.add`; other components may report only what auth cannot see
for itself (`report`)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auth import events
from auth.models import SecurityEvent
from auth.repository import SecurityEventLog, Users
from auth.service.dependencies import Dependencies
from auth.service.rules import client_ip
from career_kit.context import id_argument, signed_in_user
from career_kit.errors import InvalidArgument
from career_kit.pagination import Page

# Kinds.
LOGIN_FAILED = "login_failed"
LOGIN_SUCCEEDED = "login_succeeded"
LOCKOUT = "lockout"
TOKEN_REUSE = "token_reuse"
LOGOUT = "logout"
LOGOUT_ALL = "logout_all"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
IDENTITY_LINKED = "identity_linked"
IDENTITY_UNLINKED = "identity_unlinked"
TWO_FACTOR_ENABLED = "two_factor_enabled"
TWO_FACTOR_DISABLED = "two_factor_disabled"
RECOVERY_CODE_USED = "recovery_code_used"
RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"

# Kinds that another component may report. Only what auth cannot see for itself: the kinds
# auth records are never accepted from outside, so that a caller cannot forge a lockout or a
# token reuse into the audit trail and the alerts that follow it.
REPORTABLE_KINDS = frozenset({RATE_LIMIT_EXCEEDED})
RATE_LIMIT_KEY_KINDS = ("ip", "user", "email")
_RULE_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_HTTP_METHOD = re.compile(r"^[A-Z]{1,16}$")
# Paths are the client's choice (every /api/... path falls under a rule): bounded in storage.
MAX_REPORTED_PATH_LENGTH = 512


class SecurityEvents:
    """Stores a security event and publishes it in the same transaction."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def add(self, session: AsyncSession, *, kind: str, user_id: uuid.UUID | None,
                  ip: str | None, detail: dict[str, Any] | None = None,
                  now: datetime | None = None) -> None:
        now = now or self.deps.clock()
        await SecurityEventLog(session).add(kind=kind, user_id=user_id, ip=ip, detail=detail,
                                            now=now)
        await self.deps.outbox.add(session, events.security_event(kind, user_id, ip, detail,
                                                                  now))

    async def of_user(self, session: AsyncSession, *, caller_id: str | None,
                      page: Page) -> list[SecurityEvent]:
        """A page of the signed-in user's own security activity, newest first."""
        return await SecurityEventLog(session).page_for_user(signed_in_user(caller_id), page)

    async def report(self, session: AsyncSession, *, kind: str, user_id: str, ip: str,
                     detail_kind: str | None, detail: dict[str, Any]) -> None:
        """Store and publish a security event reported by the gateway. `detail_kind` names
        the detail the request carried; it must be the one of `kind`."""
        if kind not in REPORTABLE_KINDS:
            raise InvalidArgument(f"security events of kind {kind[:64]!r} cannot be reported",
                                  problem_type="unknown-security-event-kind")
        if detail_kind != kind:
            raise InvalidArgument(f"a {kind} event needs its {kind} detail")
        checked = _rate_limit_detail(detail)
        reported_ip = client_ip(ip)
        # A token stays valid for minutes after its user is deleted: the event is still worth
        # keeping, about nobody (security_events.user_id references users).
        user = await Users(session).get(id_argument(user_id, "user")) if user_id else None
        await self.add(session, kind=kind, user_id=user.id if user else None, ip=reported_ip,
                       detail=checked)


def _rate_limit_detail(detail: dict[str, Any]) -> dict[str, Any]:
    rule, key_kind = str(detail.get("rule", "")), str(detail.get("key_kind", ""))
    method, path = str(detail.get("method", "")), str(detail.get("path", ""))
    limit, window = detail.get("limit", 0), detail.get("window_seconds", 0)
    if not _RULE_NAME.match(rule):
        raise InvalidArgument("rule must be 1-64 lower-case letters, digits or '_'")
    if key_kind not in RATE_LIMIT_KEY_KINDS:
        raise InvalidArgument(f"key_kind must be one of {', '.join(RATE_LIMIT_KEY_KINDS)}")
    if not _HTTP_METHOD.match(method):
        raise InvalidArgument("method must be an HTTP method such as 'POST'")
    if not path.startswith("/"):
        raise InvalidArgument("path must start with '/'")
    if not isinstance(limit, int) or not isinstance(window, int) or limit < 1 or window < 1:
        raise InvalidArgument("limit and window_seconds must be positive")
    return {"rule": rule, "key_kind": key_kind, "method": method,
            "path": path[:MAX_REPORTED_PATH_LENGTH], "limit": limit, "window_seconds": window}
