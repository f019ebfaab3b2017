"""What notify reacts to: auth's user events become e-mails; a deleted user's records go."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from career.auth.v1 import events_pb2
from career_kit.events import Subscription
from career_kit.events.envelope import ReceivedEvent
from notify.repository import SentEmailRepository
from notify.service import EmailNotifier


def _expires(message) -> str:
    if not message.HasField("expires_at"):
        return ""
    return message.expires_at.ToDatetime().strftime("%Y-%m-%d %H:%M UTC")


class UserEmailConsumers:
    def __init__(self, notifier: EmailNotifier) -> None:
        self.notifier = notifier

    async def on_user_registered(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(events_pb2.UserRegistered)
        await self.notifier.deliver(
            event_id=event.id, template="welcome", user_id=data.user_id, recipient=data.email,
            language=data.language, context={"name": data.name})

    async def on_email_verification_requested(self, session: AsyncSession,
                                              event: ReceivedEvent) -> None:
        data = event.parse(events_pb2.EmailVerificationRequested)
        await self.notifier.deliver(
            event_id=event.id, template="verify_email", user_id=data.user_id,
            recipient=data.email, language=data.language,
            context={"name": data.name, "expires_at": _expires(data),
                     "link": self.notifier.app_link("/verify-email", token=data.token)})

    async def on_password_reset_requested(self, session: AsyncSession,
                                          event: ReceivedEvent) -> None:
        data = event.parse(events_pb2.PasswordResetRequested)
        await self.notifier.deliver(
            event_id=event.id, template="password_reset", user_id=data.user_id,
            recipient=data.email, language=data.language,
            context={"name": data.name, "expires_at": _expires(data),
                     "link": self.notifier.app_link("/reset-password", token=data.token)})

    async def on_user_deleted(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(events_pb2.UserDeleted)
        await SentEmailRepository(session).delete_for_user(data.user_id)

    def subscriptions(self, *, backoff: list[float], max_deliver: int) -> list[Subscription]:
        mail = {"backoff": tuple(backoff), "max_deliver": max_deliver}
        return [
            Subscription("user.registered", self.on_user_registered, **mail),
            Subscription("user.email_verification_requested",
                         self.on_email_verification_requested, **mail),
            Subscription("user.password_reset_requested", self.on_password_reset_requested,
                         **mail),
            Subscription("user.deleted", self.on_user_deleted),
        ]
