"""Each e-mail adapter against the fake providers (HTTP) or the SMTP catcher, over sockets."""

from __future__ import annotations

import re

import pytest

from devstack.servers import free_port
from notify.email import (
    MailgunSender,
    OutgoingEmail,
    PermanentSendError,
    ResendSender,
    SendGridSender,
    SesSender,
    SmtpSender,
    TransientSendError,
)

MESSAGE = OutgoingEmail(sender="Career Tools <no-reply@example.com>", to="ann@example.com",
                        subject="Hello", text="plain body", html="<p>html body</p>",
                        idempotency_key="evt-1:welcome", tags={"template": "welcome"})


async def test_resend_sends_json_and_replays_the_idempotency_key(providers):
    sender = ResendSender(providers.resend_key, providers.url)
    first = await sender.send(MESSAGE)
    again = await sender.send(MESSAGE)
    await sender.aclose()
    assert first == again
    [accepted] = providers.accepted_by("resend")
    assert accepted.headers["idempotency-key"] == "evt-1:welcome"
    assert accepted.body["to"] == ["ann@example.com"]
    assert accepted.body["from"] == "Career Tools <no-reply@example.com>"
    assert (accepted.body["text"], accepted.body["html"]) == ("plain body", "<p>html body</p>")


async def test_resend_rejection_is_permanent_and_outage_is_transient(providers):
    bad_key = ResendSender("re_wrong", providers.url)
    with pytest.raises(PermanentSendError):
        await bad_key.send(MESSAGE)
    await bad_key.aclose()
    sender = ResendSender(providers.resend_key, providers.url)
    for status in (429, 500, 503):
        providers.fail_next(1, status)
        with pytest.raises(TransientSendError):
            await sender.send(MESSAGE)
    await sender.aclose()
    assert providers.accepted == []


async def test_unreachable_provider_is_transient():
    sender = ResendSender("re_test", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TransientSendError):
        await sender.send(MESSAGE)
    await sender.aclose()


async def test_sendgrid_puts_text_before_html_and_returns_x_message_id(providers):
    sender = SendGridSender(providers.sendgrid_key, providers.url)
    message_id = await sender.send(MESSAGE)
    await sender.aclose()
    [accepted] = providers.accepted_by("sendgrid")
    assert message_id == accepted.id
    assert [c["type"] for c in accepted.body["content"]] == ["text/plain", "text/html"]
    assert accepted.body["from"] == {"email": "no-reply@example.com", "name": "Career Tools"}
    assert accepted.body["personalizations"] == [{"to": [{"email": "ann@example.com"}]}]


async def test_mailgun_posts_multipart_fields(providers):
    message = OutgoingEmail(**{**MESSAGE.__dict__, "headers": {"X-Trace": "t1"}})
    sender = MailgunSender(providers.mailgun_key, providers.mailgun_domain, providers.url)
    message_id = await sender.send(message)
    await sender.aclose()
    [accepted] = providers.accepted_by("mailgun")
    assert message_id == accepted.id and message_id.startswith("<")
    assert accepted.headers["content-type"].startswith("multipart/form-data")
    form = dict(accepted.form)
    assert form["to"] == "ann@example.com" and form["subject"] == "Hello"
    assert form["text"] == "plain body" and form["html"] == "<p>html body</p>"
    assert form["h:X-Trace"] == "t1"
    assert form["v:template"] == "welcome" and form["o:tag"] == "welcome"


async def test_mailgun_wrong_domain_is_permanent(providers):
    sender = MailgunSender(providers.mailgun_key, "other.example.com", providers.url)
    with pytest.raises(PermanentSendError):
        await sender.send(MESSAGE)
    await sender.aclose()


async def test_ses_signs_with_sigv4_for_the_region(providers):
    sender = SesSender("AKIDEXAMPLE", "secret", "eu-west-1", providers.url)
    message_id = await sender.send(MESSAGE)
    await sender.aclose()
    [accepted] = providers.accepted_by("ses")
    assert message_id == accepted.id
    assert re.match(r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/eu-west-1/ses/aws4_request,",
                    accepted.headers["authorization"])
    simple = accepted.body["Content"]["Simple"]
    assert simple["Subject"]["Data"] == "Hello"
    assert simple["Body"]["Text"]["Data"] == "plain body"
    assert accepted.body["Destination"] == {"ToAddresses": ["ann@example.com"]}


async def test_ses_throttling_is_transient(providers):
    providers.fail_next(1, 429)
    sender = SesSender("AKIDEXAMPLE", "secret", "eu-west-1", providers.url)
    with pytest.raises(TransientSendError):
        await sender.send(MESSAGE)
    await sender.aclose()


async def test_smtp_delivers_text_and_html_to_the_catcher(catcher):
    sender = SmtpSender("127.0.0.1", catcher.smtp_port)
    message_id = await sender.send(MESSAGE)
    [caught] = catcher.messages(to="ann@example.com")
    assert caught.headers["Message-ID"] == message_id
    assert caught.subject == "Hello"
    assert caught.text.strip() == "plain body"
    assert caught.html.strip() == "<p>html body</p>"


async def test_smtp_server_down_is_transient():
    with pytest.raises(TransientSendError):
        await SmtpSender("127.0.0.1", free_port(), timeout=2).send(MESSAGE)


def test_provider_defaults_to_resend_only_when_its_key_is_set(monkeypatch):
    from notify.config import Settings
    from notify.email import build_sender

    monkeypatch.delenv("RESEND_API_KEY", raising=False)
    monkeypatch.delenv("NOTIFY_EMAIL_PROVIDER", raising=False)
    assert isinstance(build_sender(Settings()), SmtpSender)
    monkeypatch.setenv("RESEND_API_KEY", "re_live")
    assert isinstance(build_sender(Settings()), ResendSender)
    monkeypatch.setenv("NOTIFY_EMAIL_PROVIDER", "ses")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    sender = build_sender(Settings())
    assert isinstance(sender, SesSender) and sender.region == "eu-central-1"
    assert str(sender.client.base_url) == "https://email.eu-central-1.amazonaws.com"
