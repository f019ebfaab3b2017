"""A fake Cloudinary (Upload API, Admin API, delivery CDN) for tests and offline runs.

Never used by production code. One Starlette app, served by uvicorn on 127.0.0.1 in a background
thread, is both the API host (`api_base_url` = `fake.url`) and the CDN (`delivery_base_url` =
`fake.url`); assets are held in memory, originals only (no transformations, no format
conversion: a request for them is answered 400 with `x-cld-error`, so a test notices).

* Upload and destroy (`POST /v1_1/{cloud}/{resource_type}/upload|destroy`) take signed
  parameters, checked as Cloudinary checks them: every sent parameter but file, cloud_name,
  resource_type and api_key, sorted, `&`-joined (`&` in values as `%26`), plus the secret,
  SHA-1 (or SHA-256 with signature_algorithm). A wrong or missing signature is 401
  `{"error": {"message": "Invalid Signature ... String to sign - '...'."}}`, a timestamp over an
  hour old is 400 "Stale request". HTTP Basic auth (api_key:api_secret) works too.
* An image or video public id is taken as given, extension and all, and delivered with the
  format appended (`x.png` uploaded as public id "x.png" is delivered at `x.png.png`); raw
  public ids keep their extension and have no format. The format is the file name's extension
  (the real service reads the bytes); an image upload of a non-image is "Invalid image file".
* Destroy of an unknown asset is HTTP 200 `{"result": "not found"}`.
* Delivery: `/{cloud}/{resource_type}/{type}/[s--SIG--/]v<version>/<public_id>[.<format>]`;
  authenticated (and private) assets need the signature (the first 8 characters of the URL-safe
  base64 SHA-1 of what follows it, version left out, plus the secret): 401 without it.
* `GET /v1_1/{cloud}/{resource_type}/download` (the private download URL): signed like an
  upload, refused after `expires_at` (or an hour after `timestamp` without one).
* Admin API with Basic auth: `GET /v1_1/{cloud}/resources/{resource_type}/{type}` (prefix,
  max_results up to 500, next_cursor) and `GET /v1_1/{cloud}/ping`.

    with FakeCloudinary("demo", "1234", "abcd") as fake:
        ...  # the code under test uploads to fake.url
        fake.asset("raw", "authenticated", "cv-files/u1/f1/original.pdf").data
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.fakes.serving import ServedFake, ThreadedApp

IMAGE_FORMATS = frozenset({"jpg", "png", "webp", "gif", "svg", "avif", "bmp", "tiff", "heic",
                           "ico"})
VIDEO_FORMATS = frozenset({"mp4", "mov", "avi", "webm", "mkv", "m4v", "mpeg", "ogv", "3gp",
                           "flv", "wmv"})
FORMAT_ALIASES = {"jpeg": "jpg", "tif": "tiff", "heif": "heic", "mpg": "mpeg"}
DELIVERY_TYPES = ("upload", "authenticated", "private")
SIGNATURE_TTL_SECONDS = 3600
MAX_RESULTS = 500
ADMIN_RATE_LIMIT = 500  # calls an hour, as on the free plan (reported, not enforced)
_EXCLUDED = frozenset({"file", "cloud_name", "resource_type", "api_key", "signature"})
_URL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/:")
_SIGNATURE = re.compile(r"^s--([A-Za-z0-9_-]{8})--$")
_VERSION = re.compile(r"^v\d+$")


@dataclass
class StoredAsset:
    """One asset as the fake holds it."""

    resource_type: str
    type: str
    public_id: str
    format: str | None
    data: bytes
    content_type: str
    version: int
    original_filename: str
    created_at: str = field(default_factory=lambda: _iso(time.time()))
    asset_id: str = field(default_factory=lambda: secrets.token_hex(16))


class CloudinaryError(Exception):
    """An API error in Cloudinary's envelope."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"message": self.message}}, self.status)


def string_to_sign(params: Mapping[str, str]) -> str:
    """What a signed request's signature covers (see the module docstring)."""
    return "&".join(sorted(f"{name}={value}".replace("&", "%26")
                           for name, value in params.items()
                           if name not in _EXCLUDED and value))


def sign(params: Mapping[str, str], api_secret: str, algorithm: str = "sha1") -> str:
    return hashlib.new(algorithm, (string_to_sign(params) + api_secret).encode()).hexdigest()


def delivery_signature(to_sign: str, api_secret: str) -> str:
    digest = hashlib.sha1((to_sign + api_secret).encode()).digest()
    return base64.urlsafe_b64encode(digest)[:8].decode()


