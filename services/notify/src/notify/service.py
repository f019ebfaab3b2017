"""Business rules of notify: which e-mail an event causes, and sending it exactly once."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlencode

from career_kit.db import Database
from notify.email import EmailSender, OutgoingEmail, PermanentSendError, TransientSendError
from notify.repository import SentEmails
from notify.templates import EmailTemplates

log = logging.getLogger(__name__)


class EmailNotifier:
    """Renders and sends one templated e-mail per (event, template).

    The bookkeeping runs in its own short transactions rather than in the consumer's inbox
    transaction: a send cannot be rolled back, so its record must survive the rollback that a
    transient failure causes (that rollback is what makes the kit redeliver the event). Two
    deliveries of one event never run concurrently: the second waits on the first's inbox row.
    """

    def __init__(self, db: Database, sender: EmailSender, *, sender_address: str,
                 app_base_url: str, templates: EmailTemplates | None = None) -> None:
        self.db = db
        self.sender = sender
        self.sender_address = sender_address
        self.app_base_url = app_base_url.rstrip("/")
        self.templates = templates or EmailTemplates()

    def app_link(self, path: str, **query: str) -> str:
        return f"{self.app_base_url}{path}" + (f"?{urlencode(query)}" if query else "")

    async def deliver(self, *, event_id: uuid.UUID, template: str, user_id: str | None,
                      recipient: str, language: str | None, context: dict[str, Any]) -> None:
        """Send unless already sent (or permanently failed) for this event; raise
        TransientSendError when the provider should be tried again later."""
        rendered = self.templates.render(template, language, app_url=self.app_base_url,
                                         **context)
        async with self.db.transaction() as session:
            row = await SentEmails(session).claim(
                event_id=event_id, template=template, user_id=user_id, recipient=recipient,
                language=rendered.language, provider=self.sender.name)
            if row.status != "pending":
                log.info("e-mail already handled", extra={"event_id": str(event_id),
                                                          "template": template,
                                                          "status": row.status})
                return
            row_id = row.id
        message = OutgoingEmail(
            sender=self.sender_address, to=recipient, subject=rendered.subject,
            text=rendered.text, html=rendered.html,
            # The same key on every retry lets the provider drop a send it already accepted
            # when our "sent" mark was lost (e.g. a crash right after the provider answered).
            idempotency_key=f"{event_id}:{template}", tags={"template": template})
        try:
            provider_id = await self.sender.send(message)
        except TransientSendError as exc:
            async with self.db.transaction() as session:
                await SentEmails(session).mark_attempt_failed(row_id, str(exc),
                                                                       final=False)
            raise
        except PermanentSendError as exc:
            log.error("provider rejected e-mail", extra={"event_id": str(event_id),
                                                         "template": template,
                                                         "error": str(exc)})
            async with self.db.transaction() as session:
                await SentEmails(session).mark_attempt_failed(row_id, str(exc),
                                                                       final=True)
            return
        async with self.db.transaction() as session:
            await SentEmails(session).mark_sent(row_id, provider_id)
        log.info("e-mail sent", extra={"event_id": str(event_id), "template": template,
                                       "provider": self.sender.name})
