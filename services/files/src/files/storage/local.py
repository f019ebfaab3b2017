"""Objects as files under one folder (development, tests, a single-node install).

The service serves them itself: public buckets at `{public_base_url}/{bucket}/{key}` through
`public_path`, private ones at the URLs `signed_url` builds, which its route checks with
`verify`. File system calls run in worker threads so that a slow disk never stalls the loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from urllib.parse import quote

from files.buckets import BUCKETS
from files.storage.base import (
    CHUNK_SIZE,
    InvalidKey,
    ObjectNotFound,
    StorageError,
    check_key,
    check_prefix,
    quote_key,
)

_TEMP_PREFIX = ".part-"  # check_key refuses dot-segments, so no key can name a half-written file


class SignatureInvalid(Exception):
    """A signed local URL that is forged, altered, malformed or expired (the route answers 403)."""


class LocalStorage:
    name = "local"

    def __init__(self, root: Path, *, public_base_url: str, signed_base_url: str,
                 signing_key: bytes, clock: Callable[[], float] = time.time) -> None:
        if not signing_key:
            raise ValueError("LocalStorage needs a signing key for its signed URLs")
        self.root = Path(root)
        self._public_base_url = public_base_url.rstrip("/")
        self._signed_base_url = signed_base_url.rstrip("/")
        self._signing_key = signing_key
        self._clock = clock

    def path(self, bucket: str, key: str) -> Path:
        """Where bucket/key lives on disk; raises InvalidKey for a key that could escape root."""
        check_key(bucket, key)
        return self.root / bucket / key

    async def put(self, bucket: str, key: str, source: Path, *, content_type: str) -> None:
        target = self.path(bucket, key)
        try:
            await asyncio.to_thread(_copy_atomically, Path(source), target)
        except OSError as exc:
            raise StorageError(f"local: writing {bucket}/{key}: {exc}") from exc

    async def open(self, bucket: str, key: str) -> AsyncIterator[bytes]:
        path = self.path(bucket, key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(bucket, key) from None
        except OSError as exc:
            raise StorageError(f"local: opening {bucket}/{key}: {exc}") from exc
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
                yield chunk
        except OSError as exc:
            raise StorageError(f"local: reading {bucket}/{key}: {exc}") from exc
        finally:
            handle.close()

    async def read(self, bucket: str, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.open(bucket, key)])

    async def delete(self, bucket: str, keys: Sequence[str]) -> None:
        paths = [self.path(bucket, key) for key in keys]
        try:
            await asyncio.to_thread(self._delete, bucket, paths)
        except OSError as exc:
            raise StorageError(f"local: deleting from {bucket}: {exc}") from exc

    def _delete(self, bucket: str, paths: list[Path]) -> None:
        bucket_root = self.root / bucket
        for path in paths:
            path.unlink(missing_ok=True)
            # Empty folders go too, so that deleting a user leaves nothing behind on disk.
            parent = path.parent
            while parent != bucket_root and parent.is_relative_to(bucket_root):
                try:
                    parent.rmdir()
                except OSError:  # not empty (or gone): the folders above are not empty either
                    break
                parent = parent.parent

    async def list(self, bucket: str, prefix: str) -> list[str]:
        check_prefix(bucket, prefix)
        try:
            return await asyncio.to_thread(self._list, bucket, prefix)
        except OSError as exc:
            raise StorageError(f"local: listing {bucket}/{prefix}: {exc}") from exc

    def _list(self, bucket: str, prefix: str) -> list[str]:
        bucket_root = self.root / bucket
        # Walk only the deepest folder the prefix names, not the whole bucket.
        start = bucket_root / prefix.rpartition("/")[0]
        keys = []
        for folder, _, names in os.walk(start):
            for name in names:
                if name.startswith("."):
                    continue
                key = (Path(folder) / name).relative_to(bucket_root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def public_url(self, bucket: str, key: str) -> str:
        check_key(bucket, key)
        return f"{self._public_base_url}/{bucket}/{quote_key(key)}"

    def public_path(self, bucket: str, key: str) -> Path:
        """The file behind a public URL; ObjectNotFound for a private bucket or a bad key, so
        that the public route tells a prober nothing about private objects."""
        config = BUCKETS.get(bucket)
        if config is None or not config.public:
            raise ObjectNotFound(bucket, key)
        try:
            return self.path(bucket, key)
        except InvalidKey:
            raise ObjectNotFound(bucket, key) from None

    async def signed_url(self, bucket: str, key: str, *, expires_in: int,
                         download_name: str | None = None) -> str:
        check_key(bucket, key)
        expires = str(int(self._clock()) + expires_in)
        signature = self._signature(bucket, key, expires, download_name)
        url = (f"{self._signed_base_url}/{bucket}/{quote_key(key)}"
               f"?expires={expires}&signature={signature}")
        if download_name:
            url += f"&download={quote(download_name, safe='')}"
        return url

    def verify(self, bucket: str, key: str, expires: str, signature: str,
               download: str | None) -> Path:
        """The file a signed URL names, if its signature is ours and it has not expired; else
        SignatureInvalid. The file itself may be gone (the route answers 404 then)."""
        if not expires.isdigit():
            raise SignatureInvalid("malformed expiry")
        try:
            path = self.path(bucket, key)
        except InvalidKey:
            raise SignatureInvalid("invalid key") from None
        expected = self._signature(bucket, key, expires, download)
        if not hmac.compare_digest(expected, signature):
            raise SignatureInvalid("signature does not match")
        if int(expires) < self._clock():
            raise SignatureInvalid("expired")
        return path

    def _signature(self, bucket: str, key: str, expires: str, download: str | None) -> str:
        # Newline-separated: bucket and key cannot contain one (check_key) and the expiry is
        # digits, so no two different URLs share a message ("/" would: keys contain slashes).
        fields = [bucket, key, expires] + ([download] if download else [])
        return hmac.new(self._signing_key, "\n".join(fields).encode(), hashlib.sha256).hexdigest()

    async def check(self) -> None:
        try:
            await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"local: {self.root}: {exc}") from exc
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"local: {self.root} is not writable")

    async def close(self) -> None:
        return None


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy in chunks to a temporary file beside the target, then rename it over the target:
    a reader sees the old file or the new one, never half of one."""
    for attempt in range(3):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=_TEMP_PREFIX,
                                                 delete=False)
            break
        except FileNotFoundError:  # a concurrent delete pruned the empty folder: make it again
            if attempt == 2:
                raise
    temp = Path(handle.name)
    try:
        with handle, source.open("rb") as reader:
            shutil.copyfileobj(reader, handle, CHUNK_SIZE)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
