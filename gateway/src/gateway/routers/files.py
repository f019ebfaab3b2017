"""/api/uploads: upload a file to a bucket, list, read, delete one's files and get short-lived
links to private ones; /files/...: local storage's objects.

An upload's body is streamed to the files service's HTTP port as it arrives, never held here:
a 50 MB video crosses the gateway in 64 KB pieces. It is counted on the way and cut off with
413 as soon as it passes its bucket's largest limit (by Content-Length at once), so a 60 MB body
sent to a 5 MB bucket is refused after about 5 MB. The bytes travel as a plain HTTP stream to
the service's HTTP port, as webhooks do, rather than as gRPC client streaming: measured
(`python -m bench.upload_transport`, 8 x 50 MB at once) it moved 906 MB/s against 815 with
0.93 ms of receiver CPU per MB against 1.18, and needs no message framing of the first piece.
Everything else is the files service's gRPC API.
"""

from __future__ import annotations

import time
from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from career.files.v1 import files_pb2
from career_kit import context
from career_kit.grpc.client import outgoing_metadata
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep, ServiceClients
from gateway.conversions import PageSize, PageToken, datetime_of, page_request
from gateway.deps import SettingsDep, WebhookHttpDep
from gateway.problems import Problem, problem_response
from gateway.routers.files_schemas import BucketOut, FileOut, FilesOut, SignedUrlOut, file_out

router = APIRouter(tags=["files"])

# What a multipart body adds around the file (boundaries, part headers, a few small fields).
MULTIPART_ALLOWANCE = 64 * 1024
BUCKETS_TTL_SECONDS = 300.0
# Headers of a stored object worth passing on to the browser.
_OBJECT_HEADERS = ("content-type", "content-length", "cache-control", "content-disposition",
                   "etag", "last-modified", "accept-ranges")

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
    "description": "The file: a multipart `file` part, or the raw bytes (name it with the "
                   "X-File-Name header). Its kind is read from its bytes, never from the name "
                   "or Content-Type.",
}


class _Buckets:
    """The buckets' limits from the files service, cached (they change with a deploy)."""

    def __init__(self) -> None:
        self._limits: dict[str, int] = {}
        self._fetched = 0.0

    async def max_bytes(self, clients: ServiceClients, bucket: str) -> int | None:
        if time.monotonic() - self._fetched > BUCKETS_TTL_SECONDS:
            reply = await clients.files.ListBuckets(files_pb2.ListBucketsRequest())
            self._limits = {b.name: b.max_bytes for b in reply.buckets}
            self._fetched = time.monotonic()
        return self._limits.get(bucket)


_buckets = _Buckets()


class _TooLarge(Exception):
    pass


def _too_large(bucket: str, limit: int, path: str) -> Response:
    return problem_response(413, f"Uploads to {bucket} may be at most "
                                 f"{limit / (1024 * 1024):g} MB.", instance=path,
                            headers={"Connection": "close"})


@router.post(
    "/api/uploads/{bucket}", status_code=201, response_model=FileOut,
    summary="Upload a file to a bucket",
    description="Buckets: profile-images, cv-files, social-media, company-logos, blog-images "
                "(GET /api/uploads/buckets lists their limits). 201 with the new file; 200 "
                "with the earlier one when the same bytes were uploaded to the bucket before. "
                "413 past the bucket's limit, 415 for content the bucket does not accept "
                "(`detected` says what it is), 422 when a check fails or malware is found.",
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={200: {"model": FileOut, "description": "The same upload, made before"}})
async def upload(bucket: str, request: Request, caller: CurrentCaller, clients: ClientsDep,
                 settings: SettingsDep, http: WebhookHttpDep) -> Response:
    path = request.url.path
    max_bytes = await _buckets.max_bytes(clients, bucket)
    if max_bytes is None:
        raise Problem(404, f"There is no bucket {bucket!r}.")
    limit = max_bytes + MULTIPART_ALLOWANCE
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return _too_large(bucket, max_bytes, path)

    async def body():
        sent = 0
        async for chunk in request.stream():
            sent += len(chunk)
            if sent > limit:
                raise _TooLarge
            yield chunk

    headers = dict(outgoing_metadata(settings.platform.internal_secret.get_secret_value()))
    headers["content-type"] = request.headers.get("content-type", "application/octet-stream")
    if name := request.headers.get("x-file-name"):
        headers["x-file-name"] = name
    client = request.client.host if request.client else ""
    headers["x-forwarded-for"] = client
    try:
        upstream = await http.post(f"{settings.files_http_url}/internal/uploads/{bucket}",
                                   content=body(), headers=headers,
                                   timeout=settings.upload_timeout_seconds)
    except _TooLarge:
        return _too_large(bucket, max_bytes, path)
    except ClientDisconnect:  # the client went away mid-upload: nobody is left to answer
        return Response(status_code=400)
    except httpx.TimeoutException as exc:
        raise Problem(504, "The upload was not processed in time.") from exc
    except httpx.HTTPError as exc:
        raise Problem(502, "The files service could not be reached.") from exc
    if upstream.status_code in (200, 201):
        file = files_pb2.File.FromString(upstream.content)
        return JSONResponse(file_out(file).model_dump(mode="json"),
                            status_code=upstream.status_code)
    return _passed_on(upstream, path)


