"""Objects in Supabase Storage, through its REST API at `{SUPABASE_URL}/storage/v1`.

The buckets exist beforehand (created by provisioning, public or not); this code only moves
objects. Errors come back as HTTP 400 for almost everything, with the real status as a string
in the body (`{"statusCode": "404", "error": "not_found", ...}`): `error_for` reads the body.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from files.storage._transfer import raw_upload, stream_get
from files.storage.base import (
    ObjectNotFound,
    StorageError,
    cache_control,
    check_key,
    check_prefix,
    quote_key,
)

DELETE_BATCH = 1000  # the most prefixes one DELETE /object/{bucket} takes
_MISSING_BUCKET = {"NoSuchBucket", "Bucket not found"}


class SupabaseStorage:
    name = "supabase"

    def __init__(self, url: str, key: str, *, public_base_url: str | None,
                 http: httpx.AsyncClient | None = None, list_page_size: int = 100) -> None:
        """`key`: the service_role JWT (legacy) or a `sb_secret_...` key. `list_page_size` is
        for tests that want several pages."""
        if key.startswith("sb_publishable_"):
            raise ValueError("a publishable key cannot write to storage: give the secret key")
        self._base = f"{url.rstrip('/')}/storage/v1"
        self._public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self._page_size = list_page_size
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(60, connect=5))
        self._owns_http = http is None
        self._headers = auth_headers(key)

    async def put(self, bucket: str, key: str, source: Path, *, content_type: str) -> None:
        check_key(bucket, key)
        headers, body = raw_upload(Path(source), content_type)
        # Exactly "true": any other value is an insert, refused for an existing key.
        headers["x-upsert"] = "true"
        headers["cache-control"] = cache_control(bucket)
        await self._request("POST", f"/object/{bucket}/{quote_key(key)}", bucket, key,
                            headers=headers, content=body)

    def open(self, bucket: str, key: str) -> AsyncIterator[bytes]:
        check_key(bucket, key)
        return stream_get(self._http, f"{self._base}/object/{bucket}/{quote_key(key)}",
                          headers=self._headers, what=f"supabase: get {bucket}/{key}",
                          error=lambda response: error_for(response, bucket, key))

    async def read(self, bucket: str, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.open(bucket, key)])

    async def delete(self, bucket: str, keys: Sequence[str]) -> None:
        for key in keys:
            check_key(bucket, key)
        for start in range(0, len(keys), DELETE_BATCH):
            # Answers with the rows it deleted; keys that did not exist are simply absent.
            await self._request("DELETE", f"/object/{bucket}", bucket, None,
                                json={"prefixes": list(keys[start:start + DELETE_BATCH])})

    async def list(self, bucket: str, prefix: str) -> list[str]:
        """The API lists one folder at a time (sub-folders come back with `id: null`), so this
        walks down from the deepest folder the prefix names."""
        check_prefix(bucket, prefix)
        keys: list[str] = []
        folders = [prefix.rpartition("/")[0]]
        while folders:
            folder = folders.pop()
            offset = 0
            while True:
                entries = await self._json("POST", f"/object/list/{bucket}", bucket, json={
                    "prefix": folder, "limit": self._page_size, "offset": offset,
                    "sortBy": {"column": "name", "order": "asc"}})
                for entry in entries:
                    path = f"{folder}/{entry['name']}" if folder else entry["name"]
                    if entry.get("id") is None:
                        if (path + "/").startswith(prefix):
                            folders.append(path)
                    elif path.startswith(prefix) and not entry["name"].startswith("."):
                        keys.append(path)  # (".emptyFolderPlaceholder" is the dashboard's)
                if len(entries) < self._page_size:
                    break
                offset += self._page_size
        return sorted(keys)

    def public_url(self, bucket: str, key: str) -> str:
        check_key(bucket, key)
        if self._public_base_url:
            return f"{self._public_base_url}/{bucket}/{quote_key(key)}"
        return f"{self._base}/object/public/{bucket}/{quote_key(key)}"

    async def signed_url(self, bucket: str, key: str, *, expires_in: int,
                         download_name: str | None = None) -> str:
        check_key(bucket, key)
        body = await self._json("POST", f"/object/sign/{bucket}/{quote_key(key)}", bucket, key,
                                json={"expiresIn": expires_in})
        # Relative to /storage/v1 ("/object/sign/...?token=..."), as storage3 reads it.
        url = f"{self._base}/{body['signedURL'].lstrip('/')}"
        if download_name:
            url += f"&download={quote(download_name, safe='')}"
        return url

    async def check(self) -> None:
        await self._request("GET", "/bucket", "", None)

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _json(self, method: str, path: str, bucket: str, key: str | None = None,
                    **kwargs: Any) -> Any:
        response = await self._request(method, path, bucket, key, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise StorageError(f"supabase: {method} {path}: not JSON: "
                               f"{response.text[:200]!r}") from exc

    async def _request(self, method: str, path: str, bucket: str, key: str | None, *,
                       headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, f"{self._base}{path}",
                                                headers={**self._headers, **(headers or {})},
                                                **kwargs)
        except httpx.HTTPError as exc:
            raise StorageError(f"supabase: {method} {path}: {exc!r}") from exc
        if not response.is_success:
            raise error_for(response, bucket, key)
        return response


def auth_headers(key: str) -> dict[str, str]:
    """A legacy service_role key is a JWT and goes in both headers; a `sb_secret_` key is not
    a JWT and goes in `apikey` only (as a Bearer token it is refused)."""
    if key.startswith("sb_"):
        return {"apikey": key}
    return {"apikey": key, "Authorization": f"Bearer {key}"}


def error_for(response: httpx.Response, bucket: str, key: str | None) -> Exception:
    """ObjectNotFound for a missing object, whether the status says 404 or (as Storage does)
    HTTP 400 says `"statusCode": "404"` in the body; StorageError for anything else, a missing
    bucket included: that is a provisioning fault, not a missing file."""
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    status = str(body.get("statusCode") or response.status_code)
    names = {str(body.get("error")), str(body.get("code"))}
    if key is not None and status == "404" and not names & _MISSING_BUCKET:
        return ObjectNotFound(bucket, key)
    detail = body.get("message") or response.text[:200]
    return StorageError(f"supabase: HTTP {response.status_code} (statusCode {status}, "
                        f"{body.get('error') or body.get('code')}): {detail}")
