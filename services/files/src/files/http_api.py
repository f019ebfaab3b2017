"""The files service's HTTP routes, beside its ops routes on the HTTP port.

* `POST /internal/uploads/{bucket}`: an upload, streamed by the gateway (never public: the
  internal token proves the gateway sent it, with the caller's id). The body is either the
  file itself or multipart/form-data with a `file` part; it is spooled to disk while it is
  counted and hashed, and refused with 413 as soon as it passes the bucket's largest limit.
  The answer is the File message (protobuf, application/x-protobuf: the gateway converts it
  the way it converts GetFile's), or problem+json, which the gateway passes on.
* `GET /objects/public/{bucket}/{key}` and `GET /objects/signed/{bucket}/{key}?expires=...`:
  local storage's objects (the gateway's /files/... forwards here); the other backends serve
  their own URLs.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import shutil
import tempfile
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from career_kit import context
from career_kit.errors import DomainError, Unavailable, http_status
from career_kit.ops_http import problem_response
from files.buckets import BUCKETS
from files.content.model import ContentRefused
from files.grpc_api import file_message
from files.service import FileService, Upload
from files.storage.base import PRIVATE_CACHE_CONTROL, PUBLIC_CACHE_CONTROL, ObjectNotFound
from files.storage.local import LocalStorage, SignatureInvalid

log = logging.getLogger(__name__)

NAME_LIMIT = 255


class TooLarge(Exception):
    pass


class _Spool:
    """The upload's bytes to a file, counted and hashed; TooLarge past `limit`."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.path = folder / "upload"
        self._file: IO[bytes] = self.path.open("wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge
        self._hash.update(data)
        self._file.write(data)

    def close(self) -> None:
        self._file.close()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class _MultipartFile:
    """Feeds a multipart/form-data body through python-multipart, keeping the first part
    that carries a file (its bytes to the spool, its file name)."""

    def __init__(self, boundary: bytes, spool: _Spool) -> None:
        self.spool = spool
        self.filename: str | None = None
        self.found = False
        self._header_name = b""
        self._header_value = b""
        self._in_file = False
        self._done_with_file = False
        self.parser = MultipartParser(boundary, callbacks={
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value_part, "on_header_end": self._header_end,
            "on_part_data": self._part_data, "on_part_end": self._part_end})

    def _part_begin(self) -> None:
        self._in_file = False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition" and not self._done_with_file:
            _, options = parse_options_header(self._header_value)
            if b"filename" in options:
                self._in_file = True
                self.found = True
                self.filename = options[b"filename"].decode("utf-8", "replace")
        self._header_name = self._header_value = b""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.spool.write(data[start:end])

    def _part_end(self) -> None:
        if self._in_file:
            self._done_with_file = True
        self._in_file = False


def _safe_name(name: str | None) -> str:
    """A display name: the last path segment, no control characters, bounded."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:NAME_LIMIT] or "upload"


def upload_routes(service: FileService, *, internal_secret: str, spool_dir: Path,
                  local: LocalStorage | None) -> list[BaseRoute]:
    spool_dir.mkdir(parents=True, exist_ok=True)

    async def receive(request: Request) -> Response:
        path = request.url.path
        given = request.headers.get(context.INTERNAL_TOKEN_KEY, "")
        if not hmac.compare_digest(given.encode(), internal_secret.encode()):
            return problem_response(403, "uploads come through the gateway", instance=path)
        given_id = request.headers.get(context.CORRELATION_ID_KEY)
        context.correlation_id.set(given_id if context.valid_correlation_id(given_id)
                                   else context.new_correlation_id())
        bucket = BUCKETS.get(request.path_params["bucket"])
        if bucket is None or bucket.internal:  # internal ones take StoreFile only
            return problem_response(404, f"There is no bucket {request.path_params['bucket']!r}"
                                    f"; the buckets are {', '.join(sorted(BUCKETS))}.",
                                    instance=path)
        try:
            owner_id = context.signed_in_user(request.headers.get(context.CALLER_USER_ID_KEY))
        except DomainError as exc:
            return problem_response(401, exc.detail, instance=path)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > bucket.max_bytes + 64 * 1024:
            return _too_large(bucket.name, bucket.max_bytes, path)
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=spool_dir))
        try:
            spool = _Spool(folder, bucket.max_bytes)
            try:
                name = await _read_body(request, spool)
            except TooLarge:
                return _too_large(bucket.name, bucket.max_bytes, path)
            except ClientDisconnect:
                return Response(status_code=400)
            finally:
                spool.close()
            if name is False:
                return problem_response(400, "A multipart upload needs a part with a file "
                                             "(a `file` field with a filename).", instance=path)
            if spool.size == 0:
                return problem_response(400, "The upload is empty.", instance=path)
            upload = Upload(spool.path, spool.size, spool.sha256,
                            _safe_name(name or request.headers.get("x-file-name")))
            ip = request.headers.get("x-forwarded-for", "").split(",")[0].strip() or None
            try:
                file, created = await service.upload(owner_id=owner_id, bucket_name=bucket.name,
                                                     upload=upload, ip=ip)
            except ContentRefused as exc:
                extensions = {"detected": exc.detected} if exc.detected else {}
                return problem_response(exc.status, exc.detail, instance=path, **extensions)
            except Unavailable as exc:
                return problem_response(503, exc.detail, instance=path,
                                        headers={"Retry-After": str(exc.retry_after_seconds)})
            except DomainError as exc:
                return problem_response(http_status(exc.status), exc.detail,
                                        instance=path)
            return Response(file_message(service, file).SerializeToString(),
                            status_code=201 if created else 200,
                            media_type="application/x-protobuf")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    routes: list[BaseRoute] = [Route("/internal/uploads/{bucket}", receive, methods=["POST"])]
    if local is not None:
        routes += _local_object_routes(local)
    return routes


async def _read_body(request: Request, spool: _Spool) -> str | bool | None:
    """Spool the body; the multipart file name (None for a raw body), False for a multipart
    body without a file part."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type == b"multipart/form-data" and b"boundary" in options:
        form = _MultipartFile(options[b"boundary"], spool)
        async for chunk in request.stream():
            form.parser.write(chunk)
        form.parser.finalize()
        return form.filename if form.found else False
    async for chunk in request.stream():
        spool.write(chunk)
    return None


def _too_large(bucket: str, limit: int, path: str) -> Response:
    return problem_response(413, f"Uploads to {bucket} may be at most "
                                 f"{limit / (1024 * 1024):g} MB.", instance=path,
                            headers={"Connection": "close"})


def _local_object_routes(local: LocalStorage) -> list[BaseRoute]:
    async def public(request: Request) -> Response:
        try:
            path = local.public_path(request.path_params["bucket"], request.path_params["key"])
        except ObjectNotFound:
            return problem_response(404, "no such object", instance=request.url.path)
        if not path.is_file():
            return problem_response(404, "no such object", instance=request.url.path)
        return FileResponse(path, headers={"Cache-Control": PUBLIC_CACHE_CONTROL})

    async def signed(request: Request) -> Response:
        query = request.query_params
        try:
            path = local.verify(request.path_params["bucket"], request.path_params["key"],
                                query.get("expires", ""), query.get("signature", ""),
                                query.get("download"))
        except (SignatureInvalid, ValueError):
            return problem_response(403, "The link is invalid or has expired.",
                                    instance=request.url.path)
        if not path.is_file():
            return problem_response(404, "no such object", instance=request.url.path)
        download = query.get("download")
        return FileResponse(path, filename=download,
                            headers={"Cache-Control": PRIVATE_CACHE_CONTROL},
                            content_disposition_type="attachment" if download else "inline")

    return [Route("/objects/public/{bucket}/{key:path}", public, methods=["GET", "HEAD"]),
            Route("/objects/signed/{bucket}/{key:path}", signed, methods=["GET", "HEAD"])]
