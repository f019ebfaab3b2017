"""The one interface the files service stores objects through, and what every backend shares.

Four backends implement `Storage` (local disk, S3, Supabase Storage, Cloudinary);
`files.storage.factory.build_storage` picks one from the settings. Buckets are the names in
`files.buckets`; keys look like `{user_id}/{file_id}/{output-name}.{ext}` and every backend takes
them as given, after `check_key` has refused the ones that could escape a folder or mean two
things on two backends.
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable
from urllib.parse import quote

from files.buckets import BUCKETS

# Reads and writes move this much at a time: large enough that a 50 MB video is 50 steps, small
# enough that a few concurrent downloads hold little memory.
CHUNK_SIZE = 1024 * 1024
MAX_KEY_BYTES = 1024  # S3's limit; the strictest of the four

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class ObjectNotFound(Exception):
    """No object at that bucket and key: the service answers 404."""

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(f"no object {bucket}/{key}")
        self.bucket = bucket
        self.key = key


class StorageError(Exception):
    """The backend failed (network, 5xx, bad credentials, missing bucket): the service answers
    503. The message names the backend's own error so that the log says what to fix."""


class InvalidKey(ValueError):
    """A bucket, key or prefix no backend may be given (a programming error in the caller)."""


@runtime_checkable
class Storage(Protocol):
    """Where uploads and their variants live.

    `open` is an async generator: a missing object raises ObjectNotFound from the first step,
    before any bytes, so a caller that wants to answer 404 instead of a broken 200 takes the
    first chunk before it sends headers.
    """

    name: str  # "local" | "s3" | "supabase" | "cloudinary"

    async def put(self, bucket: str, key: str, source: pathlib.Path, *,
                  content_type: str) -> None:
        """Store the file at `source` under bucket/key, replacing what was there; the file is
        streamed from disk, never read whole."""
        ...

    def open(self, bucket: str, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; raises ObjectNotFound."""
        ...

    async def read(self, bucket: str, key: str) -> bytes:
        """The whole object (for small ones); raises ObjectNotFound."""
        ...

    async def delete(self, bucket: str, keys: Sequence[str]) -> None:
        """Delete the keys; a key that does not exist is not an error."""
        ...

    async def list(self, bucket: str, prefix: str) -> list[str]:
        """Every key that starts with `prefix` (all pages), sorted: for cleanup and tests."""
        ...

    def public_url(self, bucket: str, key: str) -> str:
        """A URL anyone can fetch, for a public bucket: `{public_base_url}/{bucket}/{key}` when
        a public base URL (a CDN) is configured, else the backend's own public URL."""
        ...

    async def signed_url(self, bucket: str, key: str, *, expires_in: int,
                         download_name: str | None = None) -> str:
        """A URL that serves the object without other credentials for `expires_in` seconds,
        as an attachment named `download_name` when one is given."""
        ...

    async def check(self) -> None:
        """Readiness: raises StorageError when the backend cannot be reached or refuses the
        credentials."""
        ...

    async def close(self) -> None:
        """Release connections; the object is not used afterwards."""
        ...


def check_key(bucket: str, key: str) -> None:
    """Refuse a bucket or key that is not a plain relative path of plain segments.

    `..`, absolute paths, backslashes and control characters (NUL among them) could escape a
    folder on disk; empty segments and segments starting with a dot are refused too, because
    S3 keeps `a//b` while a file system folds it into `a/b`, and the local backend keeps its
    half-written files under dot-names.
    """
    if not BUCKET_NAME.match(bucket):
        raise InvalidKey(f"invalid bucket name: {bucket!r}")
    if not key or len(key.encode()) > MAX_KEY_BYTES:
        raise InvalidKey(f"invalid key length: {key!r}")
    _check_segments(key.split("/"), key)


def check_prefix(bucket: str, prefix: str) -> None:
    """Like check_key for a listing prefix, which may be empty or end with a slash."""
    if not BUCKET_NAME.match(bucket):
        raise InvalidKey(f"invalid bucket name: {bucket!r}")
    if prefix:
        segments = prefix.split("/")
        _check_segments(segments[:-1] if prefix.endswith("/") else segments, prefix)


def _check_segments(segments: list[str], key: str) -> None:
    for segment in segments:
        if not segment or segment.startswith(".") or "\\" in segment or any(
                ord(char) < 0x20 or ord(char) == 0x7F for char in segment):
            raise InvalidKey(f"invalid key: {key!r}")


def quote_key(key: str) -> str:
    """A key as a URL path: each segment percent-encoded, the slashes kept."""
    return quote(key, safe="/")


def attachment_disposition(filename: str) -> str:
    """Content-Disposition for a download saved as `filename` (RFC 6266): an ASCII fallback for
    old clients and the exact UTF-8 name in `filename*`."""
    fallback = "".join(char if 0x20 <= ord(char) < 0x7F and char not in '"\\' else "_"
                       for char in filename) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# Public objects never change under their key (it holds the file's id): cached for a year by
# browsers and CDNs. Private ones are served through short-lived links and never cached.
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
PRIVATE_CACHE_CONTROL = "private, no-store"


def cache_control(bucket: str) -> str:
    """The Cache-Control an object of `bucket` is stored and served with."""
    config = BUCKETS.get(bucket)
    return PUBLIC_CACHE_CONTROL if config is not None and config.public else PRIVATE_CACHE_CONTROL