def _passed_on(upstream: httpx.Response, path: str) -> Response:
    """The files service's problem, in the gateway's problem shape (its members kept)."""
    try:
        body = upstream.json()
    except ValueError:
        body = {}
    detail = str(body.get("detail") or "The upload was refused.")
    extensions = {"detected": body["detected"]} if "detected" in body else {}
    headers = {"Retry-After": upstream.headers["retry-after"]} \
        if "retry-after" in upstream.headers else None
    return problem_response(upstream.status_code, detail, instance=path, headers=headers,
                            **extensions)


@router.get("/api/uploads", response_model=FilesOut, summary="One's own files, newest first")
async def list_uploads(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                       page_token: PageToken = None,
                       bucket: Annotated[str | None, Query(max_length=64)] = None) -> FilesOut:
    reply = await clients.files.ListFiles(files_pb2.ListFilesRequest(
        page=page_request(page_size, page_token), bucket=bucket or ""))
    return FilesOut(files=[file_out(f) for f in reply.files],
                    next_page_token=reply.page.next_page_token or None)


@router.get("/api/uploads/buckets", response_model=list[BucketOut],
            summary="The buckets, their limits and what each accepts")
async def list_buckets(clients: ClientsDep) -> list[BucketOut]:
    reply = await clients.files.ListBuckets(files_pb2.ListBucketsRequest())
    return [BucketOut(name=b.name, public=b.public, max_bytes=b.max_bytes,
                      limits=dict(sorted(b.limits.items()))) for b in reply.buckets]


@router.get("/api/uploads/{file_id}", response_model=FileOut, summary="One of one's files")
async def get_upload(file_id: str, caller: CurrentCaller, clients: ClientsDep) -> FileOut:
    return file_out(await clients.files.GetFile(files_pb2.GetFileRequest(id=file_id)))


@router.delete("/api/uploads/{file_id}", status_code=204,
               summary="Delete one of one's files (412 while something uses it)")
async def delete_upload(file_id: str, caller: CurrentCaller, clients: ClientsDep) -> Response:
    await clients.files.DeleteFile(files_pb2.DeleteFileRequest(id=file_id))
    return Response(status_code=204)


@router.get("/api/uploads/{file_id}/url", response_model=SignedUrlOut,
            summary="A short-lived link to a file (private buckets' only way in)")
async def signed_url(file_id: str, caller: CurrentCaller, clients: ClientsDep,
                     variant: Annotated[str | None, Query(max_length=64)] = None,
                     expires_in: Annotated[int, Query(ge=1, le=3600)] = 300,
                     download: bool = False) -> SignedUrlOut:
    reply = await clients.files.GetSignedUrl(files_pb2.GetSignedUrlRequest(
        id=file_id, variant=variant or "", expires_in_seconds=expires_in, download=download))
    return SignedUrlOut(url=reply.url, expires_at=datetime_of(reply, "expires_at"))


@router.get("/files/{scope}/{key:path}", include_in_schema=False)
async def stored_object(scope: str, key: str, request: Request, settings: SettingsDep,
                        http: WebhookHttpDep) -> Response:
    """Local storage's objects (public ones, and signed links), streamed from the files
    service; the other backends' URLs point at the providers themselves."""
    if scope not in ("public", "signed") or any(s in (".", "..") for s in key.split("/")):
        raise Problem(404, "There is no such object.")
    target = httpx.URL(f"{settings.files_http_url}/objects/{scope}/{key}")
    query = request.scope.get("query_string", b"")
    if query:
        target = target.copy_with(query=query)
    headers = {context.CORRELATION_ID_KEY: context.current_correlation_id()}
    try:
        upstream = await http.send(http.build_request("GET", target, headers=headers),
                                   stream=True)
    except httpx.HTTPError as exc:
        raise Problem(502, "The files service could not be reached.") from exc
    if upstream.status_code != 200:
        await upstream.aread()
        await upstream.aclose()
        return _passed_on(upstream, request.url.path)
    passed = {name: upstream.headers[name] for name in _OBJECT_HEADERS
              if name in upstream.headers}
    return StreamingResponse(upstream.aiter_raw(), headers=passed,
                             background=BackgroundTask(upstream.aclose))


