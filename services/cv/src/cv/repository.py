"""All SQL of the cv service: one repository per aggregate (career_kit.repository)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from career_kit.pagination import Page
from career_kit.repository import Repository
from cv.models import (
    AiCall,
    CoverLetter,
    Cv,
    CvComment,
    CvEmbedding,
    CvGrant,
    CvLink,
    CvLinkDay,
    CvVersion,
    ExportFile,
    Person,
)


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

    async def photos_of(self, cv_id: uuid.UUID) -> set[str]:
        """The photo ids any version of the CV names."""
        photo = CvVersion.content["photo"].astext
        rows = await self.session.scalars(
            select(photo).where(CvVersion.cv_id == cv_id, photo.is_not(None)).distinct())
        return set(rows)

    async def page_of(self, cv_id: uuid.UUID, page: Page) -> list[CvVersion]:
        """Newest first; the cursor's key is the version number."""
        query = select(CvVersion).where(CvVersion.cv_id == cv_id)
        if page.before is not None:
            query = query.where(CvVersion.version < int(page.before.key))
        rows = await self.session.scalars(query.order_by(CvVersion.version.desc())
                                          .limit(page.rows_to_read))
        return list(rows)


class Links(Repository):
    async def add(self, link: CvLink) -> None:
        self.session.add(link)
        await self.session.flush()

    async def get(self, cv_id: uuid.UUID, link_id: uuid.UUID) -> CvLink | None:
        link = await self.session.get(CvLink, link_id)
        return link if link is not None and link.cv_id == cv_id else None

    async def by_slug(self, slug: str) -> CvLink | None:
        return (await self.session.scalars(
            select(CvLink).where(CvLink.slug == slug))).one_or_none()

    async def of_cv(self, cv_id: uuid.UUID) -> list[CvLink]:
        return list(await self.session.scalars(
            select(CvLink).where(CvLink.cv_id == cv_id).order_by(CvLink.created_at.desc())))

    async def count(self, link: CvLink, day: date, *, views: int, downloads: int) -> None:
        """Add to the link's counters and its day's, in one statement each (concurrent
        readers of one link must not lose counts)."""
        await self.session.execute(
            update(CvLink).where(CvLink.id == link.id)
            .values(views=CvLink.views + views, downloads=CvLink.downloads + downloads))
        statement = insert(CvLinkDay).values(link_id=link.id, day=day, views=views,
                                             downloads=downloads)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[CvLinkDay.link_id, CvLinkDay.day],
            set_={"views": CvLinkDay.views + views,
                  "downloads": CvLinkDay.downloads + downloads}))

    async def days(self, link_id: uuid.UUID, since: date) -> list[CvLinkDay]:
        return list(await self.session.scalars(
            select(CvLinkDay).where(CvLinkDay.link_id == link_id, CvLinkDay.day >= since)
            .order_by(CvLinkDay.day)))


class Grants(Repository):
    async def get(self, cv_id: uuid.UUID, user_id: uuid.UUID) -> CvGrant | None:
        return await self.session.get(CvGrant, (cv_id, user_id))

    async def put(self, grant: CvGrant) -> None:
        statement = insert(CvGrant).values(cv_id=grant.cv_id, user_id=grant.user_id,
                                           role=grant.role, granted_at=grant.granted_at)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[CvGrant.cv_id, CvGrant.user_id], set_={"role": grant.role}))

    async def remove(self, cv_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(CvGrant).where(CvGrant.cv_id == cv_id, CvGrant.user_id == user_id))
        return result.rowcount > 0

    async def of_cv(self, cv_id: uuid.UUID) -> list[tuple[CvGrant, Person | None]]:
        rows = await self.session.execute(
            select(CvGrant, Person).outerjoin(Person, Person.user_id == CvGrant.user_id)
            .where(CvGrant.cv_id == cv_id).order_by(CvGrant.granted_at))
        return [(grant, person) for grant, person in rows]

    async def shared_with(self, user_id: uuid.UUID, page: Page) -> list[tuple[Cv, str]]:
        """CVs shared with the user (not in the trash), most recently updated first."""
        query = (select(Cv, CvGrant.role).join(CvGrant, CvGrant.cv_id == Cv.id)
                 .where(CvGrant.user_id == user_id, Cv.deleted_at.is_(None)))
        if page.before is not None:
            query = query.where(func.row(Cv.updated_at, Cv.id)
                                < func.row(page.before.created, uuid.UUID(page.before.key)))
        rows = await self.session.execute(query.order_by(Cv.updated_at.desc(), Cv.id.desc())
                                          .limit(page.rows_to_read))
        return [(cv, role) for cv, role in rows]

    async def erase_user(self, user_id: uuid.UUID) -> None:
        await self.session.execute(delete(CvGrant).where(CvGrant.user_id == user_id))


