"""Objects as Cloudinary assets: uploaded and destroyed through the signed Upload API, read from
the delivery CDN, listed through the Admin API.

An object's asset follows from its bucket and key alone (`asset_for`), because delete and open
get no content type: the key's extension picks the resource type (images and videos as such,
everything else, PDFs and DOCX included, as "raw" so that the bytes are served unchanged), and
the bucket picks the delivery type ("upload" for public buckets, "authenticated" for private
ones, which the CDN serves only with a signature). Image and video public ids have no extension
(Cloudinary adds the format), raw ones keep it: two keys that differ only in an image or video
extension name the same asset, which the service's key scheme never produces, and `list` names
a key with Cloudinary's format (`.jpg` for a key stored as `.jpeg`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlencode

import httpx

from files.buckets import BUCKETS
from files.storage._transfer import multipart_upload, stream_get
from files.storage.base import (
    ObjectNotFound,
    StorageError,
    check_key,
    check_prefix,
    quote_key,
)

IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "gif", "svg", "avif", "bmp", "tif",
                              "tiff", "heic", "heif", "ico"})
VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "avi", "webm", "mkv", "m4v", "mpeg", "mpg", "ogv",
                              "3gp", "flv", "wmv"})
# Cloudinary names these formats otherwise; a delivery URL asks for its own names.
FORMAT_NAMES = {"jpeg": "jpg", "tif": "tiff"}
RESOURCE_TYPES = ("image", "video", "raw")
MAX_RESULTS = 500  # the Admin API's largest page
DESTROY_CONCURRENCY = 8
# Admin API calls are rate-limited per hour (500 on the free plan): a readiness probe every
# few seconds would spend the quota, so a good answer is trusted for this long.
CHECK_TTL_SECONDS = 300
_URL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/:")


@dataclass(frozen=True)
class Asset:
    resource_type: str  # "image" | "video" | "raw"
    type: str  # "upload" (public) | "authenticated" (private)
    public_id: str
    format: str | None  # the extension Cloudinary appends; None for raw (it is in the id)

    @property
    def source(self) -> str:
        """The public id as it appears (and is signed) in a delivery URL."""
        escaped = smart_escape(self.public_id)
        return f"{escaped}.{self.format}" if self.format else escaped


def asset_for(bucket: str, key: str) -> Asset:
    """The Cloudinary asset that stores bucket/key."""
    stem, dot, extension = key.rpartition(".")
    extension = extension.lower() if dot and "/" not in extension else ""
    config = BUCKETS.get(bucket)
    delivery = "upload" if config is not None and config.public else "authenticated"
    if extension in IMAGE_EXTENSIONS or extension in VIDEO_EXTENSIONS:
        resource_type = "image" if extension in IMAGE_EXTENSIONS else "video"
        return Asset(resource_type, delivery, f"{bucket}/{stem}",
                     FORMAT_NAMES.get(extension, extension))
    return Asset("raw", delivery, f"{bucket}/{key}", None)


def api_string_to_sign(params: Mapping[str, object]) -> str:
    """What Cloudinary signs: the sent parameters except file, cloud_name, resource_type and
    api_key (and the signature itself), empty ones left out, sorted, `k=v` joined by `&`.
    Signature version 2 writes `&` inside a value as `%26` so a value cannot smuggle in a
    parameter; lists are joined by commas, booleans written true/false."""
    pairs = []
    for name, value in params.items():
        if name in ("file", "cloud_name", "resource_type", "api_key", "signature") or not value:
            continue
        if isinstance(value, bool):
            text = "true"
        elif isinstance(value, list | tuple):
            text = ",".join(str(item) for item in value)
        else:
            text = str(value)
        pairs.append(f"{name}={text}".replace("&", "%26"))
    return "&".join(sorted(pairs))


def api_sign_request(params: Mapping[str, object], api_secret: str) -> str:
    """The hex SHA-1 signature of an Upload API request."""
    return hashlib.sha1((api_string_to_sign(params) + api_secret).encode()).hexdigest()


def delivery_signature(to_sign: str, api_secret: str) -> str:
    """The `s--<8 characters>--` component of a signed delivery URL: the first 8 characters of the
    URL-safe base64 SHA-1 of what follows it in the URL (transformations and the public id
    with its format, not the version) plus the API secret."""
    digest = hashlib.sha1((to_sign + api_secret).encode()).digest()
    return f"s--{base64.urlsafe_b64encode(digest)[:8].decode()}--"


def smart_escape(text: str) -> str:
    """Percent-encode what Cloudinary's SDKs encode in a delivery URL (all but letters,
    digits and `_.-/:`), so that the signed string is the one the CDN checks."""
    return "".join(char if char in _URL_SAFE else "".join(f"%{byte:02X}" for byte in
                                                          char.encode()) for char in text)


class CloudinaryStorage:
    name = "cloudinary"

    def __init__(self, cloud_name: str, api_key: str, api_secret: str, *,
                 api_base_url: str = "https://api.cloudinary.com",
                 delivery_base_url: str = "https://res.cloudinary.com",
                 public_base_url: str | None = None, http: httpx.AsyncClient | None = None,
                 clock: Callable[[], float] = time.time, list_page_size: int = MAX_RESULTS,
                 ) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self._api = f"{api_base_url.rstrip('/')}/v1_1/{cloud_name}"
        self._delivery = f"{delivery_base_url.rstrip('/')}/{cloud_name}"
        self._public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(120, connect=5))
        self._owns_http = http is None
        self._clock = clock
        self._page_size = list_page_size
        self._checked_at: float | None = None

    def _asset(self, bucket: str, key: str) -> Asset:
        check_key(bucket, key)
        return asset_for(bucket, key)

    def _signed(self, params: dict[str, str]) -> dict[str, str]:
        params = {**params, "timestamp": str(int(self._clock()))}
        return {**params, "signature": api_sign_request(params, self._api_secret),
                "api_key": self._api_key}

    async def put(self, bucket: str, key: str, source: Path, *, content_type: str) -> None:
        asset = self._asset(bucket, key)
        # invalidate: an overwrite must not keep serving the old bytes from the CDN.
        fields = self._signed({"public_id": asset.public_id, "type": asset.type,
                               "overwrite": "true", "invalidate": "true"})
        # One streamed request: the largest upload the service takes (50 MB of video) is under
        # the 100 MB Cloudinary accepts without chunked (upload_large) uploads.
        headers, body = multipart_upload(fields, file_field="file",
                                         filename=PurePosixPath(key).name,
                                         content_type=content_type, path=Path(source))
        await self._request("POST", f"{self._api}/{asset.resource_type}/upload",
                            f"upload {bucket}/{key}", headers=headers, content=body)

    def open(self, bucket: str, key: str) -> AsyncIterator[bytes]:
        asset = self._asset(bucket, key)

        def error(response: httpx.Response) -> Exception:
            if response.status_code == 404:
                return ObjectNotFound(bucket, key)
            return StorageError(f"cloudinary: get {bucket}/{key}: HTTP {response.status_code} "
                                f"{response.headers.get('x-cld-error', '')}")

        return stream_get(self._http, self._delivery_url(asset, signed=True), headers={},
                          error=error, what=f"cloudinary: get {bucket}/{key}")

    async def read(self, bucket: str, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.open(bucket, key)])

    async def delete(self, bucket: str, keys: Sequence[str]) -> None:
        assets = [self._asset(bucket, key) for key in keys]
        # The Upload API's destroy takes one asset but is not rate-limited like the Admin API's
        # bulk delete; a few at a time keeps a user's cleanup quick.
        limit = asyncio.Semaphore(DESTROY_CONCURRENCY)

        async def destroy(asset: Asset) -> None:
            async with limit:
                response = await self._request(
                    "POST", f"{self._api}/{asset.resource_type}/destroy",
                    f"destroy {asset.public_id}",
                    data=self._signed({"public_id": asset.public_id, "type": asset.type,
                                       "invalidate": "true"}))
            result = _json(response).get("result")
            if result not in ("ok", "not found"):  # "not found" (HTTP 200): already gone
                raise StorageError(f"cloudinary: destroy {asset.public_id}: {result!r}")

        await asyncio.gather(*(destroy(asset) for asset in assets))

    async def list(self, bucket: str, prefix: str) -> list[str]:
        check_prefix(bucket, prefix)
        delivery = asset_for(bucket, "x").type
        keys = []
        for resource_type in RESOURCE_TYPES:
            cursor = None
            while True:
                params = {"prefix": f"{bucket}/{prefix}", "max_results": str(self._page_size)}
                if cursor:
                    params["next_cursor"] = cursor
                body = _json(await self._request(
                    "GET", f"{self._api}/resources/{resource_type}/{delivery}",
                    f"list {resource_type} {bucket}/{prefix}", params=params,
                    auth=httpx.BasicAuth(self._api_key, self._api_secret)))
                for resource in body.get("resources", []):
                    key = resource["public_id"][len(bucket) + 1:]
                    if resource_type != "raw" and resource.get("format"):
                        key = f"{key}.{resource['format']}"
                    keys.append(key)
                cursor = body.get("next_cursor")
                if not cursor:
                    break
        return sorted(keys)

    def public_url(self, bucket: str, key: str) -> str:
        asset = self._asset(bucket, key)
        if self._public_base_url:
            return f"{self._public_base_url}/{bucket}/{quote_key(key)}"
        # Never signed: a signed delivery URL never expires, so it must not leak out of here
        # for a private bucket (whose unsigned URL the CDN refuses).
        return self._delivery_url(asset, signed=False)

    def _delivery_url(self, asset: Asset, *, signed: bool) -> str:
        # "v1": the CDN serves the current version whatever the number, and a version keeps
        # the public id's first folder from being read as a transformation (the SDKs do it).
        signature = (f"{delivery_signature(asset.source, self._api_secret)}/"
                     if signed and asset.type == "authenticated" else "")
        return (f"{self._delivery}/{asset.resource_type}/{asset.type}/{signature}v1/"
                f"{asset.source}")

    async def signed_url(self, bucket: str, key: str, *, expires_in: int,
                         download_name: str | None = None) -> str:
        """The Upload API's private download URL, not a signed delivery URL: a delivery
        signature never expires (only the paid token-auth feature adds expiry), while this
        URL carries `expires_at` and can name the downloaded file (`target_filename`)."""
        asset = self._asset(bucket, key)
        params = {"public_id": asset.public_id, "type": asset.type,
                  "expires_at": str(int(self._clock()) + expires_in)}
        if asset.format:
            params["format"] = asset.format
        if download_name:
            params.update(attachment="true", target_filename=download_name)
        return f"{self._api}/{asset.resource_type}/download?{urlencode(self._signed(params))}"

    async def check(self) -> None:
        now = time.monotonic()
        if self._checked_at is not None and now - self._checked_at < CHECK_TTL_SECONDS:
            return
        await self._request("GET", f"{self._api}/ping", "ping",
                            auth=httpx.BasicAuth(self._api_key, self._api_secret))
        self._checked_at = now

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _request(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise StorageError(f"cloudinary: {what}: {exc!r}") from exc
        if response.status_code != 200:
            message = _json(response).get("error", {}).get("message") or response.text[:200]
            raise StorageError(f"cloudinary: {what}: HTTP {response.status_code}: {message}")
        return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
