"""Building the configured sender."""

from __future__ import annotations

from notify.config import Settings
from notify.email.base import EmailSender
from notify.email.http import MailgunSender, ResendSender, SendGridSender, SesSender
from notify.email.smtp import SmtpSender


def _required(value, name: str):
    if value is None:
        raise ValueError(f"{name} must be set for the chosen e-mail provider")
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


def build_sender(settings: Settings) -> EmailSender:
    """The adapter for `NOTIFY_EMAIL_PROVIDER` (or the default), configured from settings."""
    provider = settings.chosen_email_provider
    timeout = settings.email_timeout_seconds
    if provider == "resend":
        return ResendSender(_required(settings.resend_api_key, "RESEND_API_KEY"),
                            settings.resend_base_url, timeout)
    if provider == "sendgrid":
        return SendGridSender(_required(settings.sendgrid_api_key, "SENDGRID_API_KEY"),
                              settings.sendgrid_base_url, timeout)
    if provider == "mailgun":
        return MailgunSender(_required(settings.mailgun_api_key, "MAILGUN_API_KEY"),
                             _required(settings.mailgun_domain, "MAILGUN_DOMAIN"),
                             settings.mailgun_base_url, timeout)
    if provider == "ses":
        return SesSender(_required(settings.aws_access_key_id, "AWS_ACCESS_KEY_ID"),
                         _required(settings.aws_secret_access_key, "AWS_SECRET_ACCESS_KEY"),
                         settings.aws_region, settings.ses_base_url, timeout)
    return SmtpSender(settings.smtp_host, settings.smtp_port, username=settings.smtp_username,
                      password=settings.smtp_password.get_secret_value()
                      if settings.smtp_password else None,
                      start_tls=settings.smtp_starttls, timeout=timeout)
