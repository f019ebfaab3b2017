"""A fake ClamAV clamd for tests and local runs (never on the production path): the clamd
protocol on 127.0.0.1:<free port>, served by an asyncio server in a daemon thread.

It speaks what the contract (storage_ai_analytics_misc.md §4) describes and reproduces the real
clamd's traps: both framings (`z` NUL-terminated, `n` newline-terminated, the reply ending the
way the command did), one command per connection, INSTREAM's size check per chunk against what
is left of StreamMaxLength (over it: `INSTREAM size limit exceeded. ERROR` and the socket closed
while the client is still sending, so the client sees a reset), and EICAR detected as the real
signature detects it, by the MD5 of the whole stream: a byte more or less comes back OK.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import struct
import threading

from devstack.servers import free_port

MB = 1024 * 1024
EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"
EICAR_SIGNATURE = "Win.Test.EICAR_HDB-1"  # the name with the full main and daily databases
VERSION = "ClamAV 1.4.1/27000/Tue Jan  6 08:24:01 2026"  # database number and date invented
COMMANDS = ("PING", "VERSION", "VERSIONCOMMANDS", "INSTREAM")

# The EICAR test file in two halves, joined only at runtime: the 68 bytes never stand together
# in a file of the repository, so no scanner or editor flags it.
_EICAR_HEAD = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$"
_EICAR_TAIL = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
_LENGTH = struct.Struct(">I")


def eicar() -> bytes:
    """The 68-byte EICAR anti-virus test file, exactly (any scanner reports it, harmlessly)."""
    return (_EICAR_HEAD + _EICAR_TAIL).encode("ascii")


class FakeClamd:
    """clamd on 127.0.0.1. `scanned` lists the sizes of the streams it gave a verdict on;
    `add_signature(sha256, name)` makes content with that SHA-256 come back FOUND."""

    def __init__(self, stream_max_length: int = 25 * MB) -> None:
        self.stream_max_length = stream_max_length
        self._lock = threading.Lock()
        self._scanned: list[int] = []
        self._signatures: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    def add_signature(self, sha256_hex: str, name: str) -> None:
        with self._lock:
            self._signatures[sha256_hex.lower()] = name

    @property
    def scanned(self) -> list[int]:
        with self._lock:
            return list(self._scanned)

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("call start() first")
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> FakeClamd:
        """Listen on a free port; returns once connections are accepted."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", free_port()))  # below the ephemeral range (serving.py)
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve(sock, ready)),
                                        name="fake-clamd", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake clamd did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            try:
                self._loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop closed meanwhile: the server has stopped
                pass
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop = self._stopping = self._thread = None

    def __enter__(self) -> FakeClamd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, sock=sock)
        ready.set()
        async with server:
            await self._stopping.wait()
        # asyncio.run cancels the connections still open when this returns.

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        try:
            prefix = await reader.readexactly(1)
            # An unprefixed command is the deprecated form: newline-terminated, like `n`.
            end = b"\0" if prefix == b"z" else b"\n"
            line = (await reader.readuntil(end))[:-1]
            command = line if prefix in (b"z", b"n") else prefix + line
            reply = await self._answer(command.decode("ascii", "replace"), reader)
            writer.write(reply.encode() + end)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # the client went away; clamd just drops the connection
        finally:
            # Also after a refused INSTREAM, with the client's chunks still arriving unread:
            # closing then makes the kernel reset the connection, as clamd's close does.
            writer.close()

    async def _answer(self, command: str, reader: asyncio.StreamReader) -> str:
        if command == "PING":
            return "PONG"
        if command == "VERSION":
            return VERSION
        if command == "VERSIONCOMMANDS":
            return f"{VERSION}| COMMANDS: {' '.join(COMMANDS)}"
        if command == "INSTREAM":
            return await self._instream(reader)
        return "UNKNOWN COMMAND"

    async def _instream(self, reader: asyncio.StreamReader) -> str:
        quota = self.stream_max_length
        md5 = hashlib.md5(usedforsecurity=False)
        sha256 = hashlib.sha256()
        size = 0
        while length := _LENGTH.unpack(await reader.readexactly(_LENGTH.size))[0]:
            # clamd checks each chunk's announced length against the quota left, before reading
            # it (clamd/server-th.c), so the refusal comes mid-stream.
            if length > quota:
                return "INSTREAM size limit exceeded. ERROR"
            quota -= length
            chunk = await reader.readexactly(length)
            md5.update(chunk)
            sha256.update(chunk)
            size += length
        with self._lock:
            self._scanned.append(size)
            name = self._signatures.get(sha256.hexdigest())
        if name is None and md5.hexdigest() == EICAR_MD5:
            name = EICAR_SIGNATURE
        return f"stream: {name} FOUND" if name else "stream: OK"
