"""The signed-in user's profile (PATCH semantics) and account deletion."""

from __future__ import annotations

import time

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from career.auth.v1 import auth_pb2, events_pb2

PASSWORD = "correct horse battery staple"  # what the harness registers with


async def _update(auth, user_id: str, **fields) -> auth_pb2.User:
    return await auth.call("UpdateMe", auth_pb2.UpdateMeRequest(**fields), as_user=user_id)


async def test_update_me_changes_only_what_the_request_sets(auth) -> None:
    user = await auth.register("ada@example.com", "Ada")

    renamed = await _update(auth, user.id, name="  Ada Lovelace ")
    assert renamed.name == "Ada Lovelace"
    assert renamed.preferences == user.preferences and renamed.email == user.email

    themed = await _update(auth, user.id, preferences=auth_pb2.PreferencesUpdate(
        theme="dark", newsletter=True, language="pt-br"))
    prefs = themed.preferences
    assert (prefs.email_notifications, prefs.job_alerts, prefs.newsletter, prefs.theme,
            prefs.language) == (True, True, True, "dark", "pt-BR")
    assert themed.name == "Ada Lovelace"

    # A false value is a change, not an absent one.
    quiet = await _update(auth, user.id, preferences=auth_pb2.PreferencesUpdate(
        email_notifications=False))
    assert quiet.preferences.email_notifications is False
    assert quiet.preferences.theme == "dark"

    linked = await _update(auth, user.id, social_links=auth_pb2.SocialLinks(links={
        "linkedin": "https://www.linkedin.com/in/ada", "github": "http://github.com/ada"}),
        profile_image_url="https://cdn.example.com/ada.png")
    assert dict(linked.social_links) == {"linkedin": "https://www.linkedin.com/in/ada",
                                         "github": "http://github.com/ada"}
    assert linked.profile_image_url == "https://cdn.example.com/ada.png"

    untouched = await _update(auth, user.id)
    assert untouched == linked
    replaced = await _update(auth, user.id, social_links=auth_pb2.SocialLinks(
        links={"github": "https://github.com/ada"}), profile_image_url="")
    assert dict(replaced.social_links) == {"github": "https://github.com/ada"}
    assert replaced.profile_image_url == ""
    cleared = await _update(auth, user.id, social_links=auth_pb2.SocialLinks())
    assert dict(cleared.social_links) == {}

    [(stored,)] = await auth.rows("SELECT preferences FROM users")
    assert stored == {"emailNotifications": False, "jobAlerts": True, "newsletter": True,
                      "theme": "dark", "language": "pt-BR"}


async def test_update_me_refuses_bad_values_and_changes_nothing(auth) -> None:
    user = await auth.register()
    cases = [
        ({"name": "   "}, "name must be"),
        ({"name": "x" * 101}, "name must be"),
        ({"preferences": auth_pb2.PreferencesUpdate(theme="blue")}, "theme must be one of"),
        ({"preferences": auth_pb2.PreferencesUpdate(language="english")}, "BCP 47"),
        ({"social_links": auth_pb2.SocialLinks(links={"x": "javascript:alert(1)"})},
         "http(s) URL"),
        ({"social_links": auth_pb2.SocialLinks(links={"ftp": "ftp://example.com/"})},
         "http(s) URL"),
        ({"social_links": auth_pb2.SocialLinks(links={"Bad Name": "https://example.com"})},
         "social link name"),
        ({"profile_image_url": "https://"}, "http(s) URL"),
        ({"profile_image_url": "data:image/png;base64,AAAA"}, "http(s) URL"),
    ]
    for fields, message in cases:
        error = await auth.error("UpdateMe", auth_pb2.UpdateMeRequest(**fields),
                                 as_user=user.id)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, fields
        assert message in error.details(), (fields, error.details())
    assert await auth.call("GetMe", auth_pb2.GetMeRequest(), as_user=user.id) == user
    anonymous = await auth.error("UpdateMe", auth_pb2.UpdateMeRequest(name="Eve"))
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_delete_me_erases_the_account_and_publishes_user_deleted(auth) -> None:
    user = await auth.register()
    await auth.register("grace@example.com")
    await auth.login()
    await auth.call("ForgotPassword", auth_pb2.ForgotPasswordRequest(email="ada@example.com"))
    expires = Timestamp(seconds=int(time.time()) + 600)

    wrong = await auth.error("DeleteMe", auth_pb2.DeleteMeRequest(
        password="not my password", access_jti="jti-1", access_expires_at=expires),
        as_user=user.id)
    assert wrong.code() == grpc.StatusCode.PERMISSION_DENIED
    assert len(await auth.rows("SELECT 1 FROM users")) == 2
    assert await auth.published("user.deleted", events_pb2.UserDeleted) == []

    await auth.call("DeleteMe", auth_pb2.DeleteMeRequest(
        password=PASSWORD, access_jti="jti-1", access_expires_at=expires), as_user=user.id)
    assert [email for (email,) in await auth.rows("SELECT email FROM users")] == [
        "grace@example.com"]
    for table in ("refresh_tokens", "email_tokens"):
        assert await auth.rows(f"SELECT 1 FROM {table} WHERE user_id = :id", id=user.id) == []
    # The audit trail stays, no longer linked to the person.
    assert await auth.rows("SELECT 1 FROM security_events WHERE user_id = :id",
                           id=user.id) == []
    [deleted] = await auth.published("user.deleted", events_pb2.UserDeleted)
    assert deleted.user_id == user.id and deleted.deleted_at.seconds > 0
    prefix = auth.settings.platform.redis_key_prefix
    assert await auth.redis.exists(f"{prefix}auth:denylist:jti-1")

    gone = await auth.error("GetMe", auth_pb2.GetMeRequest(), as_user=user.id)
    assert gone.code() == grpc.StatusCode.UNAUTHENTICATED
    login = await auth.error("Login", auth_pb2.LoginRequest(email="ada@example.com",
                                                            password=PASSWORD))
    assert login.code() == grpc.StatusCode.UNAUTHENTICATED