class FakeCloudinary(ServedFake):
    """Cloudinary's API and CDN on 127.0.0.1:<free port>."""

    def __init__(self, cloud_name: str, api_key: str, api_secret: str, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.cloud_name = cloud_name
        self.api_key = api_key
        self.api_secret = api_secret
        self._clock = clock
        self._lock = threading.Lock()
        self._assets: dict[tuple[str, str, str], StoredAsset] = {}
        self.app = Starlette(routes=[
            Route("/v1_1/{cloud}/ping", self._ping, methods=["GET"]),
            Route("/v1_1/{cloud}/resources/{resource_type}/{type}", self._list,
                  methods=["GET"]),
            Route("/v1_1/{cloud}/{resource_type}/upload", self._upload, methods=["POST"]),
            Route("/v1_1/{cloud}/{resource_type}/destroy", self._destroy, methods=["POST"]),
            Route("/v1_1/{cloud}/{resource_type}/download", self._download, methods=["GET"]),
            Route("/{cloud}/{resource_type}/{type}/{rest:path}", self._deliver,
                  methods=["GET"]),
        ])
        # `url` is both the API base URL and the delivery base URL.
        self._http = ThreadedApp(self.app, "fake-cloudinary")

    # ------------------------------------------------------------------ test controls

    def assets(self) -> list[StoredAsset]:
        """Every stored asset, for assertions."""
        with self._lock:
            return [replace(asset) for asset in self._assets.values()]

    def asset(self, resource_type: str, type: str, public_id: str) -> StoredAsset:
        """One stored asset (KeyError when there is none)."""
        with self._lock:
            return replace(self._assets[(resource_type, type, public_id)])

    def delivery_url(self, asset: StoredAsset) -> str:
        """Where the fake's CDN serves an asset (signed when its type needs it)."""
        source = _escape(asset.public_id) + (f".{asset.format}" if asset.format else "")
        signature = (f"s--{delivery_signature(source, self.api_secret)}--/"
                     if asset.type != "upload" else "")
        return (f"{self.url}/{self.cloud_name}/{asset.resource_type}/{asset.type}/"
                f"{signature}v{asset.version}/{source}")

    # ------------------------------------------------------------------ Upload API

    async def _upload(self, request: Request) -> Response:
        try:
            self._check_cloud(request)
            async with request.form(max_part_size=1024 * 1024) as form:
                params = {name: value for name, value in form.items() if isinstance(value, str)}
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise CloudinaryError(400, "Missing required parameter - file")
                self._authenticate(request, params)
                data = await upload.read()
            return JSONResponse(self._store(request.path_params["resource_type"], params,
                                            data, upload))
        except CloudinaryError as error:
            return error.response()

    def _store(self, resource_type: str, params: dict[str, str], data: bytes,
               upload: UploadFile) -> dict[str, Any]:
        filename = upload.filename or "file"
        stem, dot, extension = filename.rpartition(".")
        file_format = FORMAT_ALIASES.get(extension.lower(), extension.lower()) if dot else ""
        if resource_type == "auto":
            resource_type = ("image" if file_format in IMAGE_FORMATS else
                             "video" if file_format in VIDEO_FORMATS else "raw")
        if resource_type == "image" and file_format not in IMAGE_FORMATS:
            raise CloudinaryError(400, "Invalid image file")
        if resource_type == "video" and file_format not in VIDEO_FORMATS:
            raise CloudinaryError(400, "Unsupported video format or file")
        if resource_type not in ("image", "video", "raw"):
            raise CloudinaryError(400, f"Invalid resource type {resource_type}")
        delivery = params.get("type") or "upload"
        if delivery not in DELIVERY_TYPES:
            raise CloudinaryError(400, f"Invalid type {delivery}")
        public_id = params.get("public_id") or secrets.token_hex(10)
        key = (resource_type, delivery, public_id)
        with self._lock:
            existing = self._assets.get(key)
            if existing is not None and params.get("overwrite") == "false":
                return self._resource(existing) | {"existing": True}
            version = max(int(self._clock()), existing.version + 1 if existing else 0)
            asset = StoredAsset(resource_type, delivery, public_id,
                                file_format if resource_type != "raw" else None, data,
                                upload.content_type or "application/octet-stream", version,
                                stem if dot else filename, created_at=_iso(self._clock()))
            self._assets[key] = asset
            return self._resource(asset)

    async def _destroy(self, request: Request) -> Response:
        try:
            self._check_cloud(request)
            async with request.form() as form:
                params = {name: value for name, value in form.items() if isinstance(value, str)}
            self._authenticate(request, params)
            public_id = params.get("public_id")
            if not public_id:
                raise CloudinaryError(400, "Missing required parameter - public_id")
            key = (request.path_params["resource_type"], params.get("type") or "upload",
                   public_id)
            with self._lock:
                removed = self._assets.pop(key, None)
            # An unknown asset is not an error: 200 with result "not found".
            return JSONResponse({"result": "ok" if removed else "not found"})
        except CloudinaryError as error:
            return error.response()

    async def _download(self, request: Request) -> Response:
        try:
            self._check_cloud(request)
            params = dict(request.query_params)
            self._authenticate(request, params, basic=False,
                               expires_at=params.get("expires_at"))
            resource_type = request.path_params["resource_type"]
            key = (resource_type, params.get("type") or "upload", params.get("public_id", ""))
            with self._lock:
                asset = self._assets.get(key)
            if asset is None or (params.get("format") or None) not in (None, asset.format):
                raise CloudinaryError(404, f"Resource not found - {key[2]}")
        except CloudinaryError as error:
            return error.response()
        headers = {}
        if params.get("attachment") == "true":
            name = params.get("target_filename") or (
                asset.public_id.rsplit("/", 1)[-1] + (f".{asset.format}" if asset.format else ""))
            headers["Content-Disposition"] = (f'attachment; filename="{_ascii(name)}"; '
                                              f"filename*=UTF-8''{quote(name, safe='')}")
        return Response(asset.data, media_type=asset.content_type, headers=headers)

    # ------------------------------------------------------------------ Admin API

    async def _ping(self, request: Request) -> Response:
        try:
            self._check_cloud(request)
            self._check_basic(request)
        except CloudinaryError as error:
            return error.response()
        return self._admin_response({"status": "ok"})

    async def _list(self, request: Request) -> Response:
        try:
            self._check_cloud(request)
            self._check_basic(request)
            query = request.query_params
            max_results = int(query.get("max_results") or 10)
            if not 1 <= max_results <= MAX_RESULTS:
                raise CloudinaryError(400, f"max_results should be between 1 and {MAX_RESULTS}")
            offset = _cursor_offset(query.get("next_cursor"))
        except ValueError:
            return CloudinaryError(400, "Invalid max_results or next_cursor").response()
        except CloudinaryError as error:
            return error.response()
        resource_type, delivery = request.path_params["resource_type"], request.path_params["type"]
        prefix = query.get("prefix") or ""
        with self._lock:
            matches = sorted((asset for (kind, kind_type, public_id), asset in self._assets.items()
                              if kind == resource_type and kind_type == delivery and
                              public_id.startswith(prefix)), key=lambda asset: asset.public_id)
            page = [self._resource(asset, admin=True)
                    for asset in matches[offset:offset + max_results]]
        body: dict[str, Any] = {"resources": page}
        if offset + max_results < len(matches):
            body["next_cursor"] = base64.urlsafe_b64encode(
                str(offset + max_results).encode()).decode()
        return self._admin_response(body)

    # ------------------------------------------------------------------ delivery

    async def _deliver(self, request: Request) -> Response:
        cloud, resource_type = request.path_params["cloud"], request.path_params["resource_type"]
        delivery = request.path_params["type"]
        # The raw path: a signature covers the public id as escaped in the URL.
        raw = request.scope.get("raw_path", request.url.path.encode()).decode()
        segments = raw.split("/")[4:]
        if cloud != self.cloud_name or delivery not in DELIVERY_TYPES or not segments:
            return _cdn_error(404, "Resource not found")
        signature = None
        if match := _SIGNATURE.match(segments[0]):
            signature, segments = match.group(1), segments[1:]
        versions = [i for i, segment in enumerate(segments) if _VERSION.match(segment)]
        if versions:
            if versions[0] != 0:
                return _cdn_error(400, "Transformations are not supported by the fake")
            segments = segments[1:]
        source = "/".join(segments)
        if delivery != "upload":
            if signature is None:
                return _cdn_error(401, "Authentication required")
            if not hmac.compare_digest(signature, delivery_signature(source, self.api_secret)):
                return _cdn_error(401, "Invalid signature")
        public_id, file_format = unquote(source), None
        if resource_type in ("image", "video"):
            public_id, dot, extension = public_id.rpartition(".")
            if not dot:
                return _cdn_error(400, "The fake delivers originals only: give the format")
            file_format = FORMAT_ALIASES.get(extension.lower(), extension.lower())
        with self._lock:
            asset = self._assets.get((resource_type, delivery, public_id))
        if asset is None:
            return _cdn_error(404, f"Resource not found - {public_id}")
        if file_format != asset.format:
            return _cdn_error(400, f"The fake does not convert {asset.format} to {file_format}")
        cache = "public, max-age=2592000" if delivery == "upload" else "private, max-age=3600"
        return Response(asset.data, media_type=asset.content_type,
                        headers={"ETag": f'"{hashlib.md5(asset.data).hexdigest()}"',
                                 "Cache-Control": cache})

    # ------------------------------------------------------------------ authentication

    def _check_cloud(self, request: Request) -> None:
        if request.path_params["cloud"] != self.cloud_name:
            raise CloudinaryError(401, f"Invalid cloud_name {request.path_params['cloud']}")

    def _authenticate(self, request: Request, params: dict[str, str], *, basic: bool = True,
                      expires_at: str | None = None) -> None:
        """A signed request (api_key, timestamp, signature) or, where allowed, Basic auth."""
        if basic and "signature" not in params and request.headers.get("authorization"):
            self._check_basic(request)
            return
        api_key = params.get("api_key")
        if not api_key:
            raise CloudinaryError(401, "Must supply api_key")
        if not hmac.compare_digest(api_key, self.api_key):
            raise CloudinaryError(401, f"Unknown API key {api_key}")
        timestamp = params.get("timestamp", "")
        if not timestamp.isdigit():
            raise CloudinaryError(400, "Missing required parameter - timestamp")
        algorithm = params.get("signature_algorithm") or "sha1"
        if algorithm not in ("sha1", "sha256"):
            raise CloudinaryError(400, f"Invalid signature_algorithm {algorithm}")
        expected = sign(params, self.api_secret, algorithm)
        given = params.get("signature", "")
        if not hmac.compare_digest(expected, given):
            raise CloudinaryError(401, f"Invalid Signature {given}. String to sign - "
                                       f"'{string_to_sign(params)}'.")
        now = self._clock()
        if expires_at is not None:
            if not expires_at.isdigit() or int(expires_at) < now:
                raise CloudinaryError(401, "The URL has expired")
        elif now - int(timestamp) > SIGNATURE_TTL_SECONDS:
            raise CloudinaryError(400, f"Stale request - reported time is "
                                       f"{_iso(int(timestamp))} which is more than 1 hour ago")

    def _check_basic(self, request: Request) -> None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        try:
            key, _, secret = base64.b64decode(credentials).decode().partition(":")
        except ValueError:
            key = secret = ""
        if scheme.lower() != "basic" or not key:
            raise CloudinaryError(401, "Must supply api_key")
        if not (hmac.compare_digest(key, self.api_key) and
                hmac.compare_digest(secret, self.api_secret)):
            raise CloudinaryError(401, f"Invalid credentials for api_key {key}")

    # ------------------------------------------------------------------ rendering

    def _resource(self, asset: StoredAsset, *, admin: bool = False) -> dict[str, Any]:
        url = self.delivery_url(asset)
        body: dict[str, Any] = {
            "asset_id": asset.asset_id, "public_id": asset.public_id, "version": asset.version,
            "version_id": hashlib.md5(f"{asset.asset_id}{asset.version}".encode()).hexdigest(),
            "resource_type": asset.resource_type, "type": asset.type,
            "created_at": asset.created_at, "bytes": len(asset.data), "url": url,
            "secure_url": url}
        if asset.format:
            body["format"] = asset.format
        if admin:
            return body
        signature = hashlib.sha1(f"public_id={asset.public_id}&version={asset.version}"
                                 f"{self.api_secret}".encode()).hexdigest()
        return body | {"signature": signature, "tags": [], "placeholder": False,
                       "etag": hashlib.md5(asset.data).hexdigest(),
                       "original_filename": asset.original_filename, "api_key": self.api_key}

    def _admin_response(self, body: dict[str, Any]) -> JSONResponse:
        reset = datetime.fromtimestamp((int(self._clock()) // 3600 + 1) * 3600, UTC)
        return JSONResponse(body, headers={
            "X-FeatureRateLimit-Limit": str(ADMIN_RATE_LIMIT),
            "X-FeatureRateLimit-Remaining": str(ADMIN_RATE_LIMIT - 1),
            "X-FeatureRateLimit-Reset": reset.strftime("%a, %d %b %Y %H:%M:%S GMT")})


def _cursor_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    return int(base64.urlsafe_b64decode(cursor.encode()).decode())


def _cdn_error(status: int, message: str) -> Response:
    # The CDN answers errors with an empty body and the reason in a header.
    return Response(b"", status, headers={"x-cld-error": message})


def _escape(text: str) -> str:
    return "".join(char if char in _URL_SAFE else "".join(f"%{byte:02X}" for byte in
                                                          char.encode()) for char in text)


def _ascii(name: str) -> str:
    return "".join(char if 0x20 <= ord(char) < 0x7F and char not in '"\\' else "_"
                   for char in name)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
