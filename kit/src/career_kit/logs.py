"""Structured JSON logs: one object per line, with the service and the current request context."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

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
        return json.dumps(payload, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger's records to stdout as JSON lines; call once at process start."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Access logs are replaced by our own request logs with correlation ids; HTTP client
    # libraries log every call at INFO (the callers log what matters, with context).
    for noisy in ("uvicorn.access", "uvicorn.error", "nats", "httpx", "stripe"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
