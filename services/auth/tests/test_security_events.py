"""RecordSecurityEvent: the gateway's rate-limit refusals are stored and published like the
security events auth records itself; nothing else can be reported."""

from __future__ import annotations

import json

import grpc

from career.auth.v1 import auth_pb2, events_pb2
from career.common.v1 import pagination_pb2 as page_pb2


def _rate_limit_exceeded(**overrides) -> auth_pb2.RateLimitExceeded:
    values = {"rule": "login", "key_kind": "ip", "path": "/auth/login", "method": "POST",
              "limit": 5, "window_seconds": 900, **overrides}
    return auth_pb2.RateLimitExceeded(**values)


async def test_a_reported_rate_limit_is_stored_and_published(auth) -> None:
    user = await auth.register("ada@example.com")
    await auth.call("RecordSecurityEvent", auth_pb2.RecordSecurityEventRequest(
        kind="rate_limit_exceeded", user_id=user.id, ip="203.0.113.9",
        rate_limit_exceeded=_rate_limit_exceeded(rule="api", key_kind="user",
                                                 path="/api/cvs", method="GET", limit=100,
                                                 window_seconds=3600)))
    [(kind, user_id, ip, detail)] = await auth.rows(
        "SELECT kind, user_id::text, host(ip), detail FROM security_events "
        "WHERE kind = 'rate_limit_exceeded'")
    expected = {"rule": "api", "key_kind": "user", "path": "/api/cvs", "method": "GET",
                "limit": 100, "window_seconds": 3600}
    assert (kind, user_id, ip, detail) == ("rate_limit_exceeded", user.id, "203.0.113.9",
                                           expected)
    # In the outbox of the same transaction, so the relay publishes it on
    # security.rate_limit_exceeded.
    [event] = await auth.published("security.rate_limit_exceeded",
                                   events_pb2.SecurityEventRecorded)
    assert (event.kind, event.user_id, event.ip) == ("rate_limit_exceeded", user.id,
                                                     "203.0.113.9")
    assert json.loads(event.detail_json) == expected


async def test_an_anonymous_or_vanished_client_is_recorded_about_nobody(auth) -> None:
    await auth.call("RecordSecurityEvent", auth_pb2.RecordSecurityEventRequest(
        kind="rate_limit_exceeded", ip="2001:db8::7",
        rate_limit_exceeded=_rate_limit_exceeded()))
    # A token outlives its deleted user by minutes: the event stays, about nobody.
    await auth.call("RecordSecurityEvent", auth_pb2.RecordSecurityEventRequest(
        kind="rate_limit_exceeded", user_id="5f0c1a4e-7d0b-4c43-9a55-0d6a6b1f2a10",
        ip="198.51.100.2", rate_limit_exceeded=_rate_limit_exceeded()))
    rows = await auth.rows("SELECT user_id, host(ip) FROM security_events ORDER BY created_at")
    assert rows == [(None, "2001:db8::7"), (None, "198.51.100.2")]
    assert len(await auth.published("security.rate_limit_exceeded",
                                    events_pb2.SecurityEventRecorded)) == 2


async def test_kinds_auth_records_itself_cannot_be_reported(auth) -> None:
    for kind in ("lockout", "token_reuse", "login_succeeded", "", "rate_limit_exceeded "):
        refused = await auth.error("RecordSecurityEvent", auth_pb2.RecordSecurityEventRequest(
            kind=kind, ip="203.0.113.9", rate_limit_exceeded=_rate_limit_exceeded()))
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT, kind
    assert await auth.rows("SELECT 1 FROM security_events") == []
    assert await auth.rows("SELECT 1 FROM event_outbox") == []


