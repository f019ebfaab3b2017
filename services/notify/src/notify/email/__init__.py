"""Sending e-mail: one interface (`EmailSender`), one adapter per provider, chosen by settings."""

from notify.email.base import (
    EmailSender,
    OutgoingEmail,
    PermanentSendError,
    SendError,
    TransientSendError,
)
from notify.email.factory import build_sender
from notify.email.http import MailgunSender, ResendSender, SendGridSender, SesSender
from notify.email.smtp import SmtpSender

__all__ = [
    "EmailSender",
    "MailgunSender",
    "OutgoingEmail",
    "PermanentSendError",
    "ResendSender",
    "SendError",
    "SendGridSender",
    "SesSender",
    "SmtpSender",
    "TransientSendError",
    "build_sender",
]
