"""A fake Supabase Storage API for tests and offline runs, objects held in memory.

Never used by production code. One Starlette app, served by uvicorn on 127.0.0.1 in a background
thread, answers under `/storage/v1` like a Supabase project (`SUPABASE_URL` = `fake.url`):
upload (raw body or multipart; POST insert/upsert, PUT replace), authenticated and public
download, sign one/many and the signed GET, list one folder, delete one/many, list buckets.
It reproduces what trips clients up:

* Errors are HTTP 400 for anything but a 500, with the real status as a *string* in the body:
  `{"statusCode": "404", "error": "not_found", "code": "NoSuchKey", "message": ...}`.
* `x-upsert` must be exactly "true"; anything else inserts, and an existing key is a 409 (in
  the body).
* `signedURL` is relative (`/object/sign/...?token=<JWT>`); `expiresIn` may be an int or a
  string (storage3 sends a string); the token is checked (signature, path, expiry) on the GET.
* Public GETs only for buckets created public: the seed's profile-images, company-logos and
  blog-images are, cv-files and social-media are not.
* Keys as the platform checks them: a missing `apikey` or a wrong one is refused by the API
  gateway (401); a legacy service_role JWT must also come as `Authorization: Bearer`, and a
  new `sb_secret_...` key must not (it is not a JWT: storage answers 403-in-body).

    with FakeSupabaseStorage(service_key="sb_secret_test") as fake:
        ...  # the code under test talks to fake.url
        fake.object("cv-files", "u1/f1/original.pdf").data
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.fakes.serving import ServedFake, ThreadedApp

SEED_BUCKETS = {"profile-images": True, "company-logos": True, "blog-images": True,
                "cv-files": False, "social-media": False}
# The platform's default per-file limit on the free plan.
DEFAULT_FILE_SIZE_LIMIT = 50 * 1024 * 1024


@dataclass
class StoredObject:
    """One object as the fake holds it."""

    data: bytes
    content_type: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = field(default_factory=lambda: _now_iso())
    updated_at: str = field(default_factory=lambda: _now_iso())
    cache_control: str = "max-age=3600"

    def row(self, name: str) -> dict[str, Any]:
        """The object as list answers show it."""
        return {"name": name, "id": self.id, "updated_at": self.updated_at,
                "created_at": self.created_at, "last_accessed_at": self.updated_at,
                "metadata": {"eTag": f'"{hashlib.md5(self.data).hexdigest()}"',
                             "size": len(self.data), "mimetype": self.content_type,
                             "cacheControl": self.cache_control,
                             "lastModified": self.updated_at,
                             "contentLength": len(self.data), "httpStatusCode": 200}}


@dataclass
class RecordedRequest:
    """One request the fake answered, for assertions (e.g. which auth headers came)."""

    method: str
    path: str
    headers: dict[str, str]
    status: int


class StorageApiError(Exception):
    """An error answer in Storage's shape."""

    def __init__(self, status: int, error: str, message: str, code: str | None = None,
                 http_status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.code = code or error
        self.message = message
        # Storage answers 400 for every error but a 500 (its error handler's rule).
        self.http_status = http_status or (500 if status == 500 else 400)

    def response(self) -> JSONResponse:
        return JSONResponse({"statusCode": str(self.status), "error": self.error,
                             "code": self.code, "message": self.message}, self.http_status)


def _not_found() -> StorageApiError:
    return StorageApiError(404, "not_found", "Object not found", "NoSuchKey")


def _no_bucket() -> StorageApiError:
    return StorageApiError(404, "Bucket not found", "Bucket not found", "NoSuchBucket")



def _endpoint(*, authenticated: bool = True) -> Callable[..., Any]:
    """A handler method as a Starlette endpoint: authenticate (unless the route is one a
    browser opens without keys), render StorageApiError, record the request."""
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        async def endpoint(self: FakeSupabaseStorage, request: Request) -> Response:
            try:
                if authenticated:
                    self._authenticate(request)
                response = await function(self, request)
            except (GatewayRefusal, StorageApiError) as refusal:
                response = refusal.response()
            with self._lock:
                self.requests.append(RecordedRequest(request.method, request.url.path,
                                                     dict(request.headers),
                                                     response.status_code))
            return response

        endpoint.__name__ = function.__name__
        return endpoint

    return decorate


class FakeSupabaseStorage(ServedFake):
    """Supabase Storage on 127.0.0.1:<free port>, under /storage/v1."""

    def __init__(self, service_key: str, *, clock: Callable[[], float] = time.time,
                 file_size_limit: int = DEFAULT_FILE_SIZE_LIMIT) -> None:
        self.service_key = service_key
        self._clock = clock
        self._file_size_limit = file_size_limit
        self._jwt_secret = secrets.token_bytes(32)  # the project's JWT secret: signs tokens
        self._lock = threading.Lock()
        self._buckets: dict[str, bool] = {}
        self._objects: dict[str, dict[str, StoredObject]] = {}
        self.requests: list[RecordedRequest] = []
        for name, public in SEED_BUCKETS.items():
            self.create_bucket(name, public=public)
        prefix = "/storage/v1"
        self.app = Starlette(routes=[
            Route(f"{prefix}/bucket", self._list_buckets, methods=["GET"]),
            Route(f"{prefix}/bucket/{{bucket}}", self._get_bucket, methods=["GET"]),
            Route(f"{prefix}/object/list/{{bucket}}", self._list, methods=["POST"]),
            Route(f"{prefix}/object/sign/{{bucket}}", self._sign_many, methods=["POST"]),
            Route(f"{prefix}/object/sign/{{bucket}}/{{key:path}}", self._sign, methods=["POST"]),
            Route(f"{prefix}/object/sign/{{bucket}}/{{key:path}}", self._get_signed,
                  methods=["GET"]),
            Route(f"{prefix}/object/public/{{bucket}}/{{key:path}}", self._get_public,
                  methods=["GET"]),
            Route(f"{prefix}/object/authenticated/{{bucket}}/{{key:path}}", self._get,
                  methods=["GET"]),
            Route(f"{prefix}/object/{{bucket}}", self._delete_many, methods=["DELETE"]),
            Route(f"{prefix}/object/{{bucket}}/{{key:path}}", self._upload,
                  methods=["POST", "PUT"]),
            Route(f"{prefix}/object/{{bucket}}/{{key:path}}", self._get, methods=["GET"]),
            Route(f"{prefix}/object/{{bucket}}/{{key:path}}", self._delete_one,
                  methods=["DELETE"]),
        ])
        # `url` is the project URL (SUPABASE_URL); the API is under `{url}/storage/v1`.
        self._http = ThreadedApp(self.app, "fake-supabase-storage")

    # ------------------------------------------------------------------ test controls

    def create_bucket(self, name: str, *, public: bool) -> None:
        with self._lock:
            self._buckets[name] = public
            self._objects.setdefault(name, {})

    def object(self, bucket: str, key: str) -> StoredObject:
        """A stored object (KeyError when there is none)."""
        with self._lock:
            return self._objects[bucket][key]

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        with self._lock:
            return sorted(key for key in self._objects.get(bucket, {}) if key.startswith(prefix))

    # ------------------------------------------------------------------ handlers

    def _authenticate(self, request: Request) -> None:
        apikey = request.headers.get("apikey")
        if not apikey:
            raise GatewayRefusal("No API key found in request",
                                 "No `apikey` request header or url param was found.")
        if not hmac.compare_digest(apikey, self.service_key):
            raise GatewayRefusal("Invalid API key",
                                 "Double check your Supabase `anon` or `service_role` API key.")
        bearer = request.headers.get("authorization", "")
        token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
        if self.service_key.startswith("sb_"):
            # The gateway turns a secret key into a short-lived JWT for storage itself; a
            # Bearer value that is no JWT reaches storage's JWT check and fails it.
            if bearer and token.count(".") != 2:
                raise StorageApiError(403, "Unauthorized", "Invalid Compact JWS", "AccessDenied")
            return
        if not token:
            raise StorageApiError(403, "Unauthorized", "Invalid Compact JWS", "AccessDenied")
        if not hmac.compare_digest(token, self.service_key):
            raise StorageApiError(403, "Unauthorized", "signature verification failed",
                                  "AccessDenied")

    def _bucket(self, request: Request) -> dict[str, StoredObject]:
        objects = self._objects.get(request.path_params["bucket"])
        if objects is None:
            raise _no_bucket()
        return objects

    @_endpoint()
    async def _list_buckets(self, request: Request) -> Response:
        with self._lock:
            return JSONResponse([_bucket_row(name, public)
                                 for name, public in sorted(self._buckets.items())])

    @_endpoint()
    async def _get_bucket(self, request: Request) -> Response:
        with self._lock:
            public = self._buckets.get(request.path_params["bucket"])
        if public is None:
            raise _no_bucket()
        return JSONResponse(_bucket_row(request.path_params["bucket"], public))

    @_endpoint()
    async def _upload(self, request: Request) -> Response:
        key = request.path_params["key"]
        data, content_type = await _upload_body(request)
        if len(data) > self._file_size_limit:
            raise StorageApiError(413, "Payload too large",
                                  "The object exceeded the maximum allowed size",
                                  "EntityTooLarge")
        bucket = request.path_params["bucket"]
        with self._lock:
            objects = self._bucket(request)
            existing = objects.get(key)
            if request.method == "PUT" and existing is None:
                raise _not_found()
            # Only the exact string "true" upserts; "True", "1", "yes" insert.
            if request.method == "POST" and existing is not None and \
                    request.headers.get("x-upsert") != "true":
                raise StorageApiError(409, "Duplicate", "The resource already exists",
                                      "KeyAlreadyExists")
            stored = StoredObject(data, content_type,
                                  cache_control=request.headers.get("cache-control",
                                                                    "max-age=3600"))
            if existing is not None:
                stored.id, stored.created_at = existing.id, existing.created_at
            objects[key] = stored
        return JSONResponse({"Id": stored.id, "Key": f"{bucket}/{key}"})

    @_endpoint()
    async def _get(self, request: Request) -> Response:
        with self._lock:
            stored = self._bucket(request).get(request.path_params["key"])
        if stored is None:
            raise _not_found()
        return _object_response(stored, request.query_params.get("download"),
                                request.path_params["key"])

    @_endpoint(authenticated=False)
    async def _get_public(self, request: Request) -> Response:
        with self._lock:
            public = self._buckets.get(request.path_params["bucket"])
            stored = self._objects.get(request.path_params["bucket"], {}).get(
                request.path_params["key"])
        if not public:  # a private bucket looks missing from the public route
            raise _no_bucket()
        if stored is None:
            raise _not_found()
        return _object_response(stored, request.query_params.get("download"),
                                request.path_params["key"])

    @_endpoint()
    async def _sign(self, request: Request) -> Response:
        body = await _json_body(request)
        expires_in = _expires_in(body)
        bucket, key = request.path_params["bucket"], request.path_params["key"]
        with self._lock:
            if key not in self._bucket(request):
                raise _not_found()
        return JSONResponse({"signedURL": self._signed_path(bucket, key, expires_in)})

    @_endpoint()
    async def _sign_many(self, request: Request) -> Response:
        body = await _json_body(request)
        expires_in = _expires_in(body)
        paths = body.get("paths")
        if not isinstance(paths, list):
            raise StorageApiError(400, "InvalidRequest", "body must have required property "
                                  "'paths'")
        bucket = request.path_params["bucket"]
        with self._lock:
            objects = self._bucket(request)
            present = {path for path in paths if path in objects}
        return JSONResponse([
            {"path": path, "signedURL": self._signed_path(bucket, path, expires_in),
             "error": None} if path in present else
            {"path": path, "signedURL": None, "error": "Either the object does not exist or "
             "you do not have access to it"} for path in paths])

    @_endpoint(authenticated=False)
    async def _get_signed(self, request: Request) -> Response:
        bucket, key = request.path_params["bucket"], request.path_params["key"]
        token = request.query_params.get("token")
        if not token:
            raise StorageApiError(400, "InvalidRequest",
                                  "querystring must have required property 'token'")
        payload = self._verify_token(token)
        if payload.get("url") != f"{bucket}/{key}":
            raise StorageApiError(400, "InvalidSignature", "The url do not match the signature")
        with self._lock:
            stored = self._objects.get(bucket, {}).get(key)
        if stored is None:
            raise _not_found()
        return _object_response(stored, request.query_params.get("download"), key)

    @_endpoint()
    async def _list(self, request: Request) -> Response:
        body = await _json_body(request)
        if not isinstance(body.get("prefix"), str):
            raise StorageApiError(400, "InvalidRequest",
                                  "body must have required property 'prefix'")
        limit, offset = int(body.get("limit") or 100), int(body.get("offset") or 0)
        search = str(body.get("search") or "")
        # The prefix is a folder; the answer is its direct children, sub-folders with id null.
        folder = body["prefix"].strip("/")
        folder = f"{folder}/" if folder else ""
        order = (body.get("sortBy") or {}).get("order", "asc")
        with self._lock:
            objects = self._bucket(request)
            children: dict[str, dict[str, Any]] = {}
            for key, stored in objects.items():
                if not key.startswith(folder):
                    continue
                name, slash, _ = key[len(folder):].partition("/")
                if not name.lower().startswith(search.lower()):
                    continue
                children[name] = (_folder_row(name) if slash else stored.row(name))
        names = sorted(children, reverse=order == "desc")
        return JSONResponse([children[name] for name in names[offset:offset + limit]])

    @_endpoint()
    async def _delete_many(self, request: Request) -> Response:
        body = await _json_body(request)
        prefixes = body.get("prefixes")
        if not isinstance(prefixes, list) or not prefixes:
            raise StorageApiError(400, "InvalidRequest",
                                  "body must have required property 'prefixes'")
        bucket = request.path_params["bucket"]
        with self._lock:
            objects = self._bucket(request)
            deleted = [objects.pop(key).row(key) | {"bucket_id": bucket}
                       for key in dict.fromkeys(prefixes) if key in objects]
        return JSONResponse(deleted)

    @_endpoint()
    async def _delete_one(self, request: Request) -> Response:
        with self._lock:
            if self._bucket(request).pop(request.path_params["key"], None) is None:
                raise _not_found()
        return JSONResponse({"message": "Successfully deleted"})

    # ------------------------------------------------------------------ signed tokens

    def _signed_path(self, bucket: str, key: str, expires_in: int) -> str:
        now = int(self._clock())
        token = _jwt({"url": f"{bucket}/{key}", "iat": now, "exp": now + expires_in},
                     self._jwt_secret)
        return f"/object/sign/{bucket}/{quote(key, safe='/')}?token={token}"

    def _verify_token(self, token: str) -> dict[str, Any]:
        try:
            header, payload, signature = token.split(".")
            expected = _b64(hmac.new(self._jwt_secret, f"{header}.{payload}".encode(),
                                     hashlib.sha256).digest())
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            raise StorageApiError(400, "InvalidJWT", "Invalid Compact JWS") from None
        if not hmac.compare_digest(expected, signature):
            raise StorageApiError(400, "InvalidJWT", "signature verification failed")
        if int(claims.get("exp", 0)) <= self._clock():
            raise StorageApiError(400, "InvalidJWT", '"exp" claim timestamp check failed')
        return claims


class GatewayRefusal(Exception):
    """The API gateway's answer to a missing or unknown key (before storage sees it)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def response(self) -> JSONResponse:
        return JSONResponse({"message": self.message, "hint": self.hint}, 401)


async def _upload_body(request: Request) -> tuple[bytes, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form() as form:
            upload = next((value for value in form.values() if not isinstance(value, str)),
                          None)
            if upload is None:
                raise StorageApiError(400, "InvalidRequest", "No content provided")
            return await upload.read(), upload.content_type or "text/plain;charset=UTF-8"
    data = await request.body()
    return data, content_type or "text/plain;charset=UTF-8"


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise StorageApiError(400, "InvalidRequest", "Body is not valid JSON") from None
    if not isinstance(body, dict):
        raise StorageApiError(400, "InvalidRequest", "body must be object")
    return body


def _expires_in(body: dict[str, Any]) -> int:
    """`expiresIn` as Storage's schema coerces it: an integer or a string of one, at least 1."""
    value = body.get("expiresIn")
    try:
        expires_in = int(value) if not isinstance(value, bool) else 0
    except (TypeError, ValueError):
        expires_in = 0
    if expires_in < 1:
        raise StorageApiError(400, "InvalidRequest",
                              "body/expiresIn must be >= 1" if value is not None else
                              "body must have required property 'expiresIn'")
    return expires_in


def _object_response(stored: StoredObject, download: str | None, key: str) -> Response:
    headers = {"Cache-Control": stored.cache_control,
               "ETag": f'"{hashlib.md5(stored.data).hexdigest()}"',
               "Last-Modified": stored.updated_at}
    if download is not None:
        name = download or key.rsplit("/", 1)[-1]
        headers["Content-Disposition"] = (f"attachment; filename={quote(name)}; "
                                          f"filename*=UTF-8''{quote(name)}")
    return Response(stored.data, media_type=stored.content_type, headers=headers)


def _bucket_row(name: str, public: bool) -> dict[str, Any]:
    return {"id": name, "name": name, "owner": "", "public": public,
            "file_size_limit": None, "allowed_mime_types": None,
            "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"}


def _folder_row(name: str) -> dict[str, Any]:
    return {"name": name, "id": None, "updated_at": None, "created_at": None,
            "last_accessed_at": None, "metadata": None}


def _jwt(claims: dict[str, Any], secret: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
