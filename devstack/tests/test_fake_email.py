"""The fake e-mail servers, driven over real sockets: SMTP (smtplib) and HTTP (httpx)."""

from __future__ import annotations

import base64
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from devstack.fakes.email import FakeEmailProviders, SmtpCatcher, start_local_mail_catcher


@pytest.fixture
def catcher() -> Iterator[SmtpCatcher]:
    with SmtpCatcher() as running:
        yield running


@pytest.fixture
def providers() -> Iterator[FakeEmailProviders]:
    with FakeEmailProviders() as running:
        yield running


def smtp_send(port: int, to: str, subject: str) -> None:
    mail = EmailMessage()
    mail["From"] = "Career Tools <no-reply@example.com>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["X-Trace"] = "abc"
    mail.set_content("plain body")
    mail.add_alternative("<p>html body</p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(mail)


def test_catcher_keeps_parsed_messages_and_serves_them_over_http(catcher):
    smtp_send(catcher.smtp_port, "ann@example.com", "Hello Ann")
    smtp_send(catcher.smtp_port, "bob@example.com", "Hello Bob")

    all_messages = httpx.get(f"{catcher.http_url}/messages").json()
    assert all_messages["total"] == 2
    for_ann = httpx.get(f"{catcher.http_url}/messages", params={"to": "ann@example.com"}).json()
    [message] = for_ann["messages"]
    assert message["subject"] == "Hello Ann"
    assert message["rcpt_to"] == ["ann@example.com"]
    assert message["text"].strip() == "plain body"
    assert message["html"].strip() == "<p>html body</p>"
    assert message["headers"]["X-Trace"] == "abc"

    assert httpx.delete(f"{catcher.http_url}/messages").status_code == 204
    assert httpx.get(f"{catcher.http_url}/messages").json()["total"] == 0


def test_local_mail_catcher_gives_notify_smtp_settings():
    catcher, env = start_local_mail_catcher()
    try:
        assert env == {"NOTIFY_EMAIL_PROVIDER": "smtp", "NOTIFY_SMTP_HOST": "127.0.0.1",
                       "NOTIFY_SMTP_PORT": str(catcher.smtp_port)}
        smtp_send(int(env["NOTIFY_SMTP_PORT"]), "cy@example.com", "Hi")
        assert [m.subject for m in catcher.messages(to="cy@example.com")] == ["Hi"]
    finally:
        catcher.stop()


RESEND_BODY = {"from": "A <a@example.com>", "to": ["b@example.com"], "subject": "S",
               "html": "<p>x</p>"}


def test_resend_replays_idempotency_key_and_validates(providers):
    headers = {"Authorization": "Bearer re_test", "Idempotency-Key": "k1"}
    first = httpx.post(f"{providers.url}/emails", json=RESEND_BODY, headers=headers)
    again = httpx.post(f"{providers.url}/emails", json=RESEND_BODY, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert len(providers.accepted_by("resend")) == 1

    other = httpx.post(f"{providers.url}/emails", json={**RESEND_BODY, "subject": "T"},
                       headers=headers)
    assert other.status_code == 409
    invalid = httpx.post(f"{providers.url}/emails", json={**RESEND_BODY, "to": []},
                         headers={"Authorization": "Bearer re_test"})
    assert invalid.status_code == 422
    assert invalid.json() == {"statusCode": 422, "name": "validation_error",
                              "message": "The `to` field is required."}
    assert httpx.post(f"{providers.url}/emails", json=RESEND_BODY).status_code == 401


def test_fail_next_answers_with_the_given_status_then_recovers(providers):
    providers.fail_next(2, 503)
    headers = {"Authorization": "Bearer re_test"}
    statuses = [httpx.post(f"{providers.url}/emails", json=RESEND_BODY,
                           headers=headers).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    providers.fail_next(1, 429)
    assert httpx.post(f"{providers.url}/emails", json=RESEND_BODY,
                      headers=headers).status_code == 429


def test_sendgrid_answers_202_with_message_id_and_demands_text_first(providers):
    body = {"personalizations": [{"to": [{"email": "b@example.com"}]}],
            "from": {"email": "a@example.com"}, "subject": "S",
            "content": [{"type": "text/plain", "value": "t"},
                        {"type": "text/html", "value": "<p>h</p>"}]}
    headers = {"Authorization": "Bearer SG.test"}
    ok = httpx.post(f"{providers.url}/v3/mail/send", json=body, headers=headers)
    assert ok.status_code == 202 and ok.content == b"" and ok.headers["X-Message-Id"]

    wrong_order = {**body, "content": body["content"][::-1]}
    bad = httpx.post(f"{providers.url}/v3/mail/send", json=wrong_order, headers=headers)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "content"
    bad_from = httpx.post(f"{providers.url}/v3/mail/send",
                          json={**body, "from": {"email": "nope"}}, headers=headers)
    assert bad_from.json()["errors"][0]["field"] == "from.email"


def test_mailgun_takes_multipart_with_basic_auth(providers):
    files = [("from", (None, b"a@example.com")), ("to", (None, b"b@example.com")),
             ("subject", (None, b"S")), ("text", (None, b"t")), ("h:X-Trace", (None, b"1"))]
    url = f"{providers.url}/v3/mg.example.com/messages"
    ok = httpx.post(url, files=files, auth=("api", "key-test"))
    assert ok.status_code == 200
    assert ok.json()["message"] == "Queued. Thank you."
    assert ok.json()["id"].startswith("<") and ok.json()["id"].endswith("@mg.example.com>")
    [accepted] = providers.accepted_by("mailgun")
    assert ("h:X-Trace", "1") in accepted.form

    assert httpx.post(url, files=files, auth=("api", "wrong")).status_code == 401
    missing = httpx.post(url, files=files[1:], auth=("api", "key-test"))
    assert missing.status_code == 400 and missing.json() == {
        "message": "'from' parameter is missing"}
    basic = "Basic " + base64.b64encode(b"api:key-test").decode()
    as_json = httpx.post(url, json={"from": "a"}, headers={"Authorization": basic})
    assert as_json.status_code == 400


def test_ses_requires_a_sigv4_authorization(providers):
    body = (b'{"FromEmailAddress":"a@example.com","Destination":{"ToAddresses":["b@example.com"]},'
            b'"Content":{"Simple":{"Subject":{"Data":"S"},"Body":{"Text":{"Data":"t"}}}}}')
    url = f"{providers.url}/v2/email/outbound-emails"
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "ses", "eu-west-1").add_auth(request)
    signed = httpx.post(url, content=body, headers=dict(request.headers.items()))
    assert signed.status_code == 200 and signed.json()["MessageId"]

    unsigned = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
