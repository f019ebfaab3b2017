"""Moving bytes between disk and HTTP without holding a file whole or blocking the event loop:
the upload bodies and download streams the HTTP backends (Supabase, Cloudinary) share."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import httpx

from files.storage.base import CHUNK_SIZE, StorageError


async def file_chunks(path: Path, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    """The file's bytes, each read in a worker thread (a slow disk must not stall the loop)."""
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, chunk_size):
            yield chunk
    finally:
        handle.close()


def raw_upload(path: Path, content_type: str) -> tuple[dict[str, str], AsyncIterator[bytes]]:
    """Headers and body for sending the file as the request body. Content-Length is set so
    that the body is not sent chunked: some gateways refuse chunked uploads."""
    headers = {"Content-Type": content_type, "Content-Length": str(path.stat().st_size)}
    return headers, file_chunks(path)


def multipart_upload(fields: Mapping[str, str], *, file_field: str, filename: str,
                     content_type: str, path: Path) -> tuple[dict[str, str], AsyncIterator[bytes]]:
    """Headers and body of a multipart/form-data request: the fields, then the file streamed
    from disk (httpx's own multipart encoder would read it with blocking calls)."""
    boundary = secrets.token_hex(16)
    safe_name = filename.replace('"', "%22").replace("\r", "").replace("\n", "")
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        .encode() for name, value in fields.items())
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
             f'filename="{safe_name}"\r\nContent-Type: {content_type}\r\n\r\n').encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)

    async def body() -> AsyncIterator[bytes]:
        yield head
        async for chunk in file_chunks(path):
            yield chunk
        yield tail

    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Content-Length": str(length)}
    return headers, body()


async def stream_get(http: httpx.AsyncClient, url: str, *, headers: Mapping[str, str],
                     error: Callable[[httpx.Response], Exception],
                     what: str) -> AsyncIterator[bytes]:
    """GET `url` and yield its body in chunks; a non-200 answer raises `error(response)` (with
    the body read) before any chunk, a network failure StorageError."""
    try:
        response = await http.send(http.build_request("GET", url, headers=headers), stream=True)
    except httpx.HTTPError as exc:
        raise StorageError(f"{what}: {exc!r}") from exc
    try:
        if response.status_code != 200:
            await response.aread()
            raise error(response)
        async for chunk in response.aiter_bytes(CHUNK_SIZE):
            yield chunk
    except httpx.HTTPError as exc:
        raise StorageError(f"{what}: {exc!r}") from exc
    finally:
        await response.aclose()
