"""Fake e-mail infrastructure for tests and offline runs (never on the production path).

- `SmtpCatcher`: a real SMTP server (aiosmtpd) that keeps every message in memory and serves them
  as JSON over HTTP (`GET /messages[?to=addr]`, `DELETE /messages`), so that `make run` and
  end-to-end tests in other processes can read the mail the platform sent.
- `FakeEmailProviders`: one HTTP server speaking the documented contracts of Resend, SendGrid,
  Mailgun and Amazon SES v2, recording what it accepted and able to fail the next N requests.
- `start_local_mail_catcher()`: what the `make run` launcher calls when no provider key is set.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from devstack.fakes.serving import ThreadedApp
from devstack.servers import free_port

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/ses/aws4_request,
# SignedHeaders=host;x-amz-date, Signature=<64 hex>
SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/\s]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"ses/aws4_request, ?SignedHeaders=(?P<headers>[a-z0-9;-]+), ?Signature=[0-9a-f]{64}$"
)
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


# ---------------------------------------------------------------------------- SMTP catcher


@dataclass
class CaughtMessage:
    """One message the catcher received, parsed."""

    id: str
    mail_from: str
    rcpt_to: list[str]
    from_: str
    to: list[str]
    subject: str
    text: str | None
    html: str | None
    headers: dict[str, str]
    received_at: float

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "mail_from": self.mail_from, "rcpt_to": self.rcpt_to,
                "from": self.from_, "to": self.to, "subject": self.subject, "text": self.text,
                "html": self.html, "headers": self.headers, "received_at": self.received_at}


def _parse(raw: bytes, mail_from: str, rcpt_to: list[str]) -> CaughtMessage:
    msg: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    to = [addr.strip() for addr in str(msg.get("To", "")).split(",") if addr.strip()]
    return CaughtMessage(
        id=uuid.uuid4().hex, mail_from=mail_from, rcpt_to=list(rcpt_to),
        from_=str(msg.get("From", "")), to=to, subject=str(msg.get("Subject", "")),
        text=text_part.get_content() if text_part is not None else None,
        html=html_part.get_content() if html_part is not None else None,
        headers={k: str(v) for k, v in msg.items()}, received_at=time.time(),
    )


class _SmtpHandler:
    """aiosmtpd handler (a separate object: aiosmtpd inspects every attribute of it)."""

    def __init__(self, keep: Any) -> None:
        self.keep = keep

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.keep(_parse(envelope.original_content or envelope.content,
                         envelope.mail_from, envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpCatcher:
    """A real SMTP server on 127.0.0.1 that keeps every message, readable in-process
    (`messages()`) and over HTTP (`GET {http_url}/messages?to=addr`, `DELETE .../messages`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[CaughtMessage] = []
        self._controller: Controller | None = None
        self._http = ThreadedApp(Starlette(routes=[
            Route("/messages", self._list, methods=["GET"]),
            Route("/messages", self._clear, methods=["DELETE"]),
        ]), "smtp-catcher-http")
        self.smtp_port: int = 0

    def _keep(self, caught: CaughtMessage) -> None:
        with self._lock:
            self._messages.append(caught)

    def start(self) -> SmtpCatcher:
        """Start the SMTP and HTTP servers; returns self."""
        self.smtp_port = free_port()
        self._controller = Controller(_SmtpHandler(self._keep), hostname="127.0.0.1",
                                      port=self.smtp_port)
        self._controller.start()
        self._http.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        self._http.stop()

    def __enter__(self) -> SmtpCatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def http_url(self) -> str:
        return self._http.url

    def messages(self, to: str | None = None) -> list[CaughtMessage]:
        """Messages received so far (oldest first), optionally only those for `to`."""
        with self._lock:
            found = list(self._messages)
        if to is None:
            return found
        to = to.lower()
        return [m for m in found
                if to in (r.lower() for r in m.rcpt_to) or any(to in t.lower() for t in m.to)]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    async def _list(self, request: Request) -> JSONResponse:
        found = self.messages(request.query_params.get("to"))
        return JSONResponse({"total": len(found), "messages": [m.as_json() for m in found]})

    async def _clear(self, request: Request) -> Response:
        self.clear()
        return Response(status_code=204)


def start_local_mail_catcher() -> tuple[SmtpCatcher, dict[str, str]]:
    """For `make run` without a provider key: start a catcher and return it with the
    environment to give the notify service (it then sends over SMTP to the catcher)."""
    catcher = SmtpCatcher().start()
    env = {"NOTIFY_EMAIL_PROVIDER": "smtp", "NOTIFY_SMTP_HOST": "127.0.0.1",
           "NOTIFY_SMTP_PORT": str(catcher.smtp_port)}
    return catcher, env


# ---------------------------------------------------------------------------- HTTP providers


@dataclass
class AcceptedEmail:
    """What a fake provider accepted: the provider's name and id, the parsed request."""

    provider: str
    id: str
    body: dict[str, Any]
    headers: dict[str, str]
    # Mailgun: the multipart fields in order, as (name, value); repeated names stay repeated.
    form: list[tuple[str, str]] = field(default_factory=list)


class FakeEmailProviders:
    """Resend, SendGrid, Mailgun and SES v2 on one HTTP server.

    Base URLs for the adapters: `resend_url`, `sendgrid_url`, `mailgun_url` and `ses_url` (all
    the same server). `fail_next(n, status)` makes the next n requests (any provider) fail.
    """

    def __init__(self, *, resend_key: str = "re_test", sendgrid_key: str = "SG.test",
                 mailgun_key: str = "key-test", mailgun_domain: str = "mg.example.com") -> None:
        self.resend_key = resend_key
        self.sendgrid_key = sendgrid_key
        self.mailgun_key = mailgun_key
        self.mailgun_domain = mailgun_domain
        self._lock = threading.Lock()
        self.accepted: list[AcceptedEmail] = []
        self.requests = 0  # every request received, accepted or not
        self._failures: list[int] = []
        self._idempotency: dict[str, tuple[float, str, str]] = {}  # key -> (at, body, id)
        self._http = ThreadedApp(Starlette(routes=[
            Route("/emails", self._resend, methods=["POST"]),
            Route("/v3/mail/send", self._sendgrid, methods=["POST"]),
            Route("/v3/{domain}/messages", self._mailgun, methods=["POST"]),
            Route("/v2/email/outbound-emails", self._ses, methods=["POST"]),
        ]), "fake-email-providers")

    def start(self) -> FakeEmailProviders:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> FakeEmailProviders:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._http.url

    resend_url = sendgrid_url = mailgun_url = ses_url = url

    def fail_next(self, count: int, status: int = 503) -> None:
        """Fail the next `count` requests with `status` (429 or a 5xx)."""
        with self._lock:
            self._failures.extend([status] * count)

    def accepted_by(self, provider: str) -> list[AcceptedEmail]:
        with self._lock:
            return [a for a in self.accepted if a.provider == provider]

    def _take_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _count(self) -> None:
        with self._lock:
            self.requests += 1

    def _accept(self, accepted: AcceptedEmail) -> None:
        with self._lock:
            self.accepted.append(accepted)

    # -- Resend
    async def _resend(self, request: Request) -> Response:
        self._count()
        if request.headers.get("authorization") != f"Bearer {self.resend_key}":
            return _resend_error(401, "missing_api_key", "API key is invalid")
        if status := self._take_failure():
            name = "rate_limit_exceeded" if status == 429 else "internal_server_error"
            return _resend_error(status, name, "Try again later.")
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            return _resend_error(422, "validation_error", "Invalid JSON body.")
        for name in ("from", "to", "subject"):
            if not body.get(name):
                return _resend_error(422, "validation_error", f"The `{name}` field is required.")
        if not (body.get("html") or body.get("text")):
            return _resend_error(422, "validation_error", "Either `html` or `text` is required.")
        key = request.headers.get("idempotency-key")
        if key is not None:
            with self._lock:
                seen = self._idempotency.get(key)
                if seen and time.time() - seen[0] < IDEMPOTENCY_TTL_SECONDS:
                    if seen[1] != raw.decode():
                        return _resend_error(409, "invalid_idempotent_request",
                                             "Same idempotency key used with a different body.")
                    return JSONResponse({"id": seen[2]})
        message_id = str(uuid.uuid4())
        if key is not None:
            with self._lock:
                self._idempotency[key] = (time.time(), raw.decode(), message_id)
        self._accept(AcceptedEmail("resend", message_id, body, dict(request.headers)))
        return JSONResponse({"id": message_id})

    # -- SendGrid
    async def _sendgrid(self, request: Request) -> Response:
        self._count()
        if request.headers.get("authorization") != f"Bearer {self.sendgrid_key}":
            return _sendgrid_error(401, "The provided authorization grant is invalid.", None)
        if status := self._take_failure():
            return _sendgrid_error(status, "Too many requests" if status == 429
                                   else "Internal error", None)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _sendgrid_error(400, "Bad Request", None)
        sender = (body.get("from") or {}).get("email", "")
        if not EMAIL.fullmatch(sender):
            return _sendgrid_error(400, "The from email does not contain a valid address.",
                                   "from.email")
        personalizations = body.get("personalizations") or []
        if not personalizations or not all(p.get("to") for p in personalizations):
            return _sendgrid_error(400, "The personalizations field is required and must have "
                                   "at least one personalization.", "personalizations")
        content = body.get("content") or []
        types = [c.get("type") for c in content]
        if not content:
            return _sendgrid_error(400, "Unless a valid template_id is provided, the content "
                                   "parameter is required.", "content")
        if "text/plain" in types and "text/html" in types and (
                types.index("text/plain") > types.index("text/html")):
            return _sendgrid_error(400, "The text/plain content type must be first.",
                                   "content")
        message_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        self._accept(AcceptedEmail("sendgrid", message_id, body, dict(request.headers)))
        return Response(status_code=202, headers={"X-Message-Id": message_id})

    # -- Mailgun
    async def _mailgun(self, request: Request) -> Response:
        self._count()
        expected = "Basic " + base64.b64encode(f"api:{self.mailgun_key}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return PlainTextResponse("Forbidden", status_code=401)
        if request.path_params["domain"] != self.mailgun_domain:
            return JSONResponse({"message": "Domain not found"}, status_code=404)
        if status := self._take_failure():
            return JSONResponse({"message": "Try again later"}, status_code=status)
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            return JSONResponse({"message": "expected multipart/form-data"}, status_code=400)
        form = _parse_multipart(content_type, await request.body())
        fields = dict(form)
        for name in ("from", "to", "subject"):
            if not fields.get(name):
                return JSONResponse({"message": f"'{name}' parameter is missing"},
                                    status_code=400)
        if not (fields.get("text") or fields.get("html")):
            return JSONResponse({"message": "Need at least one of 'text' or 'html' parameters "
                                 "specified"}, status_code=400)
        stamp = time.strftime("%Y%m%d%H%M%S")
        message_id = f"<{stamp}.{uuid.uuid4().hex[:8]}@{self.mailgun_domain}>"
        self._accept(AcceptedEmail("mailgun", message_id, fields, dict(request.headers), form))
        return JSONResponse({"id": message_id, "message": "Queued. Thank you."})

    # -- SES v2
    async def _ses(self, request: Request) -> Response:
        self._count()
        auth = request.headers.get("authorization", "")
        match = SIGV4.match(auth)
        if not match or not request.headers.get("x-amz-date") or "host" not in (
                match["headers"].split(";")):
            return _ses_error(403, "IncompleteSignatureException",
                              "Authorization header requires a valid AWS SigV4 signature.")
        if status := self._take_failure():
            kind = "TooManyRequestsException" if status == 429 else "InternalFailure"
            return _ses_error(status, kind, "Try again later.")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _ses_error(400, "BadRequestException", "Invalid JSON")
        if not body.get("FromEmailAddress"):
            return _ses_error(400, "BadRequestException", "FromEmailAddress is required")
        if not (body.get("Destination") or {}).get("ToAddresses"):
            return _ses_error(400, "BadRequestException", "Destination is required")
        simple = (body.get("Content") or {}).get("Simple")
        if not simple or not (simple.get("Subject") or {}).get("Data"):
            return _ses_error(400, "BadRequestException", "Content.Simple.Subject is required")
        message_id = f"0100{uuid.uuid4().hex}-000000"
        self._accept(AcceptedEmail("ses", message_id, body, dict(request.headers)))
        return JSONResponse({"MessageId": message_id})


def _resend_error(status: int, name: str, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "name": name, "message": message},
                        status_code=status)


def _sendgrid_error(status: int, message: str, field_name: str | None) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "field": field_name,
                                     "help": "http://sendgrid.com/docs/API_Reference/"}]},
                        status_code=status)


def _ses_error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"__type": kind, "message": message}, status_code=status,
                        headers={"x-amzn-ErrorType": kind})


def _parse_multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """Form fields of a multipart/form-data body, in order (stdlib parser, no extra package)."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        fields.append((str(name), payload.decode(part.get_content_charset() or "utf-8")))
    return fields
