"""All SQL of the files service: one repository per aggregate (career_kit.repository)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from career_kit.pagination import Page
from career_kit.repository import Repository
from files.models import FileReference, ObjectSweep, StoredFile


class Files(Repository):
    """Stored files with their variants and references."""

    async def get(self, file_id: uuid.UUID, *, for_update: bool = False) -> StoredFile | None:
        query = select(StoredFile).where(StoredFile.id == file_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def same_upload(self, owner_id: uuid.UUID, bucket: str,
                          sha256: str) -> StoredFile | None:
        return (await self.session.scalars(select(StoredFile).where(
            StoredFile.owner_id == owner_id, StoredFile.bucket == bucket,
            StoredFile.sha256 == sha256))).one_or_none()

    async def add(self, file: StoredFile) -> bool:
        """Insert `file` with its variants; False when the same upload (owner, bucket, bytes)
        committed first (the unique constraint), in which case nothing is inserted."""
        try:
            async with self.session.begin_nested():
                self.session.add(file)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def page_of_owner(self, owner_id: uuid.UUID, page: Page,
                            bucket: str | None) -> list[StoredFile]:
        """The owner's files newest first (the index on (owner_id, created_at, id))."""
        query = select(StoredFile).where(StoredFile.owner_id == owner_id)
        if bucket:
            query = query.where(StoredFile.bucket == bucket)
        if page.before is not None:
            query = query.where(func.row(StoredFile.created_at, StoredFile.id)
                                < func.row(page.before.created, uuid.UUID(page.before.key)))
        rows = await self.session.scalars(
            query.order_by(StoredFile.created_at.desc(), StoredFile.id.desc())
            .limit(page.rows_to_read))
        return list(rows)

    async def of_owner(self, owner_id: uuid.UUID) -> list[StoredFile]:
        rows = await self.session.scalars(
            select(StoredFile).where(StoredFile.owner_id == owner_id).with_for_update())
        return list(rows)

    async def orphans(self, older_than: datetime, limit: int) -> list[StoredFile]:
        """Files unreferenced since before `older_than`, locked; rows another replica holds
        are skipped, so replicas sweep different files."""
        rows = await self.session.scalars(
            select(StoredFile).where(StoredFile.unreferenced_since < older_than)
            .order_by(StoredFile.unreferenced_since).limit(limit)
            .with_for_update(skip_locked=True))
        return list(rows)

    async def remove(self, file: StoredFile) -> None:
        await self.session.delete(file)
        await self.session.flush()

    async def attach(self, file: StoredFile, reference: str) -> None:
        await self.session.execute(insert(FileReference).values(
            file_id=file.id, reference=reference).on_conflict_do_nothing())
        await self.session.execute(update(StoredFile).where(StoredFile.id == file.id)
                                   .values(unreferenced_since=None))
        await self.session.refresh(file)

    async def detach(self, file: StoredFile, reference: str, now: datetime) -> None:
        await self.session.execute(delete(FileReference).where(
            FileReference.file_id == file.id, FileReference.reference == reference))
        remaining = await self.session.scalar(
            select(func.count()).select_from(FileReference)
            .where(FileReference.file_id == file.id))
        if not remaining:
            await self.session.execute(update(StoredFile).where(StoredFile.id == file.id)
                                       .values(unreferenced_since=now))
        await self.session.refresh(file)


class Sweeps(Repository):
    """Storage objects to delete when due (models.py says why)."""

    async def schedule(self, bucket: str, keys: Sequence[str], due_at: datetime) -> None:
        if not keys:
            return
        statement = insert(ObjectSweep).values(
            [{"bucket": bucket, "storage_key": key, "due_at": due_at} for key in keys])
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[ObjectSweep.bucket, ObjectSweep.storage_key],
            set_={"due_at": statement.excluded.due_at}))

    async def cancel(self, bucket: str, keys: Sequence[str]) -> None:
        if keys:
            await self.session.execute(delete(ObjectSweep).where(
                ObjectSweep.bucket == bucket, ObjectSweep.storage_key.in_(list(keys))))

    async def due(self, now: datetime, limit: int) -> list[ObjectSweep]:
        rows = await self.session.scalars(
            select(ObjectSweep).where(ObjectSweep.due_at <= now).order_by(ObjectSweep.due_at)
            .limit(limit).with_for_update(skip_locked=True))
        return list(rows)

    async def done(self, sweeps: Sequence[ObjectSweep]) -> None:
        for sweep in sweeps:
            await self.session.delete(sweep)
