"""Sessions and the caller's own account: every user sees and ends only their own."""

from __future__ import annotations

import uuid

import grpc

from career.auth.v1 import auth_pb2


async def test_sessions_are_per_user(auth) -> None:
    ada = await auth.register("ada@example.com")
    grace = await auth.register("grace@example.com")
    ada_laptop = (await auth.login(user_agent="laptop")).tokens
    ada_phone = (await auth.login(user_agent="phone", ip="2001:db8::1")).tokens
    grace_tokens = (await auth.login("grace@example.com")).tokens

    listed = await auth.call("ListSessions", auth_pb2.ListSessionsRequest(), as_user=ada.id)
    assert {s.id for s in listed.sessions} == {ada_laptop.session_id, ada_phone.session_id}
    phone = next(s for s in listed.sessions if s.id == ada_phone.session_id)
    assert (phone.user_agent, phone.ip) == ("phone", "2001:db8::1")
    assert phone.HasField("created_at") and phone.HasField("expires_at")

    # Ada cannot end Grace's session, nor learn that it exists.
    foreign = await auth.error("RevokeSession", auth_pb2.RevokeSessionRequest(
        session_id=grace_tokens.session_id), as_user=ada.id)
    assert foreign.code() == grpc.StatusCode.NOT_FOUND
    missing = await auth.error("RevokeSession", auth_pb2.RevokeSessionRequest(
        session_id=str(uuid.uuid4())), as_user=ada.id)
    assert missing.details() == foreign.details()
    foreign_logout = await auth.error("Logout", auth_pb2.LogoutRequest(
        session_id=grace_tokens.session_id), as_user=ada.id)
    assert foreign_logout.code() == grpc.StatusCode.NOT_FOUND
    grace_listed = await auth.call("ListSessions", auth_pb2.ListSessionsRequest(),
                                   as_user=grace.id)
    assert [s.id for s in grace_listed.sessions] == [grace_tokens.session_id]

    await auth.call("RevokeSession", auth_pb2.RevokeSessionRequest(
        session_id=ada_phone.session_id), as_user=ada.id)
    listed = await auth.call("ListSessions", auth_pb2.ListSessionsRequest(), as_user=ada.id)
    assert [s.id for s in listed.sessions] == [ada_laptop.session_id]
    revoked = await auth.error("Refresh", auth_pb2.RefreshRequest(
        refresh_token=ada_phone.refresh_token))
    assert revoked.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_refreshed_session_is_listed_once(auth) -> None:
    ada = await auth.register()
    tokens = (await auth.login()).tokens
    await auth.call("Refresh", auth_pb2.RefreshRequest(refresh_token=tokens.refresh_token,
                                                       user_agent="after refresh"))
    listed = await auth.call("ListSessions", auth_pb2.ListSessionsRequest(), as_user=ada.id)
    [session] = listed.sessions
    assert session.id == tokens.session_id and session.user_agent == "after refresh"
    assert session.created_at.ToDatetime() <= session.last_used_at.ToDatetime()


async def test_session_rpcs_refuse_anonymous_and_malformed_ids(auth) -> None:
    ada = await auth.register()
    anonymous = await auth.error("ListSessions", auth_pb2.ListSessionsRequest())
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    malformed = await auth.error("RevokeSession", auth_pb2.RevokeSessionRequest(
        session_id="not-a-uuid"), as_user=ada.id)
    assert malformed.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "session_id is not a valid id" in malformed.details()
    empty = await auth.error("RevokeSession", auth_pb2.RevokeSessionRequest(), as_user=ada.id)
    assert empty.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_get_me_returns_the_caller_and_refuses_anonymous(auth) -> None:
    ada = await auth.register("ada@example.com", "Ada")
    await auth.register("grace@example.com", "Grace")
    me = await auth.call("GetMe", auth_pb2.GetMeRequest(), as_user=ada.id)
    assert (me.id, me.email, me.name) == (ada.id, "ada@example.com", "Ada")
    anonymous = await auth.error("GetMe", auth_pb2.GetMeRequest())
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    gone = await auth.error("GetMe", auth_pb2.GetMeRequest(), as_user=str(uuid.uuid4()))
    assert gone.code() == grpc.StatusCode.UNAUTHENTICATED
    garbage = await auth.error("GetMe", auth_pb2.GetMeRequest(), as_user="not-a-uuid")
    assert garbage.code() == grpc.StatusCode.UNAUTHENTICATED
