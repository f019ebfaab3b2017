"""The clamd client against devstack's fake clamd (which reproduces the real one's traps), and
against small servers that misbehave the ways clamd can: a file is clean only when clamd said
so after all of its bytes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from devstack.fakes.clamd import EICAR_SIGNATURE, FakeClamd, eicar
from files.scanning import ClamdScanner, NoScanner, ScanFailed, ScanResult, build_scanner

LIMIT = 256 * 1024  # the fake's StreamMaxLength: small, so an oversized file stays small


@pytest.fixture
def fake_clamd() -> Iterator[FakeClamd]:
    with FakeClamd(stream_max_length=LIMIT) as fake:
        yield fake


@pytest.fixture
def scanner(fake_clamd: FakeClamd) -> ClamdScanner:
    return ClamdScanner(fake_clamd.url, timeout=5)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


async def test_a_clean_file_is_clean(scanner, fake_clamd, tmp_path: Path) -> None:
    result = await scanner.scan(write(tmp_path / "cv.pdf", os.urandom(200_000)))

    assert result == ScanResult(clean=True, signature=None, scanner="clamd")
    assert fake_clamd.scanned == [200_000]


async def test_eicar_is_found_with_the_signature_clamd_names(scanner, tmp_path: Path) -> None:
    result = await scanner.scan(write(tmp_path / "eicar.com", eicar()))

    assert result == ScanResult(clean=False, signature=EICAR_SIGNATURE, scanner="clamd")


async def test_eicar_with_a_trailing_newline_passes_as_with_the_real_clamd(
        scanner, tmp_path: Path) -> None:
    # Trap 3: the signature is a hash of the whole file; tests must use the exact 68 bytes.
    assert len(eicar()) == 68
    assert hashlib.md5(eicar()).hexdigest() == "44d88612fea8a8f36de82e1278abb02f"
    result = await scanner.scan(write(tmp_path / "eicar.txt", eicar() + b"\n"))
    assert result.clean


async def test_any_signature_name_is_read_from_the_reply(scanner, fake_clamd,
                                                         tmp_path: Path) -> None:
    data = b"%PDF-1.7 pretend this is a dropper"
    fake_clamd.add_signature(hashlib.sha256(data).hexdigest(), "Pdf.Dropper.Agent-1234567-0")

    result = await scanner.scan(write(tmp_path / "cv.pdf", data))

    assert (result.clean, result.signature) == (False, "Pdf.Dropper.Agent-1234567-0")


async def test_a_file_over_clamds_stream_limit_is_not_scanned_not_clean(
        scanner, fake_clamd, tmp_path: Path) -> None:
    # clamd answers "INSTREAM size limit exceeded. ERROR" mid-stream and closes: the client
    # sees the reply, or a reset or broken pipe while still sending.
    with pytest.raises(ScanFailed, match="not scanned"):
        await scanner.scan(write(tmp_path / "video.mp4", os.urandom(4 * LIMIT)))
    assert fake_clamd.scanned == []


async def test_a_file_exactly_at_the_stream_limit_is_scanned(scanner, fake_clamd,
                                                             tmp_path: Path) -> None:
    result = await scanner.scan(write(tmp_path / "video.mp4", os.urandom(LIMIT)))
    assert result.clean and fake_clamd.scanned == [LIMIT]


async def test_an_empty_file_is_scanned(scanner, fake_clamd, tmp_path: Path) -> None:
    assert (await scanner.scan(write(tmp_path / "empty", b""))).clean
    assert fake_clamd.scanned == [0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_unreachable_clamd_fails_the_scan_and_the_ping(tmp_path: Path) -> None:
    unreachable = ClamdScanner(f"tcp://127.0.0.1:{closed_port()}", timeout=5)
    with pytest.raises(ScanFailed, match="could not scan"):
        await unreachable.scan(write(tmp_path / "cv.pdf", b"%PDF-1.7"))
    with pytest.raises(ScanFailed):
        await unreachable.ping()


async def test_ping_is_answered_pong(scanner) -> None:
    await scanner.ping()


@contextlib.asynccontextmanager
async def serve(reply: bytes | None) -> AsyncIterator[str]:
    """A TCP server that reads what it is sent and answers `reply` once the stream ends (or
    never, for None): the clamd replies and silences the fake does not produce."""
    released = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\0")
        while length := int.from_bytes(await reader.readexactly(4), "big"):
            await reader.readexactly(length)
        if reply is None:
            await released.wait()
        else:
            writer.write(reply)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        try:
            yield f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        finally:
            released.set()


@pytest.mark.parametrize("reply", [b"stream: Can't allocate memory ERROR\0",
                                   b"stream: OK",  # closed before its terminator
                                   b""])
async def test_anything_but_ok_or_found_fails_the_scan(reply: bytes, tmp_path: Path) -> None:
    async with serve(reply) as url:
        with pytest.raises(ScanFailed):
            await ClamdScanner(url).scan(write(tmp_path / "cv.pdf", b"%PDF-1.7"))


async def test_a_clamd_that_never_answers_times_out(tmp_path: Path) -> None:
    async with serve(None) as url:
        with pytest.raises(ScanFailed, match=r"within 0\.2 s"):
            await ClamdScanner(url, timeout=0.2).scan(write(tmp_path / "cv.pdf", b"%PDF-1.7"))


async def test_clamd_on_a_unix_socket(tmp_path: Path) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if await reader.readuntil(b"\0") == b"zPING\0":
            writer.write(b"PONG\0")
        writer.close()

    path = tmp_path / "clamd.ctl"
    async with await asyncio.start_unix_server(handle, path):
        await ClamdScanner(f"unix://{path}").ping()


async def exchange(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("tcp://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


async def test_the_fake_answers_newline_framing_with_newlines(fake_clamd) -> None:
    assert await exchange(fake_clamd.url, b"nPING\n") == b"PONG\n"
    assert (await exchange(fake_clamd.url, b"zVERSION\0")).startswith(b"ClamAV 1.4.1/")
    stream = len(eicar()).to_bytes(4, "big") + eicar() + bytes(4)
    assert (await exchange(fake_clamd.url, b"nINSTREAM\n" + stream)
            == f"stream: {EICAR_SIGNATURE} FOUND\n".encode())
    assert await exchange(fake_clamd.url, b"nSCAN /etc/passwd\n") == b"UNKNOWN COMMAND\n"


async def test_no_scanner_passes_everything_marked_as_not_scanned(tmp_path: Path) -> None:
    scanner = NoScanner()
    result = await scanner.scan(write(tmp_path / "eicar.com", eicar()))
    assert result == ScanResult(clean=True, signature=None, scanner="none")
    await scanner.ping()


def test_production_refuses_to_build_without_a_scanner_unless_switched_off() -> None:
    with pytest.raises(RuntimeError) as refused:
        build_scanner(None, scanning_off=False, production=True)
    assert "CLAMAV_URL" in str(refused.value)
    assert "FILES_MALWARE_SCAN=off" in str(refused.value)
    assert isinstance(build_scanner(None, scanning_off=True, production=True), NoScanner)
    built = build_scanner("tcp://clamav:3310", scanning_off=False, production=True)
    assert isinstance(built, ClamdScanner) and built.url == "tcp://clamav:3310"


def test_outside_production_a_missing_scanner_is_a_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="files.scanning"):
        assert isinstance(build_scanner(None, scanning_off=False, production=False), NoScanner)
    assert "CLAMAV_URL" in caplog.text


def test_a_clamd_url_must_be_tcp_or_unix() -> None:
    for url in ("http://clamav:3310", "tcp://clamav", "unix://"):
        with pytest.raises(ValueError):
            ClamdScanner(url)
