"""A CV rendered for download: PDF (typst), DOCX, plain text, or JSON Resume. Every format
follows the one reading order of `cv.render.document`. Rendering is CPU work done in a worker
thread, outside any transaction (no row stays locked meanwhile); the download is then counted
(the seed's downloadCount) and cv.downloaded published in one transaction.

Renders are cached by (CV, version, template, options, format): in memory, so a link opened by
many recruiters renders once per replica, and in the files store (`export_store.py`), which
replicas share and restarts keep.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.errors import InvalidArgument, NotFound
from career_kit.events import Outbox
from career_kit.unit_of_work import UnitOfWork
from cv import events
from cv.access import cv_for
from cv.export_store import STORED_FORMATS, ExportStore
from cv.letters import render_letter
from cv.models import CoverLetter, Cv
from cv.photos import Photos
from cv.render.document import build_document
from cv.render.docx import render_docx
from cv.render.options import parse_options
from cv.render.pdf import render_pdf
from cv.render.templates import TEMPLATES
from cv.render.text import render_text
from cv.repository import CoverLetters
from cv.sharing import Sharing

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
}
FORMATS = tuple(MEDIA_TYPES)
LETTER_FORMATS = ("pdf", "docx", "txt")
# Renders at once. typst releases the GIL but its compiles share memoisation caches behind
# locks: more threads than cores only add contention (bench/cv_exports.py measured the CPU per
# export), so the rest wait their turn.
RENDER_THREADS = os.cpu_count() or 1
CACHE_BYTES = 64 * 1024 * 1024  # a few hundred PDFs


class RenderCache:
    """Rendered exports, least recently used dropped past `max_bytes`. The key names the
    version, so a save never serves an old render; nothing else invalidates it."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple) -> bytes | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: tuple, content: bytes) -> None:
        if len(content) > self.max_bytes or key in self._entries:
            return
        self._entries[key] = content
        self._bytes += len(content)
        while self._bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped)


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    file_name: str
    version: int


@dataclass(frozen=True)
class Snapshot:
    """What a render needs, read in the transaction and used after it."""
    id: uuid.UUID
    title: str
    template: str
    content: dict
    options: dict
    version: int
    owner_id: uuid.UUID | None = None

    @classmethod
    def of(cls, cv: Cv) -> Snapshot:
        return cls(cv.id, cv.title, cv.template, cv.content, cv.options, cv.version,
                   cv.owner_id)

    def cache_key(self, export_format: str) -> tuple:
        # The title is in the PDF's and DOCX's metadata; it changes with a version too.
        return (self.id, self.version, self.template,
                json.dumps(self.options, sort_keys=True), export_format)


def render(snapshot: Snapshot, export_format: str, photo: bytes | None = None) -> bytes:
    """The CV in one format (CPU-bound; called in a worker thread), with `photo` (JPEG or PNG)
    where the template shows one."""
    if export_format == "json":
        return json.dumps(snapshot.content, ensure_ascii=False, indent=2).encode()
    # Stored options hold only what the user set; the font otherwise is the template's own.
    options = parse_options({"font": TEMPLATES[snapshot.template].font, **snapshot.options})
    document = build_document(snapshot.content, snapshot.title, options)
    if export_format == "pdf":
        return render_pdf(document, options, snapshot.template, photo)
    if export_format == "docx":
        return render_docx(document, options, snapshot.template, photo)
    return render_text(document, options).encode()


def file_name(title: str, export_format: str) -> str:
    """An ASCII file name for Content-Disposition ("Backend-CV.pdf")."""
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '-', title).strip('-.') or 'cv'}.{export_format}"


