"""All SQL of the notify service."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from career_kit.repository import Repository
from notify.models import SentEmail


class SentEmails(Repository):
    """The e-mails notify sent or is sending, one row per (event, template)."""

    async def claim(self, *, event_id: uuid.UUID, template: str, user_id: str | None,
                    recipient: str, language: str, provider: str) -> SentEmail:
        """The row for (event, template), created pending if new, locked for this attempt."""
        await self.session.execute(
            insert(SentEmail).values(event_id=event_id, template=template, user_id=user_id,
                                     recipient=recipient, language=language, provider=provider)
            .on_conflict_do_nothing(index_elements=["event_id", "template"]))
        return await self.session.scalar(
            select(SentEmail).where(SentEmail.event_id == event_id,
                                    SentEmail.template == template).with_for_update())

    async def mark_sent(self, row_id: uuid.UUID, provider_message_id: str) -> None:
        await self.session.execute(
            update(SentEmail).where(SentEmail.id == row_id).values(
                status="sent", provider_message_id=provider_message_id,
                attempts=SentEmail.attempts + 1, last_error=None, sent_at=func.now()))

    async def mark_attempt_failed(self, row_id: uuid.UUID, error: str, *, final: bool) -> None:
        values = {"attempts": SentEmail.attempts + 1, "last_error": error[:2000]}
        if final:
            values["status"] = "failed"
        await self.session.execute(update(SentEmail).where(SentEmail.id == row_id)
                                   .values(**values))

    async def delete_for_user(self, user_id: str) -> int:
        result = await self.session.execute(delete(SentEmail).where(SentEmail.user_id == user_id))
        return result.rowcount or 0
