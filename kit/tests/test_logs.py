"""JSON log lines carry the service, the correlation id, the caller and extra fields."""

from __future__ import annotations

import io
import json
import logging

from career_kit import context, logs
from career_kit.logs import BackgroundLineHandler, JsonFormatter


def _format(record_msg: str, **extra) -> dict:
    record = logging.LogRecord("test", logging.WARNING, __file__, 1, record_msg, (), None)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter("cv").format(record))


def test_a_line_has_the_request_context() -> None:
    cid = context.correlation_id.set("corr-1")
    who = context.caller.set(context.Caller("user-7"))
    try:
        line = _format("hello", order_id="o-1")
    finally:
        context.correlation_id.reset(cid)
        context.caller.reset(who)
    assert line["service"] == "cv"
    assert line["level"] == "warning"
    assert line["msg"] == "hello"
    assert line["correlation_id"] == "corr-1"
    assert line["user_id"] == "user-7"
    assert line["order_id"] == "o-1"


def test_without_context_there_is_no_correlation_id() -> None:
    cid = context.correlation_id.set(None)
    who = context.caller.set(None)
    try:
        line = _format("plain")
    finally:
        context.correlation_id.reset(cid)
        context.caller.reset(who)
    assert "correlation_id" not in line and "user_id" not in line


def test_the_background_writer_writes_every_line_in_order_by_close() -> None:
    stream = io.StringIO()
    handler = BackgroundLineHandler(stream)
    handler.setFormatter(JsonFormatter("cv"))
    logger = logging.getLogger("test.background")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for n in range(500):
            logger.warning("line %d", n, extra={"n": n})
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        handler.close()  # writes what is still queued
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["n"] for line in lines] == list(range(500))
    assert lines[7]["msg"] == "line 7" and lines[7]["service"] == "cv"


def test_request_lines_are_the_lines_logging_would_write(monkeypatch) -> None:
    stream = io.StringIO()
    writer = BackgroundLineHandler(stream)
    writer.setFormatter(JsonFormatter("gateway"))
    monkeypatch.setattr(logs, "_stdout_writer", writer)
    logger = logging.getLogger("test.requests")
    logger.setLevel(logging.INFO)
    cid = context.correlation_id.set("corr-9")
    try:
        logs.RequestLines("test.requests", "request").write({"route": "/x", "status": 200})
        logger.propagate = False  # as with a handler of its own: through logging instead
        listener = JsonLinesTo(stream, "gateway")
        logger.addHandler(listener)
        logs.RequestLines("test.requests", "request").write({"route": "/x", "status": 200})
        logger.removeHandler(listener)
    finally:
        logger.propagate = True
        context.correlation_id.reset(cid)
        writer.close()
    fast, through_logging = (json.loads(line) for line in stream.getvalue().splitlines())
    fast.pop("ts"), through_logging.pop("ts")
    assert fast == through_logging == {
        "level": "info", "service": "gateway", "logger": "test.requests", "msg": "request",
        "correlation_id": "corr-9", "route": "/x", "status": 200}


class JsonLinesTo(logging.Handler):
    def __init__(self, stream: io.StringIO, service: str) -> None:
        super().__init__()
        self.stream = stream
        self.setFormatter(JsonFormatter(service))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(self.format(record) + "\n")