class Exporter:
    def __init__(self, unit: UnitOfWork, outbox: Outbox, sharing: Sharing, photos: Photos,
                 store: ExportStore, clock: Callable[[], datetime],
                 cache: RenderCache | None = None) -> None:
        self.unit = unit
        self.outbox = outbox
        self.sharing = sharing
        self.photos = photos
        self.store = store
        self.clock = clock
        self.cache = cache or RenderCache()
        self.renderers = ThreadPoolExecutor(RENDER_THREADS, thread_name_prefix="render")

    async def _render(self, snapshot: Snapshot, export_format: str) -> bytes:
        key = snapshot.cache_key(export_format)
        content = self.cache.get(key)
        stored = export_format in STORED_FORMATS
        if content is None and stored:
            content = await self.store.find(snapshot.id, snapshot.owner_id, key)
            if content is not None:
                self.cache.put(key, content)
                return content  # already kept
        if content is None:
            content = await self._render_now(snapshot, export_format)
            self.cache.put(key, content)
        if stored and await self.store.worth_keeping(key):
            self.store.keep_later(snapshot.id, snapshot.owner_id, snapshot.version, key,
                                  file_name(snapshot.title, export_format), content)
        return content

    async def _render_now(self, snapshot: Snapshot, export_format: str) -> bytes:
        photo_id = snapshot.content.get("photo")
        photo = (await self.photos.read(snapshot.owner_id, photo_id)
                 if photo_id and export_format in ("pdf", "docx") else None)
        return await asyncio.get_running_loop().run_in_executor(
            self.renderers, render, snapshot, export_format, photo)

    async def export(self, user_id: uuid.UUID, cv_id: uuid.UUID,
                     export_format: str) -> Rendered:
        _check(export_format)

        async def read(session: AsyncSession) -> Snapshot:
            return Snapshot.of((await cv_for(session, user_id, cv_id)).cv)

        snapshot = await self.unit(read)
        content = await self._render(snapshot, export_format)

        async def count(session: AsyncSession) -> None:
            await self._count(session, snapshot, export_format)

        await self.unit(count)
        return Rendered(content, MEDIA_TYPES[export_format],
                        file_name(snapshot.title, export_format), snapshot.version)

    async def export_letter(self, user_id: uuid.UUID, cv_id: uuid.UUID, letter_id: uuid.UUID,
                            export_format: str) -> Rendered:
        """A cover letter in its CV's template (not a download of the CV)."""
        if export_format not in LETTER_FORMATS:
            raise InvalidArgument(f"format must be one of {', '.join(LETTER_FORMATS)}")

        async def read(session: AsyncSession) -> tuple[Snapshot, CoverLetter]:
            snapshot = Snapshot.of((await cv_for(session, user_id, cv_id)).cv)
            letter = await CoverLetters(session).get(cv_id, letter_id)
            if letter is None:
                raise NotFound("The CV has no such cover letter.")
            return snapshot, letter

        snapshot, letter = await self.unit(read)
        content = await asyncio.get_running_loop().run_in_executor(
            self.renderers, render_letter, snapshot.content, snapshot.options,
            snapshot.template, letter.letter, letter.job_title, export_format)
        return Rendered(content, MEDIA_TYPES[export_format],
                        file_name(f"Cover letter {letter.job_title}".strip(), export_format),
                        snapshot.version)

    async def export_public(self, slug: str) -> Rendered:
        """A public link's PDF; counts a download of the CV and of the link."""
        async def read(session: AsyncSession) -> tuple[uuid.UUID, Snapshot]:
            link, cv = await self.sharing.open(session, slug)
            return link.id, Snapshot.of(cv)

        link_id, snapshot = await self.unit(read)
        content = await self._render(snapshot, "pdf")

        async def count(session: AsyncSession) -> None:
            link, _ = await self.sharing.open(session, slug)
            await self.sharing.count_download(session, link)
            await self._count(session, snapshot, "pdf", link_id)

        await self.unit(count)
        return Rendered(content, MEDIA_TYPES["pdf"], file_name(snapshot.title, "pdf"),
                        snapshot.version)

    async def _count(self, session: AsyncSession, snapshot: Snapshot, export_format: str,
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