class Comments(Repository):
    async def add(self, comment: CvComment) -> None:
        self.session.add(comment)
        await self.session.flush()

    async def get(self, cv_id: uuid.UUID, comment_id: uuid.UUID, *,
                  for_update: bool = False) -> CvComment | None:
        query = select(CvComment).where(CvComment.id == comment_id, CvComment.cv_id == cv_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def of_cv(self, cv_id: uuid.UUID, *, section: str = "",
                    include_resolved: bool = True) -> list[CvComment]:
        query = select(CvComment).where(CvComment.cv_id == cv_id)
        if section:
            query = query.where(CvComment.section == section)
        if not include_resolved:
            query = query.where(CvComment.resolved_at.is_(None))
        return list(await self.session.scalars(query.order_by(CvComment.created_at)))

    async def count_of_cv(self, cv_id: uuid.UUID) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(CvComment).where(CvComment.cv_id == cv_id))

    async def remove(self, comment: CvComment) -> None:
        await self.session.delete(comment)
        await self.session.flush()

    async def erase_author(self, user_id: uuid.UUID) -> None:
        """A deleted user's comments on other people's CVs (their own CVs go with the CVs)."""
        await self.session.execute(delete(CvComment).where(CvComment.author_id == user_id))


class People(Repository):
    async def put(self, person: Person) -> None:
        """Insert or update by user id; an e-mail another user held before moves over."""
        await self.session.execute(delete(Person).where(
            Person.email == person.email, Person.user_id != person.user_id))
        statement = insert(Person).values(user_id=person.user_id, email=person.email,
                                          name=person.name)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[Person.user_id], set_={"email": person.email, "name": person.name}))

    async def by_email(self, email: str) -> Person | None:
        return (await self.session.scalars(
            select(Person).where(Person.email == email.lower()))).one_or_none()

    async def remove(self, user_id: uuid.UUID) -> None:
        await self.session.execute(delete(Person).where(Person.user_id == user_id))


class AiCalls(Repository):
    async def page_of_user(self, user_id: uuid.UUID, page: Page) -> list[AiCall]:
        query = select(AiCall).where(AiCall.user_id == user_id)
        if page.before is not None:
            query = query.where(func.row(AiCall.created_at, AiCall.id)
                                < func.row(page.before.created, uuid.UUID(page.before.key)))
        rows = await self.session.scalars(query.order_by(AiCall.created_at.desc(),
                                                         AiCall.id.desc())
                                          .limit(page.rows_to_read))
        return list(rows)

    async def erase_user(self, user_id: uuid.UUID) -> None:
        await self.session.execute(delete(AiCall).where(AiCall.user_id == user_id))


class CoverLetters(Repository):
    async def of_cv(self, cv_id: uuid.UUID) -> list[CoverLetter]:
        return list(await self.session.scalars(
            select(CoverLetter).where(CoverLetter.cv_id == cv_id)
            .order_by(CoverLetter.created_at.desc())))

    async def get(self, cv_id: uuid.UUID, letter_id: uuid.UUID) -> CoverLetter | None:
        letter = await self.session.get(CoverLetter, letter_id)
        return letter if letter is not None and letter.cv_id == cv_id else None


class CvEmbeddings(Repository):
    async def get(self, cv_id: uuid.UUID, model: str, version: int) -> list[float] | None:
        row = await self.session.get(CvEmbedding, (cv_id, model))
        return list(row.vector) if row is not None and row.version == version else None

    async def put(self, cv_id: uuid.UUID, model: str, version: int,
                  vector: list[float]) -> None:
        statement = insert(CvEmbedding).values(cv_id=cv_id, model=model, version=version,
                                               vector=vector)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[CvEmbedding.cv_id, CvEmbedding.model],
            set_={"version": version, "vector": vector},
            where=CvEmbedding.version < version))


class ExportFiles(Repository):
    async def get(self, cv_id: uuid.UUID, key: str) -> ExportFile | None:
        return await self.session.get(ExportFile, (cv_id, key))

    async def add(self, row: ExportFile) -> None:
        await self.session.execute(insert(ExportFile).values(
            cv_id=row.cv_id, key=row.key, version=row.version, file_id=row.file_id,
            created_at=row.created_at).on_conflict_do_nothing())

    async def take_older(self, cv_id: uuid.UUID, version: int) -> list[uuid.UUID]:
        """Remove the rows of the CV's older versions; their files (to release)."""
        rows = await self.session.execute(
            delete(ExportFile).where(ExportFile.cv_id == cv_id, ExportFile.version < version)
            .returning(ExportFile.file_id))
        return list(rows.scalars())

    async def files_of(self, cv_id: uuid.UUID) -> list[uuid.UUID]:
        return list(await self.session.scalars(
            select(ExportFile.file_id).where(ExportFile.cv_id == cv_id)))

    async def forget(self, cv_id: uuid.UUID, key: str) -> None:
        await self.session.execute(delete(ExportFile).where(ExportFile.cv_id == cv_id,
                                                            ExportFile.key == key))
