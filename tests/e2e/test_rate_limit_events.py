"""An exceeded rate limit is a security event: the gateway's 429 on /auth/login reaches auth,
which stores it and publishes security.rate_limit_exceeded, once for a burst of refusals."""

from __future__ import annotations

import asyncio
import json
import re
import time

import asyncpg
import httpx
import nats
import nats.errors

from career.auth.v1 import events_pb2
from career_kit.db import sync_url
from career_kit.events.streams import subject_for
from devstack.stack import Stack


def _reports(gateway_ops: httpx.Client, outcome: str) -> float:
    """The gateway's count of rate-limit reports with `outcome` (from its ops port's /metrics)."""
    text = gateway_ops.get("/metrics").text
    pattern = (r'^gateway_security_event_reports_total\{kind="rate_limit_exceeded",'
               rf'outcome="{outcome}"\}} (\S+)$')
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _wait_for(condition, within: float = 15.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {within} s")


def _stored(stack: Stack, ip: str) -> list[tuple[str, str | None, dict]]:
    async def read() -> list[tuple[str, str | None, dict]]:
        conn = await asyncpg.connect(sync_url(stack.database_url("auth")))
        try:
            rows = await conn.fetch(
                "SELECT kind, user_id::text, detail::text FROM security_events "
                "WHERE kind = 'rate_limit_exceeded' AND ip = $1::inet", ip)
        finally:
            await conn.close()
        return [(r["kind"], r["user_id"], json.loads(r["detail"])) for r in rows]

    return asyncio.run(read())


def _published(stack: Stack, ip: str,
               within: float = 15.0) -> list[events_pb2.SecurityEventRecorded]:
    """Every security.rate_limit_exceeded event about `ip` that NATS holds."""

    async def read() -> list[events_pb2.SecurityEventRecorded]:
        nc = await nats.connect(stack.nats_url)
        found: list[events_pb2.SecurityEventRecorded] = []
        try:
            subject = subject_for("security.rate_limit_exceeded", stack.events_namespace)
            subscription = await nc.jetstream().subscribe(subject, ordered_consumer=True)
            deadline = time.monotonic() + within
            while time.monotonic() < deadline:
                try:
                    message = await subscription.next_msg(timeout=0.5)
                except nats.errors.TimeoutError:
                    if found:  # the stream has nothing more for now
                        break
                    continue
                event = events_pb2.SecurityEventRecorded.FromString(message.data)
                if event.ip == ip:
                    found.append(event)
        finally:
            await nc.close()
        return found

    return asyncio.run(read())


def test_exceeding_the_login_limit_is_stored_and_published_once(stack, gateway_ops,
                                                                  new_browser) -> None:
    browser = new_browser()
    login = {"email": "nobody@example.com", "password": "not the password"}
    for _ in range(5):
        assert browser.call("POST", "/auth/login", json=login).status_code == 401
    duplicates = _reports(gateway_ops, "duplicate")
    refusals = [browser.call("POST", "/auth/login", json=login) for _ in range(3)]
    assert [r.status_code for r in refusals] == [429, 429, 429]

    [(kind, user_id, detail)] = _wait_for(lambda: _stored(stack, browser.ip))
    assert (kind, user_id) == ("rate_limit_exceeded", None)
    assert detail == {"rule": "login", "key_kind": "ip", "path": "/auth/login",
                      "method": "POST", "limit": 5, "window_seconds": 900}
    # The other two refusals were settled as duplicates of this window's report: nothing more
    # is on its way.
    _wait_for(lambda: _reports(gateway_ops, "duplicate") >= duplicates + 2)
    assert len(_stored(stack, browser.ip)) == 1

    [event] = _published(stack, browser.ip)
    assert event.kind == "rate_limit_exceeded" and event.user_id == ""
    assert json.loads(event.detail_json) == detail
