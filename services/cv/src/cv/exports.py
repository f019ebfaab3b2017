"""A CV rendered for download: PDF (typst), DOCX, plain text, or JSON Resume. Every format
follows the one reading order of `cv.render.document`. Rendering is CPU work done in a worker
thread, outside any transaction (no row stays locked meanwhile); the download is then counted
(the seed's downloadCount) and cv.downloaded published in one transaction."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.errors import InvalidArgument
from career_kit.events import Outbox
from career_kit.unit_of_work import UnitOfWork
from cv import events
from cv.access import cv_for
from cv.models import Cv
from cv.render.document import build_document
from cv.render.docx import render_docx
from cv.render.options import parse_options
from cv.render.pdf import render_pdf
from cv.render.text import render_text
from cv.sharing import Sharing

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
}
FORMATS = tuple(MEDIA_TYPES)


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    file_name: str
    version: int


@dataclass(frozen=True)
class _Snapshot:
    """What a render needs, read in the transaction and used after it."""
    id: uuid.UUID
    title: str
    template: str
    content: dict
    options: dict
    version: int

    @classmethod
    def of(cls, cv: Cv) -> _Snapshot:
        return cls(cv.id, cv.title, cv.template, cv.content, cv.options, cv.version)


def render(snapshot: _Snapshot, export_format: str) -> bytes:
    """The CV in one format (CPU-bound; called in a worker thread)."""
    if export_format == "json":
        return json.dumps(snapshot.content, ensure_ascii=False, indent=2).encode()
    options = parse_options(snapshot.options)
    document = build_document(snapshot.content, snapshot.title, options)
    if export_format == "pdf":
        return render_pdf(document, options, snapshot.template)
    if export_format == "docx":
        return render_docx(document, options, snapshot.template)
    return render_text(document, options).encode()


def file_name(title: str, export_format: str) -> str:
    """An ASCII file name for Content-Disposition ("Backend-CV.pdf")."""
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '-', title).strip('-.') or 'cv'}.{export_format}"


class Exporter:
    def __init__(self, unit: UnitOfWork, outbox: Outbox, sharing: Sharing,
                 clock: Callable[[], datetime]) -> None:
        self.unit = unit
        self.outbox = outbox
        self.sharing = sharing
        self.clock = clock

    async def export(self, user_id: uuid.UUID, cv_id: uuid.UUID,
                     export_format: str) -> Rendered:
        _check(export_format)

        async def read(session: AsyncSession) -> _Snapshot:
            return _Snapshot.of((await cv_for(session, user_id, cv_id)).cv)

        snapshot = await self.unit(read)
        content = await asyncio.to_thread(render, snapshot, export_format)

        async def count(session: AsyncSession) -> None:
            await self._count(session, snapshot, export_format)

        await self.unit(count)
        return Rendered(content, MEDIA_TYPES[export_format],
                        file_name(snapshot.title, export_format), snapshot.version)

    async def export_public(self, slug: str) -> Rendered:
        """A public link's PDF; counts a download of the CV and of the link."""
        async def read(session: AsyncSession) -> tuple[uuid.UUID, _Snapshot]:
            link, cv = await self.sharing.open(session, slug)
            return link.id, _Snapshot.of(cv)

        link_id, snapshot = await self.unit(read)
        content = await asyncio.to_thread(render, snapshot, "pdf")

        async def count(session: AsyncSession) -> None:
            link, _ = await self.sharing.open(session, slug)
            await self.sharing.count_download(session, link)
            await self._count(session, snapshot, "pdf", link_id)

        await self.unit(count)
        return Rendered(content, MEDIA_TYPES["pdf"], file_name(snapshot.title, "pdf"),
                        snapshot.version)

    async def _count(self, session: AsyncSession, snapshot: _Snapshot, export_format: str,
                     link_id: uuid.UUID | None = None) -> None:
        # One statement: concurrent downloads of one CV each count.
        result = await session.execute(
            update(Cv).where(Cv.id == snapshot.id)
            .values(download_count=Cv.download_count + 1).returning(Cv))
        cv = result.scalars().one_or_none()
        if cv is not None:  # deleted for good since it was read: nothing left to count
            await self.outbox.add(session, events.cv_downloaded(
                cv, export_format, self.clock(), link_id))


def _check(export_format: str) -> None:
    if export_format not in FORMATS:
        raise InvalidArgument(f"format must be one of {', '.join(FORMATS)}")
