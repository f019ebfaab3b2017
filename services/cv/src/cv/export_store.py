"""Rendered exports kept in the files service (its internal bucket cv-exports), so replicas
share them and a restart keeps them: looked up by the render's cache key when the in-memory
cache misses, stored in the background once the same render is asked for a second time
anywhere (a count in Redis). Most versions are exported once — an autosave makes a new one —
and storing each would cost more than rendering it again (bench/cv_exports.py: a stored
export costs the files service about 27 ms of CPU, a PDF render about 10). Each is kept for the CV's
owner and attached to the CV (reference `cv:export:<cv id>`); a newer version's export
releases the older ones, and the CV's purge releases all, so the files service's orphan sweep
deletes them. The owner's erasure removes them with the rest of their files."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import grpc
from redis import asyncio as aioredis
from redis.exceptions import RedisError

from career.files.v1 import files_pb2
from career_kit.context import acting_for
from career_kit.unit_of_work import UnitOfWork
from cv.models import ExportFile
from cv.repository import ExportFiles

log = logging.getLogger(__name__)

BUCKET = "cv-exports"
STORED_FORMATS = ("pdf", "docx")  # what the bucket takes; TXT and JSON cost nothing to make
TIMEOUT = 10.0
ASKED_WINDOW_SECONDS = 24 * 3600


def reference(cv_id: uuid.UUID) -> str:
    return f"cv:export:{cv_id}"


def digest(cache_key: tuple) -> str:
    return hashlib.sha256(repr(cache_key).encode()).hexdigest()


class ExportStore:
    def __init__(self, unit: UnitOfWork, files: Any, redis: aioredis.Redis, key_prefix: str,
                 clock: Callable[[], datetime]) -> None:
        self.unit = unit
        self.files = files  # FilesServiceStub
        self.redis = redis
        self.key_prefix = key_prefix
        self.clock = clock
        self._pending: set[asyncio.Task] = set()

    async def worth_keeping(self, key: tuple) -> bool:
        """True the second time this render is asked for (on any replica, within a day):
        then it is stored, once."""
        counter = f"{self.key_prefix}cv:export-asked:{digest(key)}"
        try:
            asked = await self.redis.incr(counter)
            if asked == 1:
                await self.redis.expire(counter, ASKED_WINDOW_SECONDS)
        except RedisError:
            return False  # the store is a cache: without the count, nothing is kept
        return asked == 2

    async def find(self, cv_id: uuid.UUID, owner_id: uuid.UUID, key: tuple) -> bytes | None:
        """The stored render for `key`, or None (never stored, or no longer readable)."""
        hashed = digest(key)
        row = await self.unit(lambda s: ExportFiles(s).get(cv_id, hashed))
        if row is None:
            return None
        try:
            with acting_for(str(owner_id)):
                chunks = [chunk.data async for chunk in self.files.ReadFile(
                    files_pb2.ReadFileRequest(id=str(row.file_id)), timeout=TIMEOUT)]
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                await self.unit(lambda s: ExportFiles(s).forget(cv_id, hashed))
            else:
                log.warning("stored export unreadable; rendering again",
                            extra={"code": exc.code().name})
            return None
        return b"".join(chunks)

    def keep_later(self, cv_id: uuid.UUID, owner_id: uuid.UUID, version: int, key: tuple,
                   name: str, content: bytes) -> None:
        """Store the render in the background (the download does not wait for it)."""
        task = asyncio.create_task(self._keep(cv_id, owner_id, version, key, name, content))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def settled(self) -> None:
        """Wait for the stores in flight (shutdown, tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _keep(self, cv_id: uuid.UUID, owner_id: uuid.UUID, version: int, key: tuple,
                    name: str, content: bytes) -> None:
        try:
            with acting_for(str(owner_id)):
                stored = await self.files.StoreFile(files_pb2.StoreFileRequest(
                    bucket=BUCKET, name=name, content=content), timeout=TIMEOUT)
                await self.files.AttachFile(files_pb2.AttachFileRequest(
                    id=stored.id, bucket=BUCKET, reference=reference(cv_id)), timeout=TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            log.warning("could not keep a rendered export", extra={"code": exc.code().name})
            return

        async def record(session) -> list[uuid.UUID]:
            rows = ExportFiles(session)
            await rows.add(ExportFile(cv_id=cv_id, key=digest(key), version=version,
                                      file_id=uuid.UUID(stored.id), created_at=self.clock()))
            return await rows.take_older(cv_id, version)

        try:
            older = await self.unit(record)
        except Exception:  # the CV is gone meanwhile (purged): its export goes with it
            log.info("CV gone before its export was recorded", exc_info=True)
            older = [uuid.UUID(stored.id)]
        await self.release(owner_id, cv_id, older)

    async def release(self, owner_id: uuid.UUID, cv_id: uuid.UUID,
                      file_ids: list[uuid.UUID]) -> None:
        for file_id in file_ids:
            try:
                with acting_for(str(owner_id)):
                    await self.files.DetachFile(files_pb2.DetachFileRequest(
                        id=str(file_id), reference=reference(cv_id)), timeout=TIMEOUT)
            except grpc.aio.AioRpcError as exc:
                log.warning("could not release a stored export",
                            extra={"file_id": str(file_id), "code": exc.code().name})
