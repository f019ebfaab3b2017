"""Registration: validation, uniqueness, hashing, and the user.registered event."""

from __future__ import annotations

import asyncio

import grpc
from nats.js.api import ConsumerConfig, DeliverPolicy

from career.auth.v1 import auth_pb2, events_pb2
from career_kit.events.envelope import ReceivedEvent
from career_kit.events.relay import OutboxRelay
from career_kit.events.streams import ensure_stream, subject_for


async def test_register_publishes_user_registered_in_the_same_transaction(auth) -> None:
    user = await auth.register("  Ada.Lovelace@Example.com ", "Ada Lovelace")

    [(user_id, email)] = await auth.rows("SELECT id, email FROM users")
    assert str(user_id) == user.id and email == "Ada.Lovelace@Example.com"
    [(event_type, headers, payload), (requested_type, _, _)] = await auth.rows(
        "SELECT event_type, headers, payload FROM event_outbox ORDER BY seq")
    assert event_type == "user.registered" and headers["ce-subject"] == user.id
    assert requested_type == "user.email_verification_requested"
    event = events_pb2.UserRegistered.FromString(payload)
    assert (event.user_id, event.email, event.name, event.language) == (
        user.id, "Ada.Lovelace@Example.com", "Ada Lovelace", "en")
    assert event.registered_at.seconds > 0
    assert b"correct horse" not in payload  # never a secret in an event

    # A registration that fails leaves neither a user nor an event behind.
    failed = await auth.error("Register", auth_pb2.RegisterRequest(
        email="grace@example.com", password="password", name="Imposter"))
    assert failed.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(await auth.rows("SELECT 1 FROM event_outbox")) == 2
    assert len(await auth.rows("SELECT 1 FROM users")) == 1

    # And the relay delivers the committed event on NATS.
    namespace = auth.settings.platform.events_namespace
    js = auth.nats.jetstream()
    await ensure_stream(js, "user", namespace)
    subscription = await js.pull_subscribe(
        subject_for("user.registered", namespace), durable=None,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    await OutboxRelay(auth.db, js, namespace=namespace).publish_batch()
    [message] = await asyncio.wait_for(subscription.fetch(1, timeout=5), 10)
    received = ReceivedEvent.from_message(message.headers, message.data)
    assert received.type == "user.registered" and received.subject == user.id
    assert received.parse(events_pb2.UserRegistered).email == "Ada.Lovelace@Example.com"


async def test_register_answers_an_unverified_user_with_default_preferences(auth) -> None:
    reply = await auth.call("Register", auth_pb2.RegisterRequest(
        email="grace@example.com", password="a sturdy passphrase", name=" Grace "))
    assert reply.verification_required is True
    user = reply.user
    assert (user.email, user.name, user.tier) == ("grace@example.com", "Grace",
                                                  auth_pb2.TIER_FREE)
    assert not user.HasField("email_verified_at") and user.HasField("created_at")
    prefs = user.preferences
    assert (prefs.email_notifications, prefs.job_alerts, prefs.newsletter, prefs.theme,
            prefs.language) == (True, True, False, "system", "en")


async def test_a_taken_address_creates_nothing_answers_alike_and_tells_its_owner(auth) -> None:
    """Whether an address has an account must not show: the answer is a new address's, minus
    the user; the owner gets user.sign_up_attempted (notify mails them)."""
    owner = await auth.register("grace@example.com", "Grace Hopper")
    reply = await auth.call("Register", auth_pb2.RegisterRequest(
        email=" GRACE@Example.COM", password="a sturdy passphrase", name="Imposter"))
    assert not reply.HasField("user") and reply.verification_required is True
    assert len(await auth.rows("SELECT 1 FROM users")) == 1
    [(password_hash,)] = await auth.rows("SELECT password_hash FROM users")
    [attempt] = await auth.published("user.sign_up_attempted", events_pb2.SignUpAttempted)
    assert (attempt.user_id, attempt.email, attempt.name, attempt.language) == (
        owner.id, "grace@example.com", "Grace Hopper", "en")
    assert attempt.attempted_at.seconds > 0
    # The attempt changed nothing about the account: the owner's password still works.
    assert (await auth.login("grace@example.com")).user.id == owner.id
    assert password_hash == (await auth.rows("SELECT password_hash FROM users"))[0][0]


async def test_common_password_rejected(auth) -> None:
    for password in ("password", "12345678", "password1", "qwertyui", "iloveyou", "PassWord1"):
        error = await auth.error("Register", auth_pb2.RegisterRequest(
            email="grace@example.com", password=password, name="Grace"))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, password
        assert "too common" in error.details()
    assert await auth.rows("SELECT 1 FROM users") == []


async def test_bad_registration_input_is_invalid_argument_with_a_clear_message(auth) -> None:
    cases = [
        (("grace@example.com", "short7!", "Grace"), "at least 8 characters"),
        (("grace@example.com", "x" * 129, "Grace"), "at most 128 characters"),
        (("not-an-address", "a sturdy passphrase", "Grace"), "not a valid e-mail"),
        (("grace@example", "a sturdy passphrase", "Grace"), "not a valid e-mail"),
        (("   ", "a sturdy passphrase", "Grace"), "email is required"),
        (("grace@example.com", "a sturdy passphrase", "  "), "name is required"),
    ]
    for (email, password, name), message in cases:
        error = await auth.error("Register", auth_pb2.RegisterRequest(
            email=email, password=password, name=name))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (email, password, name)
        assert message in error.details()
    assert await auth.rows("SELECT 1 FROM users") == []


async def test_password_is_stored_as_an_argon2id_hash(auth) -> None:
    await auth.register()
    [(password_hash,)] = await auth.rows("SELECT password_hash FROM users")
    assert password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash
