"""What the cv service reacts to: a user's deletion erases every CV of theirs.

Handlers run in the kit's inbox transaction, so each event is applied once; a redelivery
finds nothing left to erase."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from career.auth.v1 import events_pb2 as auth_events
from career_kit.events import ReceivedEvent, Subscription
from cv.service import CvService


class UserConsumers:
    def __init__(self, service: CvService) -> None:
        self.service = service

    async def on_user_deleted(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(auth_events.UserDeleted)
        await self.service.erase_user(session, data.user_id)

    def subscriptions(self) -> list[Subscription]:
        return [Subscription("user.deleted", self.on_user_deleted)]
