"""JSON log lines carry the service, the correlation id, the caller and extra fields."""

from __future__ import annotations

import json
import logging

from career_kit import context
from career_kit.logs import JsonFormatter


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
