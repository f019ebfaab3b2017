"""What the cv service reacts to: a new user is remembered by e-mail (so a CV can be shared
with them), a user's deletion erases every CV of theirs and everything they left on others'.

Handlers run in the kit's inbox transaction, so each event is applied once; a redelivery
finds the person already there, or nothing left to erase."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from career.auth.v1 import events_pb2 as auth_events
from career_kit.events import ReceivedEvent, Subscription
from cv.models import Person
from cv.repository import People
from cv.service import CvService


class UserConsumers:
    def __init__(self, service: CvService) -> None:
        self.service = service

    async def on_user_registered(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(auth_events.UserRegistered)
        await People(session).put(Person(user_id=uuid.UUID(data.user_id),
                                         email=data.email.strip().lower(), name=data.name))

    async def on_user_deleted(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(auth_events.UserDeleted)
        await self.service.erase_user(session, data.user_id)

    def subscriptions(self) -> list[Subscription]:
        return [Subscription("user.registered", self.on_user_registered),
                Subscription("user.deleted", self.on_user_deleted)]