async def test_a_report_without_its_detail_or_with_a_bad_one_is_refused(auth) -> None:
    bad = [
        auth_pb2.RecordSecurityEventRequest(kind="rate_limit_exceeded", ip="203.0.113.9"),
        *(auth_pb2.RecordSecurityEventRequest(
            kind="rate_limit_exceeded", ip="203.0.113.9",
            rate_limit_exceeded=_rate_limit_exceeded(**change))
          for change in ({"key_kind": "session"}, {"rule": ""}, {"method": "post"},
                         {"path": "auth/login"}, {"limit": 0}, {"window_seconds": -1})),
        auth_pb2.RecordSecurityEventRequest(kind="rate_limit_exceeded", ip="not an address",
                                            rate_limit_exceeded=_rate_limit_exceeded()),
        auth_pb2.RecordSecurityEventRequest(kind="rate_limit_exceeded", user_id="nobody",
                                            rate_limit_exceeded=_rate_limit_exceeded()),
    ]
    for request in bad:
        refused = await auth.error("RecordSecurityEvent", request)
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT, request
    assert await auth.rows("SELECT 1 FROM security_events") == []


async def test_a_long_path_is_cut_to_a_bounded_length(auth) -> None:
    await auth.call("RecordSecurityEvent", auth_pb2.RecordSecurityEventRequest(
        kind="rate_limit_exceeded", ip="203.0.113.9",
        rate_limit_exceeded=_rate_limit_exceeded(path="/api/" + "a" * 5000)))
    [(length,)] = await auth.rows("SELECT length(detail->>'path') FROM security_events")
    assert length == 512


async def _activity(auth, user_id: str, **page) -> auth_pb2.ListSecurityEventsResponse:
    return await auth.call("ListSecurityEvents", auth_pb2.ListSecurityEventsRequest(
        page=page_pb2.PageRequest(**page)), as_user=user_id)


async def test_a_user_sees_their_own_security_activity_newest_first(auth) -> None:
    ada = await auth.register("ada@example.com")
    bob = await auth.register("bob@example.com", "Bob")
    await auth.login("ada@example.com", ip="203.0.113.7")
    wrong = await auth.error("Login", auth_pb2.LoginRequest(
        email="ada@example.com", password="not her password", ip="198.51.100.4"))
    assert wrong.code() == grpc.StatusCode.UNAUTHENTICATED
    await auth.login("bob@example.com")
    await auth.login("ada@example.com", ip="203.0.113.7")

    reply = await _activity(auth, ada.id)
    assert [(e.kind, e.ip) for e in reply.events] == [
        ("login_succeeded", "203.0.113.7"), ("login_failed", "198.51.100.4"),
        ("login_succeeded", "203.0.113.7")]
    assert reply.page.next_page_token == ""
    times = [e.created_at.ToDatetime() for e in reply.events]
    assert times == sorted(times, reverse=True)
    [bobs] = (await _activity(auth, bob.id)).events
    assert bobs.kind == "login_succeeded" and bobs.id not in {e.id for e in reply.events}


async def test_security_activity_comes_a_page_at_a_time_without_repeats(auth) -> None:
    ada = await auth.register("ada@example.com")
    for _ in range(5):
        await auth.login("ada@example.com")
    first = await _activity(auth, ada.id, page_size=2)
    second = await _activity(auth, ada.id, page_size=2, page_token=first.page.next_page_token)
    third = await _activity(auth, ada.id, page_size=2, page_token=second.page.next_page_token)
    assert [len(p.events) for p in (first, second, third)] == [2, 2, 1]
    assert third.page.next_page_token == ""
    ids = [e.id for p in (first, second, third) for e in p.events]
    assert len(set(ids)) == 5
    assert [e.id for e in (await _activity(auth, ada.id)).events] == ids


async def test_security_activity_needs_a_signed_in_user_and_a_valid_page(auth) -> None:
    ada = await auth.register("ada@example.com")
    anonymous = await auth.error("ListSecurityEvents", auth_pb2.ListSecurityEventsRequest())
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    for page in ({"page_token": "not a token"}, {"page_size": -1}):
        error = await auth.error("ListSecurityEvents", auth_pb2.ListSecurityEventsRequest(
            page=page_pb2.PageRequest(**page)), as_user=ada.id)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
