"""The rules of the files service: what an upload must pass before it is kept, who sees and
deletes a file, references, and the sweeps that delete storage objects. No gRPC or HTTP types.

An upload is checked in this order: its kind from its bytes, an identical earlier upload by
the same user (answered as is), the malware scan (an infected upload is refused, stored
nowhere, and published as security.malware_detected — whatever its kind), the kind the bucket
accepts (415) and its size for that kind (413), then the processing (content/). Its objects
are written to storage before its row commits, so that an object never outlives a missing
row they are listed as due for deletion in an hour first, and taken off that list in the
transaction that records the file.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from career_kit.events import Outbox
from career_kit.pagination import Page
from career_kit.unit_of_work import UnitOfWork
from files import events
from files.buckets import BUCKETS, Bucket
from files.config import Settings
from files.content.model import ContentRefused, Output
from files.content.process import process
from files.content.sniff import detect
from files.models import FileVariant, StoredFile
from files.repository import Files, Sweeps
from files.scanning import ClamdScanner, NoScanner, ScanFailed
from files.storage.base import Storage, StorageError

log = logging.getLogger(__name__)

# Objects of an upload in flight are deleted after this unless its row commits first.
IN_FLIGHT_GRACE = timedelta(hours=1)
REFERENCE = re.compile(r"^[a-z][a-z0-9_-]{0,30}:[a-z0-9_-]{1,40}:[A-Za-z0-9_.-]{1,120}$")
SWEEP_BATCH = 100


@dataclass(frozen=True)
class Upload:
    """An upload as received (http_api spooled it to disk, counting and hashing)."""

    path: Path
    size: int
    sha256: str
    original_name: str


def bucket_of(name: str) -> Bucket:
    bucket = BUCKETS.get(name)
    if bucket is None:
        raise NotFound(f"There is no bucket {name!r}; the buckets are "
                       f"{', '.join(sorted(BUCKETS))}.")
    return bucket


def _now() -> datetime:
    return datetime.now(UTC)


class FileService:
    def __init__(self, unit: UnitOfWork, outbox: Outbox, storage: Storage,
                 scanner: ClamdScanner | NoScanner, settings: Settings) -> None:
        self.unit = unit
        self.outbox = outbox
        self.storage = storage
        self.scanner = scanner
        self.settings = settings
        self._slots = asyncio.Semaphore(settings.processing_slots or os.cpu_count() or 1)
        self.sweep_wanted = asyncio.Event()

    # -- uploads ---------------------------------------------------------------------------

    async def upload(self, *, owner_id: uuid.UUID, bucket_name: str, upload: Upload,
                     ip: str | None) -> tuple[StoredFile, bool]:
        """Check, scan, process and store an upload; the file and whether it is new (False:
        the same bytes were uploaded to this bucket by this user before)."""
        bucket = bucket_of(bucket_name)
        detected = await asyncio.to_thread(detect, upload.path)
        if bucket.accepts(detected.kind):
            earlier = await self.unit(lambda s: Files(s).same_upload(owner_id, bucket.name,
                                                                     upload.sha256))
            if earlier is not None:  # these bytes passed every check before
                return earlier, False
        # Scanned before its kind is judged (process() refuses a kind or size the bucket does
        # not take): an attack is worth a security event even when the upload would have been
        # refused for its kind.
        # An internal bucket holds what our own services rendered (StoreFile), never a user's
        # bytes: there is nothing of the outside to scan.
        scan_result = ("generated" if bucket.internal
                       else await self._scan(owner_id, bucket, upload, ip))
        async with self._slots:
            processed = await asyncio.to_thread(process, bucket.name, detected, upload.path,
                                                upload.path.parent / "outputs")
        file_id = uuid.uuid4()
        keys = [f"{owner_id}/{file_id}/{output.name}{Path(output.path).suffix}"
                for output in processed.outputs]
        await self.unit(lambda s: Sweeps(s).schedule(bucket.name, keys,
                                                     _now() + IN_FLIGHT_GRACE))
        await self._put_all(bucket.name, zip(processed.outputs, keys, strict=True))
        original = processed.outputs[0]
        file = StoredFile(
            id=file_id, owner_id=owner_id, bucket=bucket.name,
            original_name=upload.original_name, kind=detected.kind,
            content_type=original.mime, size=upload.size, sha256=upload.sha256,
            public=bucket.public, scan_result=scan_result, details=processed.metadata,
            unreferenced_since=_now(), created_at=_now(), references=[],
            variants=[FileVariant(name=output.name, position=position, storage_key=key,
                                  content_type=output.mime, size=output.size,
                                  width=output.width, height=output.height)
                      for position, (output, key) in enumerate(
                          zip(processed.outputs, keys, strict=True))])

        async def record(session: AsyncSession) -> tuple[StoredFile, bool]:
            files = Files(session)
            if not await files.add(file):  # the same upload, at the same time, won
                await Sweeps(session).schedule(bucket.name, keys, _now())
                winner = await files.same_upload(owner_id, bucket.name, upload.sha256)
                assert winner is not None
                return winner, False
            await Sweeps(session).cancel(bucket.name, keys)
            await self.outbox.add(session, events.file_uploaded(file))
            return file, True

        stored, created = await self.unit(record)
        if not created:
            self.sweep_now()
        return stored, created

    async def store(self, *, owner_id: uuid.UUID, bucket_name: str, name: str,
                    content: bytes) -> StoredFile:
        """What a service generated, into an internal bucket: spooled, then the same checks and
        storing as an upload, but for the malware scan (it is our own output)."""
        spool = self.settings.data_dir / "spool"
        spool.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="store-", dir=spool))
        try:
            path = folder / "content"
            await asyncio.to_thread(path.write_bytes, content)
            upload = Upload(path, len(content), hashlib.sha256(content).hexdigest(),
                            name or "generated")
            file, _ = await self.upload(owner_id=owner_id, bucket_name=bucket_name,
                                        upload=upload, ip=None)
            return file
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def _scan(self, owner_id: uuid.UUID, bucket: Bucket, upload: Upload,
                    ip: str | None) -> str:
        try:
            result = await self.scanner.scan(upload.path)
        except ScanFailed as exc:
            log.warning("upload not scanned", extra={"error": str(exc)})
            raise Unavailable("The upload could not be checked for malware just now; "
                              "try again in a minute.", retry_after_seconds=30) from exc
        if result.clean:
            return "clean" if result.scanner != "none" else "not_scanned"
        signature = result.signature or "unknown"
        log.warning("malware refused", extra={"signature": signature, "bucket": bucket.name,
                                              "user_id": str(owner_id)})
        event = events.malware_detected(
            str(owner_id), ip, bucket=bucket.name, signature=signature, sha256=upload.sha256,
            size=upload.size, original_name=upload.original_name, at=_now())
        await self.unit(lambda s: self.outbox.add(s, event))
        raise ContentRefused(422, f"The file contains malware ({signature}) and was not "
                                  "stored.", detected="malware")

    async def _put_all(self, bucket: str, outputs: zip[tuple[Output, str]]) -> None:
        try:
            await asyncio.gather(*(self.storage.put(bucket, key, output.path,
                                                    content_type=output.mime)
                                   for output, key in outputs))
        except StorageError as exc:
            log.error("storage write failed", extra={"error": str(exc)})
            raise Unavailable("File storage is unavailable just now; try again in a minute.",
                              retry_after_seconds=30) from exc

    # -- one's own files -------------------------------------------------------------------

    async def owned(self, session: AsyncSession, owner_id: uuid.UUID, file_id: uuid.UUID, *,
                    for_update: bool = False) -> StoredFile:
        """The owner's file; NOT_FOUND for another user's, so that ids cannot be probed."""
        file = await Files(session).get(file_id, for_update=for_update)
        if file is None or file.owner_id != owner_id:
            raise NotFound("There is no such file.")
        return file

    async def page(self, session: AsyncSession, owner_id: uuid.UUID, page: Page,
                   bucket: str) -> list[StoredFile]:
        if bucket:
            bucket_of(bucket)
        return await Files(session).page_of_owner(owner_id, page, bucket or None)

    async def delete(self, session: AsyncSession, owner_id: uuid.UUID,
                     file_id: uuid.UUID) -> None:
        file = await self.owned(session, owner_id, file_id, for_update=True)
        if file.references:
            raise FailedPrecondition(
                "The file is in use (" + ", ".join(r.reference for r in file.references)
                + "); remove it there first.", problem_type="file-in-use")
        await self._remove(session, file, "owner")

    async def _remove(self, session: AsyncSession, file: StoredFile, reason: str) -> None:
        await Sweeps(session).schedule(file.bucket, [v.storage_key for v in file.variants],
                                       _now())
        await self.outbox.add(session, events.file_deleted(file, reason, _now()))
        await Files(session).remove(file)

    async def attach(self, session: AsyncSession, owner_id: uuid.UUID, file_id: uuid.UUID,
                     bucket: str, reference: str) -> StoredFile:
        if not REFERENCE.match(reference):
            raise InvalidArgument("reference must look like '<service>:<what>:<id>'.")
        file = await self.owned(session, owner_id, file_id, for_update=True)
        if file.bucket != bucket:
            raise InvalidArgument(f"The file is in {file.bucket}, not in {bucket}.")
        await Files(session).attach(file, reference)
        return file

    async def detach(self, session: AsyncSession, owner_id: uuid.UUID, file_id: uuid.UUID,
                     reference: str) -> None:
        file = await self.owned(session, owner_id, file_id, for_update=True)
        await Files(session).detach(file, reference, _now())

    # -- reading ---------------------------------------------------------------------------

    def variant(self, file: StoredFile, name: str) -> FileVariant:
        for variant in file.variants:
            if variant.name == (name or "original"):
                return variant
        raise NotFound(f"The file has no variant {name!r}; it has "
                       f"{', '.join(v.name for v in file.variants)}.")

    def public_url(self, file: StoredFile, variant: FileVariant) -> str:
        return self.storage.public_url(file.bucket, variant.storage_key) if file.public else ""

    async def signed_url(self, file: StoredFile, variant_name: str, expires_in: int,
                         download: bool) -> tuple[str, datetime]:
        if expires_in < 0 or expires_in > self.settings.signed_url_max_seconds:
            raise InvalidArgument("expires_in_seconds must be between 0 and "
                                  f"{self.settings.signed_url_max_seconds}.")
        seconds = expires_in or self.settings.signed_url_default_seconds
        variant = self.variant(file, variant_name)
        name = None
        if download:
            stem = Path(file.original_name).stem or "file"
            name = f"{stem}{Path(variant.storage_key).suffix}"
        url = await self.storage.signed_url(file.bucket, variant.storage_key,
                                            expires_in=seconds, download_name=name)
        return url, _now() + timedelta(seconds=seconds)

    def open(self, file: StoredFile, variant: FileVariant) -> AsyncIterator[bytes]:
        return self.storage.open(file.bucket, variant.storage_key)

    # -- erasure and sweeps ----------------------------------------------------------------

    async def erase_user(self, session: AsyncSession, user_id: str) -> None:
        """Every file of the user, referenced or not (user.deleted); their objects are swept
        right after the commit."""
        for file in await Files(session).of_owner(uuid.UUID(user_id)):
            await self._remove(session, file, "user_deleted")
        self.sweep_after_commit(session)

    async def sweep_orphans(self) -> int:
        """Delete up to a batch of files unreferenced for longer than the setting."""
        cutoff = _now() - timedelta(seconds=self.settings.orphan_after_seconds)

        async def sweep(session: AsyncSession) -> int:
            orphans = await Files(session).orphans(cutoff, SWEEP_BATCH)
            for file in orphans:
                await self._remove(session, file, "orphan")
            return len(orphans)

        return await self.unit(sweep)

    async def sweep_objects(self) -> int:
        """Delete up to a batch of due storage objects; a failed delete is retried later."""
        async def sweep(session: AsyncSession) -> int:
            due = await Sweeps(session).due(_now(), SWEEP_BATCH)
            by_bucket = defaultdict(list)
            for sweep in due:
                by_bucket[sweep.bucket].append(sweep)
            for bucket, sweeps in by_bucket.items():
                try:
                    await self.storage.delete(bucket, [s.storage_key for s in sweeps])
                except StorageError as exc:
                    log.warning("storage delete failed", extra={"error": str(exc)})
                    for s in sweeps:
                        s.attempts += 1
                        s.due_at = _now() + timedelta(minutes=min(60, 2 ** s.attempts))
                    continue
                await Sweeps(session).done(sweeps)
            return len(due)

        return await self.unit(sweep)

    def sweep_now(self) -> None:
        """Sweep at once (what a committed deletion scheduled), not at the next interval."""
        self.sweep_wanted.set()

    def sweep_after_commit(self, session: AsyncSession) -> None:
        """Sweep as soon as `session`'s transaction commits: a deletion made inside another
        unit (the inbox's, for user.deleted) is visible to the sweep only then."""
        orm_event.listen(session.sync_session, "after_commit", lambda _: self.sweep_now(),
                     once=True)

    async def run_sweeps(self) -> None:
        """The background job: sweep every interval, or at once when asked (a deletion)."""
        while True:
            # Cleared before sweeping: a wake-up that comes during a sweep starts another.
            self.sweep_wanted.clear()
            try:
                while await self.sweep_orphans() == SWEEP_BATCH:
                    pass
                while await self.sweep_objects() == SWEEP_BATCH:
                    pass
            except Exception:
                log.exception("sweep failed")
            try:
                await asyncio.wait_for(self.sweep_wanted.wait(),
                                       self.settings.sweep_interval_seconds)
            except TimeoutError:
                pass
