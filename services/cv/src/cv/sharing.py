"""Public links (the seed's isPublic): a CV's owner creates links with an unguessable slug and
an optional expiry, and revokes them; anybody holding a live link reads the CV and its PDF
without signing in. Views count once per viewer and hour (a Redis key set with NX and a TTL,
so replicas agree), downloads each time, both per link and per day; a counted view publishes
cv.viewed for the owner's notifications."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.errors import InvalidArgument, NotFound
from career_kit.events import Outbox
from cv import events
from cv.access import cv_for
from cv.models import Cv, CvLink, CvLinkDay
from cv.repository import Cvs, Links

log = logging.getLogger(__name__)

VIEW_WINDOW_SECONDS = 3600  # one view per viewer per hour
MAX_LINKS = 20  # live links per CV
MAX_STATS_DAYS = 366
DEFAULT_STATS_DAYS = 30


def _slug() -> str:
    return secrets.token_urlsafe(16)  # 128 bits


class Sharing:
    def __init__(self, outbox: Outbox, redis: aioredis.Redis, key_prefix: str,
                 clock: Callable[[], datetime]) -> None:
        self.outbox = outbox
        self.redis = redis
        self.key_prefix = key_prefix
        self.clock = clock

    async def create(self, session: AsyncSession, owner_id: uuid.UUID, cv_id: uuid.UUID, *,
                     expires_at: datetime | None) -> CvLink:
        await cv_for(session, owner_id, cv_id, need="owner", for_update=True)
        now = self.clock()
        if expires_at is not None and expires_at <= now:
            raise InvalidArgument("expires_at must be in the future")
        links = Links(session)
        if sum(self._live(link, now) for link in await links.of_cv(cv_id)) >= MAX_LINKS:
            raise InvalidArgument(f"A CV can have at most {MAX_LINKS} live links; revoke one.")
        link = CvLink(id=uuid.uuid4(), cv_id=cv_id, slug=_slug(), created_at=now,
                      expires_at=expires_at, views=0, downloads=0)
        await links.add(link)
        return link

    async def of_cv(self, session: AsyncSession, owner_id: uuid.UUID,
                    cv_id: uuid.UUID) -> list[CvLink]:
        await cv_for(session, owner_id, cv_id, need="owner")
        return await Links(session).of_cv(cv_id)

    async def revoke(self, session: AsyncSession, owner_id: uuid.UUID, cv_id: uuid.UUID,
                     link_id: uuid.UUID) -> CvLink:
        await cv_for(session, owner_id, cv_id, need="owner")
        link = await Links(session).get(cv_id, link_id)
        if link is None:
            raise NotFound("The CV has no such link.")
        link.revoked_at = link.revoked_at or self.clock()
        return link

    async def stats(self, session: AsyncSession, owner_id: uuid.UUID, cv_id: uuid.UUID,
                    link_id: uuid.UUID, days: int) -> tuple[CvLink, list[CvLinkDay]]:
        """The link and one row per day of the last `days` (zeros included), oldest first."""
        if days < 0 or days > MAX_STATS_DAYS:
            raise InvalidArgument(f"days must be between 1 and {MAX_STATS_DAYS}")
        days = days or DEFAULT_STATS_DAYS
        await cv_for(session, owner_id, cv_id, need="owner")
        link = await Links(session).get(cv_id, link_id)
        if link is None:
            raise NotFound("The CV has no such link.")
        today = self.clock().date()
        first = today - timedelta(days=days - 1)
        counted = {row.day: row for row in await Links(session).days(link.id, first)}
        return link, [counted.get(day) or CvLinkDay(link_id=link.id, day=day, views=0,
                                                     downloads=0)
                      for day in (first + timedelta(days=n) for n in range(days))]

    # -- what a link shows -----------------------------------------------------------------

    async def open(self, session: AsyncSession, slug: str) -> tuple[CvLink, Cv]:
        """The live link and its CV; NOT_FOUND for an unknown, revoked or expired link and
        for a CV in the trash (all alike: a link tells nothing about why it is dead)."""
        link = await Links(session).by_slug(slug) if 16 <= len(slug) <= 64 else None
        cv = await Cvs(session).get(link.cv_id) if link is not None else None
        if link is None or cv is None or cv.deleted_at is not None or not self._live(
                link, self.clock()):
            raise NotFound("This link does not exist or is no longer shared.")
        return link, cv

    async def count_view(self, session: AsyncSession, link: CvLink, cv: Cv,
                         viewer: str) -> None:
        """A view, unless this viewer was counted within the hour or is the owner."""
        if viewer == str(cv.owner_id) or not await self._first_within_window(link, viewer):
            return
        now = self.clock()
        links = Links(session)
        await links.count(link, now.date(), views=1, downloads=0)
        await session.refresh(link)
        await self.outbox.add(session, events.cv_viewed(cv, link.id, link.views, now))

    async def count_download(self, session: AsyncSession, link: CvLink) -> None:
        await Links(session).count(link, self.clock().date(), views=0, downloads=1)

    async def _first_within_window(self, link: CvLink, viewer: str) -> bool:
        # The viewer string (a user id or the gateway's hash of address and agent) is hashed
        # again so Redis never holds it as given.
        digest = hashlib.sha256(f"{link.id}:{viewer}".encode()).hexdigest()[:32]
        key = f"{self.key_prefix}cv:view:{link.id}:{digest}"
        try:
            return bool(await self.redis.set(key, b"1", nx=True, ex=VIEW_WINDOW_SECONDS))
        except RedisError:
            # The link still shows the CV; a view that cannot be told apart is not counted.
            log.warning("view not counted: Redis unreachable")
            return False

    @staticmethod
    def _live(link: CvLink, now: datetime) -> bool:
        return link.revoked_at is None and (link.expires_at is None or link.expires_at > now)
