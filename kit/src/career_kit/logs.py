"""Structured JSON logs: one object per line, with the service and the current request context.

Every request logs a line (the gateway's access log, each service's "grpc call"), so a line must
cost the request little. It is formatted where it is logged (the request context lives in that
task) with orjson, and written by a thread of its own (`BackgroundLineHandler`), which writes
whatever has queued meanwhile in one write: a write per line, on the event loop's thread, cost
a gRPC server a sixth of a simple call's CPU (the syscall hands the GIL to gRPC's poller thread
and back every time). The standard library's per-record work that no line shows is switched
off in `configure_logging` (the caller's file and line, found by walking the stack, and the
thread and process names). Lines still queued when the process exits normally are written; a
SIGKILL may lose the last few milliseconds' worth.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
import threading
from datetime import UTC, datetime
from typing import TextIO

import orjson

from career_kit import context

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """Formats records as JSON; `extra={...}` fields become top-level keys."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if (cid := context.correlation_id.get()) is not None:
            payload["correlation_id"] = cid
        if (who := context.caller.get()) is not None:
            payload["user_id"] = who.user_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(payload, default=str).decode()


class BackgroundLineHandler(logging.Handler):
    """Formats each record in the caller and writes the lines from a thread (module docstring)."""

    _STOP = object()

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._lines: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, name="log-writer", daemon=True)
        self._writer.start()
        atexit.register(self.close)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.put(self.format(record))
        except Exception:
            self.handleError(record)

    def _write(self) -> None:
        while True:
            batch = [self._lines.get()]
            while len(batch) < 1000:
                try:
                    batch.append(self._lines.get_nowait())
                except queue.Empty:
                    break
            stop = any(line is self._STOP for line in batch)
            text = "".join(f"{line}\n" for line in batch if line is not self._STOP)
            try:
                self._stream.write(text)
                self._stream.flush()
            except (OSError, ValueError):  # stdout closed or gone: nowhere left to write
                pass
            if stop:
                return

    def close(self) -> None:
        """Write what is queued and stop the writer (idempotent; logging.shutdown calls it)."""
        if self._writer.is_alive():
            self._lines.put(self._STOP)
            self._writer.join(timeout=5)
        super().close()


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger's records to stdout as JSON lines; call once at process start."""
    handler = BackgroundLineHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging._srcfile = None  # the logging HOWTO's "Optimization": no stack walk per record
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # Access logs are replaced by our own request logs with correlation ids; HTTP client
    # libraries log every call at INFO (the callers log what matters, with context).
    for noisy in ("uvicorn.access", "uvicorn.error", "nats", "httpx", "stripe"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
