"""Serving a fake: a Starlette app on 127.0.0.1 in a daemon thread, so that tests in this process
and services in other processes can reach it over real sockets."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette

from career_kit.ops_http import EmbeddedServer
from devstack.servers import free_port


class ThreadedApp:
    """A Starlette app served by uvicorn on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: Starlette, name: str) -> None:
        self.app = app
        self.name = name
        self._server: EmbeddedServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    def start(self, port: int = 0) -> None:
        """Serve on `port` (0: a free one below the ephemeral range); returns once the server
        accepts connections."""
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when
        # the listening socket says it is TCP; without it every answer on a kept-alive
        # connection waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Not bind(0): the kernel would pick from its ephemeral range, where `make run`'s
        # default ports lie, and hold one for as long as the fake runs (a session).
        sock.bind(("127.0.0.1", port or free_port()))
        self.port = sock.getsockname()[1]
        # The kit's embedded uvicorn: it stops as soon as asked (a fake starts and stops in
        # most tests; uvicorn's own ticks would add a fifth of a second to each).
        server = EmbeddedServer(uvicorn.Config(self.app, log_level="warning", lifespan="off",
                                               access_log=False))
        self._server = server

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            await server.serve(sockets=[sock])

        self._thread = threading.Thread(target=lambda: asyncio.run(serve()), name=self.name,
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._server.request_exit)
            except RuntimeError:  # the loop closed meanwhile: the server has stopped
                pass
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = self._loop = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("call start() first")
        return f"http://127.0.0.1:{self.port}"


class ServedFake:
    """The lifecycle of a fake served by a ThreadedApp (`self._http`): start (returns self, on
    a free port unless told one), stop, use as a context manager, and its base URL."""

    _http: ThreadedApp

    def start(self, port: int = 0):  # -> Self
        if self._http.port is None:
            self._http.start(port)
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self):  # -> Self
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._http.url
