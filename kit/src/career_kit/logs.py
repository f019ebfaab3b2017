"""Structured JSON logs: one object per line, with the service and the current request context.

Every request logs a line (the gateway's access log, each service's "grpc call"), so a line must
cost the request little. It is formatted where it is logged (the request context lives in that
task) with orjson, and written by a thread of its own (`BackgroundLineHandler`), which wakes
for the first line, lets `BATCH_SECONDS` of lines gather, and writes them in one go. A write per
line on the event loop's thread cost a gRPC server a sixth of a simple call's CPU (the syscall
hands the GIL to gRPC's poller thread and back every time), and a writer thread woken for every
line cost the gateway 0.15 ms a request in GIL hand-offs. The standard library's per-record
work that no line shows is switched off in `configure_logging` (the caller's file and line,
found by walking the stack, and the thread and process names). Lines still queued when the
process exits normally are written; a SIGKILL may lose the last few milliseconds' worth.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
import threading
import time
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
        payload = self.line(record.created, record.levelname.lower(), record.name,
                            record.getMessage())
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(payload, default=str).decode()

    def line(self, created: float, level: str, logger: str, message: str) -> dict[str, object]:
        """The fields every line has: time, level, service, logger, message, request context."""
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
            "level": level, "service": self.service, "logger": logger, "msg": message,
        }
        if (cid := context.correlation_id.get()) is not None:
            payload["correlation_id"] = cid
        if (who := context.caller.get()) is not None:
            payload["user_id"] = who.user_id
        return payload


class RequestLines:
    """The one INFO line per request (the gateway's access log, a service's "grpc call"), as
    `logging.getLogger(name).info(message, extra=fields)` would write it, but handed straight
    to the stdout writer when `configure_logging` installed it and nothing else listens to
    this logger: a LogRecord, the handler's lock and the formatter's walk over the record cost
    a third of the line (30 us a request)."""

    def __init__(self, name: str, message: str) -> None:
        self._logger = logging.getLogger(name)
        self._name = name
        self._message = message

    def write(self, fields: dict[str, object]) -> None:
        logger = self._logger
        if not logger.isEnabledFor(logging.INFO):
            return
        writer = _stdout_writer
        if writer is None or logger.handlers or not logger.propagate:
            logger.info(self._message, extra=fields)
            return
        formatter = writer.formatter
        assert isinstance(formatter, JsonFormatter)
        payload = formatter.line(time.time(), "info", self._name, self._message)
        payload.update(fields)
        writer.put(orjson.dumps(payload, default=str).decode())


class BackgroundLineHandler(logging.Handler):
    """Formats each record in the caller and writes the lines from a thread (module docstring)."""

    _STOP = object()
    BATCH_SECONDS = 0.02  # how late a line may reach stdout, at most

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

    def put(self, line: str) -> None:
        """Queue a line formatted already (RequestLines)."""
        self._lines.put(line)

    def _write(self) -> None:
        while True:
            batch = [self._lines.get()]
            if batch[0] is not self._STOP:
                time.sleep(self.BATCH_SECONDS)
            while True:
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


# The stdout handler `configure_logging` installed on the root logger, for RequestLines.
_stdout_writer: BackgroundLineHandler | None = None


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger's records to stdout as JSON lines; call once at process start."""
    global _stdout_writer
    handler = BackgroundLineHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    _stdout_writer = handler
    root.setLevel(level.upper())
    logging._srcfile = None  # the logging HOWTO's "Optimization": no stack walk per record
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # Access logs are replaced by our own request logs with correlation ids; HTTP client
    # libraries log every call at INFO (the callers log what matters, with context).
    for noisy in ("uvicorn.access", "uvicorn.error", "nats", "httpx", "stripe"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
