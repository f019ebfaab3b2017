"""Malware scanning of uploads with ClamAV's clamd (INSTREAM over TCP or a Unix socket).

A file counts as clean only when clamd said `stream: OK` after receiving all of its bytes.
Everything else raises ScanFailed, never a clean result: clamd unreachable, an ERROR reply, a
stream over clamd's StreamMaxLength (clamd replies with an error and closes, and the client
often sees only EPIPE or ECONNRESET: ClamAV issue #1210), a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# Signature names depend on clamd's databases (Win.Test.EICAR_HDB-1, Eicar-Test-Signature, ...).
_FOUND = re.compile(r"^stream: (?P<signature>.+) FOUND$")
_LENGTH = struct.Struct(">I")
_END_OF_STREAM = _LENGTH.pack(0)


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str | None  # the malware's name when not clean
    scanner: str  # "clamd", or "none" when scanning is switched off


class ScanFailed(Exception):
    """The file was not scanned (clamd unreachable or timed out, an ERROR reply, the stream
    refused as too large, the connection reset): never to be treated as clean."""


class ClamdScanner:
    """clamd's INSTREAM, one connection per scan (clamd serves connections concurrently)."""

    def __init__(self, url: str, *, timeout: float = 30.0, chunk_size: int = 64 * 1024) -> None:
        parts = urlsplit(url)
        if parts.scheme == "tcp" and parts.hostname and parts.port:
            self._address: tuple[str, int] | str = (parts.hostname, parts.port)
        elif parts.scheme == "unix" and parts.path:
            self._address = parts.path
        else:
            raise ValueError(f"clamd URL must be tcp://host:port or unix:///path, not {url!r}")
        self.url = url
        self.timeout = timeout
        self.chunk_size = chunk_size

    async def scan(self, path: Path) -> ScanResult:
        """Stream the file to clamd in chunks (never whole in memory) and return its verdict."""
        # Opened first: a missing file is the caller's error, not clamd's.
        file = await asyncio.to_thread(path.open, "rb")
        with file:
            said, complete = await self._instream(file)
        if not complete:
            # Any reply before the end of the stream is an error, not a verdict on the file.
            raise ScanFailed(f"clamd at {self.url} answered before the end of the file "
                             f"({said!r}): not scanned")
        if said == "stream: OK":
            return ScanResult(clean=True, signature=None, scanner="clamd")
        if found := _FOUND.match(said):
            return ScanResult(clean=False, signature=found["signature"], scanner="clamd")
        raise ScanFailed(f"clamd at {self.url} did not scan the file: {said!r}")

    async def _instream(self, file: BinaryIO) -> tuple[str, bool]:
        """clamd's reply, and whether it came after the whole file was sent."""
        async with self._connection("scan") as (reader, writer):
            reply = asyncio.create_task(_read_reply(reader))
            try:
                try:
                    complete = await self._send_stream(file, writer, reply)
                except OSError as exc:
                    # Refused mid-stream: what clamd said may have arrived before the reset.
                    said = await _settle(reply)
                    raise ScanFailed(f"clamd at {self.url} closed the connection while the file "
                                     f"was sent ({said or exc!r}): not scanned") from exc
                return await reply, complete
            finally:
                reply.cancel()

    async def ping(self) -> None:
        """zPING: for readiness; ScanFailed unless clamd answers PONG."""
        async with self._connection("ping") as (reader, writer):
            writer.write(b"zPING\0")
            await writer.drain()
            said = await _read_reply(reader)
        if said != "PONG":
            raise ScanFailed(f"clamd at {self.url} answered PING with {said!r}")

    async def _send_stream(self, file: BinaryIO, writer: asyncio.StreamWriter,
                           reply: asyncio.Task[str]) -> bool:
        """Send zINSTREAM, the file's chunks and the terminator; False when clamd answered (so
        refused the stream) before all of it was sent."""
        writer.write(b"zINSTREAM\0")
        while chunk := await asyncio.to_thread(file.read, self.chunk_size):
            if reply.done():
                return False
            writer.write(_LENGTH.pack(len(chunk)))
            writer.write(chunk)
            await writer.drain()
        if reply.done():
            return False
        writer.write(_END_OF_STREAM)
        await writer.drain()
        return True

    @contextlib.asynccontextmanager
    async def _connection(self, what: str
                          ) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        """A fresh connection, the whole exchange under the timeout, and every way it can fail
        (refused, reset, broken pipe, timed out) turned into ScanFailed."""
        try:
            async with asyncio.timeout(self.timeout):
                if isinstance(self._address, str):
                    reader, writer = await asyncio.open_unix_connection(self._address)
                else:
                    reader, writer = await asyncio.open_connection(*self._address)
                try:
                    yield reader, writer
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
        except TimeoutError:
            raise ScanFailed(f"clamd at {self.url} did not complete the {what} within "
                             f"{self.timeout:g} s") from None
        except OSError as exc:
            raise ScanFailed(f"clamd at {self.url} could not {what}: {exc!r}") from exc


class NoScanner:
    """Scanning explicitly switched off (FILES_MALWARE_SCAN=off): every file passes, marked as
    not scanned (scanner "none")."""

    async def scan(self, path: Path) -> ScanResult:
        return ScanResult(clean=True, signature=None, scanner="none")

    async def ping(self) -> None:
        return None


def build_scanner(clamav_url: str | None, *, scanning_off: bool,
                  production: bool) -> ClamdScanner | NoScanner:
    """The scanner the settings ask for. Switched off explicitly wins; without a URL production
    refuses to start, since uploads would otherwise be stored unscanned without anyone deciding
    so, and other environments run without scanning."""
    if scanning_off:
        log.warning("malware scanning is switched off (FILES_MALWARE_SCAN=off): uploads are "
                    "stored unscanned")
        return NoScanner()
    if clamav_url:
        return ClamdScanner(clamav_url)
    if production:
        raise RuntimeError("no malware scanner configured: set CLAMAV_URL (clamd, e.g. "
                           "tcp://clamav:3310) or FILES_MALWARE_SCAN=off to store uploads "
                           "unscanned")
    log.warning("CLAMAV_URL is not set: uploads are not scanned for malware (allowed outside "
                "production only)")
    return NoScanner()


async def _read_reply(reader: asyncio.StreamReader) -> str:
    """One NUL-terminated reply; a reply cut short by the close counts as none."""
    try:
        data = await reader.readuntil(b"\0")
    except asyncio.IncompleteReadError as exc:
        raise ScanFailed(f"clamd closed the connection without a complete reply "
                         f"({exc.partial[:200]!r})") from None
    return data[:-1].decode("utf-8", "replace").strip()


async def _settle(reply: asyncio.Task[str]) -> str | None:
    """The reply if it arrived (or arrives within a moment) despite the failed send."""
    with contextlib.suppress(OSError, TimeoutError, ScanFailed):
        return await asyncio.wait_for(asyncio.shield(reply), 1.0)
    return None
