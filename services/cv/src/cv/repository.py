"""All SQL of the cv service: one repository per aggregate (career_kit.repository)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select

from career_kit.pagination import Page
from career_kit.repository import Repository
from cv.models import Cv, CvVersion


class Cvs(Repository):
    async def get(self, cv_id: uuid.UUID, *, for_update: bool = False) -> Cv | None:
        query = select(Cv).where(Cv.id == cv_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def add(self, cv: Cv) -> None:
        self.session.add(cv)
        await self.session.flush()

    async def page_of_owner(self, owner_id: uuid.UUID, page: Page, *,
                            trashed: bool) -> list[Cv]:
        """The owner's CVs, most recently updated first, or those in the trash (most
        recently deleted first)."""
        order = Cv.deleted_at if trashed else Cv.updated_at
        query = select(Cv).where(Cv.owner_id == owner_id,
                                 Cv.deleted_at.is_not(None) if trashed
                                 else Cv.deleted_at.is_(None))
        if page.before is not None:
            query = query.where(func.row(order, Cv.id)
                                < func.row(page.before.created, uuid.UUID(page.before.key)))
        rows = await self.session.scalars(query.order_by(order.desc(), Cv.id.desc())
                                          .limit(page.rows_to_read))
        return list(rows)

    async def trashed_before(self, cutoff: datetime, limit: int) -> list[Cv]:
        """CVs in the trash since before `cutoff`, locked; rows another replica holds are
        skipped, so replicas purge different CVs."""
        rows = await self.session.scalars(
            select(Cv).where(Cv.deleted_at < cutoff).order_by(Cv.deleted_at).limit(limit)
            .with_for_update(skip_locked=True))
        return list(rows)

    async def remove(self, cv: Cv) -> None:
        await self.session.delete(cv)
        await self.session.flush()

    async def erase_owner(self, owner_id: uuid.UUID) -> None:
        await self.session.execute(delete(Cv).where(Cv.owner_id == owner_id))


class Versions(Repository):
    async def newest(self, cv_id: uuid.UUID) -> CvVersion | None:
        return (await self.session.scalars(
            select(CvVersion).where(CvVersion.cv_id == cv_id)
            .order_by(CvVersion.version.desc()).limit(1))).one_or_none()

    async def get(self, cv_id: uuid.UUID, version: int) -> CvVersion | None:
        return await self.session.get(CvVersion, (cv_id, version))

    async def add(self, version: CvVersion) -> None:
        self.session.add(version)
        await self.session.flush()

    async def replace(self, old: CvVersion, new: CvVersion) -> None:
        await self.session.delete(old)
        await self.session.flush()
        await self.add(new)

    async def page_of(self, cv_id: uuid.UUID, page: Page) -> list[CvVersion]:
        """Newest first; the cursor's key is the version number."""
        query = select(CvVersion).where(CvVersion.cv_id == cv_id)
        if page.before is not None:
            query = query.where(CvVersion.version < int(page.before.key))
        rows = await self.session.scalars(query.order_by(CvVersion.version.desc())
                                          .limit(page.rows_to_read))
        return list(rows)
