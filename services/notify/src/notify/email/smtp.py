"""The SMTP adapter (aiosmtplib): local catchers in development, any relay in production."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from notify.email.base import OutgoingEmail, PermanentSendError, TransientSendError


class SmtpSender:
    name = "smtp"

    def __init__(self, host: str, port: int, *, username: str | None = None,
                 password: str | None = None, start_tls: bool = False,
                 timeout: float = 10.0) -> None:
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.start_tls = start_tls
        self.timeout = timeout

    async def send(self, message: OutgoingEmail) -> str:
        mail = EmailMessage()
        mail["From"] = message.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        domain = message.sender.rpartition("@")[2].rstrip(">") or None
        message_id = make_msgid(domain=domain)
        mail["Message-ID"] = message_id
        if message.idempotency_key:
            mail["X-Idempotency-Key"] = message.idempotency_key
        for name, value in message.headers.items():
            mail[name] = value
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        try:
            await aiosmtplib.send(
                mail, hostname=self.host, port=self.port, username=self.username,
                password=self.password, start_tls=self.start_tls, timeout=self.timeout)
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx replies are temporary by definition (RFC 5321); 5xx are final.
            error = TransientSendError if 400 <= exc.code < 500 else PermanentSendError
            raise error(f"smtp answered {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientSendError(f"smtp: {exc!r}") from exc
        return message_id

    async def aclose(self) -> None:
        return None
