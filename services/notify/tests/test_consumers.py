"""auth's user events, published on real JetStream, become e-mails exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from career.auth.v1 import events_pb2
from career_kit.db import Database
from notify.email import ResendSender
from notify.service import EmailNotifier


def verification(email: str, language: str = "en", token: str = "tok-123"
                 ) -> events_pb2.EmailVerificationRequested:
    return events_pb2.EmailVerificationRequested(
        user_id=str(uuid.uuid4()), email=email, name="Ann", language=language, token=token,
        expires_at=datetime.now(UTC) + timedelta(hours=24))


@pytest.fixture
def notify_overrides(catcher):
    """These tests read the mail from the SMTP catcher."""
    return {"email_provider": "smtp", "smtp_host": "127.0.0.1", "smtp_port": catcher.smtp_port}


async def test_verification_request_mails_the_link(notify, catcher, eventually, app_url):
    event = await notify.publish("user.email_verification_requested",
                                 verification("ann@example.com"), source="auth")
    [mail] = await eventually(lambda: catcher.messages(to="ann@example.com"))
    link = f"{app_url}/verify-email?token=tok-123"
    assert link in mail.text and link in mail.html
    assert mail.subject == "Confirm your e-mail address"
    [row] = await eventually(lambda: notify.rows(
        "SELECT status, attempts, template, language FROM sent_emails "
        "WHERE event_id = :id AND status = 'sent'", id=event.id))
    assert tuple(row) == ("sent", 1, "verify_email", "en")


async def test_redelivered_event_sends_nothing_twice(notify, catcher, eventually, app_url):
    event = await notify.publish("user.email_verification_requested",
                                 verification("bob@example.com"), source="auth")
    await eventually(lambda: catcher.messages(to="bob@example.com"))
    # The same envelope again, past JetStream's de-duplication: the inbox must stop it.
    seq = await notify.republish(event, dedupe=False, source="auth")
    await eventually(lambda: notify.acked_up_to(event.type, seq))
    assert len(catcher.messages(to="bob@example.com")) == 1
    [row] = await notify.rows("SELECT attempts FROM sent_emails WHERE event_id = :id",
                              id=event.id)
    assert row.attempts == 1


async def test_spanish_user_gets_the_spanish_template(notify, catcher, eventually, app_url):
    await notify.publish("user.registered", events_pb2.UserRegistered(
        user_id="u-es", email="eva@example.com", name="Eva", language="es"), source="auth")
    [mail] = await eventually(lambda: catcher.messages(to="eva@example.com"))
    assert mail.subject == "Bienvenido a Career Tools"
    assert "Hola Eva" in mail.text


async def test_unknown_language_falls_back_to_english(notify, catcher, eventually, app_url):
    await notify.publish("user.password_reset_requested", events_pb2.PasswordResetRequested(
        user_id="u-de", email="dirk@example.com", name="Dirk", language="de", token="r-1"),
        source="auth")
    [mail] = await eventually(lambda: catcher.messages(to="dirk@example.com"))
    assert mail.subject == "Reset your Career Tools password"
    assert f"{app_url}/reset-password?token=r-1" in mail.text


async def test_deleted_user_loses_sent_email_records(notify, catcher, eventually, app_url):
    data = verification("del@example.com")
    await notify.publish("user.email_verification_requested", data, source="auth")
    await eventually(lambda: notify.rows(
        "SELECT 1 FROM sent_emails WHERE user_id = :u AND status = 'sent'", u=data.user_id))
    await notify.publish("user.deleted", events_pb2.UserDeleted(user_id=data.user_id),
                         source="auth")
    await eventually(lambda: notify.rows(
        "SELECT 1 FROM event_inbox WHERE event_type = 'user.deleted'"))
    assert await notify.rows("SELECT 1 FROM sent_emails WHERE user_id = :u",
                             u=data.user_id) == []


class TestWithResend:
    @pytest.fixture
    def notify_overrides(self, providers):
        return {"email_provider": "resend", "resend_api_key": providers.resend_key,
                "resend_base_url": providers.url}

    async def test_two_503s_then_success_sends_once(self, notify, providers, eventually, app_url):
        providers.fail_next(2, 503)
        event = await notify.publish("user.email_verification_requested",
                                     verification("retry@example.com"), source="auth")
        [row] = await eventually(lambda: notify.rows(
            "SELECT attempts, provider_message_id FROM sent_emails "
            "WHERE event_id = :id AND status = 'sent'", id=event.id))
        accepted = providers.accepted_by("resend")
        assert len(accepted) == 1
        assert providers.requests == 3
        assert row.attempts == 3 and row.provider_message_id == accepted[0].id
        assert accepted[0].headers["idempotency-key"] == f"{event.id}:verify_email"


async def test_already_sent_email_is_not_sent_again(db: Database, providers, app_url):
    sender = ResendSender(providers.resend_key, providers.url)
    notifier = EmailNotifier(db, sender, sender_address="a@example.com", app_base_url=app_url)
    event_id = uuid.uuid4()
    for _ in range(2):
        await notifier.deliver(event_id=event_id, template="welcome", user_id="u",
                               recipient="ann@example.com", language="en",
                               context={"name": "Ann"})
    await sender.aclose()
    assert providers.requests == 1


async def test_permanent_rejection_marks_failed(db: Database, providers, app_url):
    sender = ResendSender("re_wrong_key", providers.url)
    notifier = EmailNotifier(db, sender, sender_address="a@example.com", app_base_url=app_url)
    event_id = uuid.uuid4()
    for _ in range(2):  # the second delivery finds the row failed and does not try again
        await notifier.deliver(event_id=event_id, template="welcome", user_id="u",
                               recipient="ann@example.com", language="en",
                               context={"name": "Ann"})
    await sender.aclose()
    async with db.transaction() as session:
        row = (await session.execute(text(
            "SELECT status, attempts, last_error FROM sent_emails WHERE event_id = :id"),
            {"id": event_id})).one()
    assert row.status == "failed" and row.attempts == 1 and "401" in row.last_error
    assert providers.requests == 1


@pytest.mark.parametrize(("language", "subject", "phrase"), [
    ("en", "You already have a Career Tools account", "nothing was created"),
    ("es", "Ya tienes una cuenta de Career Tools", "no se ha creado nada"),
])
async def test_a_sign_up_with_a_taken_address_tells_its_owner(
    notify, catcher, eventually, app_url, language, subject, phrase,
) -> None:
    address = f"owner-{language}@example.com"
    await notify.publish("user.sign_up_attempted", events_pb2.SignUpAttempted(
        user_id=str(uuid.uuid4()), email=address, name="Grace", language=language), source="auth")
    [mail] = await eventually(lambda: catcher.messages(to=address))
    assert mail.subject == subject
    assert phrase in mail.text and "Grace" in mail.html
    for link in (f"{app_url}/login", f"{app_url}/forgot-password"):
        assert link in mail.text and link in mail.html
