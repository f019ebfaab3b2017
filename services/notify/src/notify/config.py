"""Settings of the notify service: `NOTIFY_*` variables plus the platform's (see .env.example).

Provider secrets keep the providers' usual names (RESEND_API_KEY, SENDGRID_API_KEY, ...).
"""

from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr

from career_kit.settings import ServiceSettings, service_config

EmailProvider = Literal["resend", "sendgrid", "mailgun", "ses", "smtp"]


def _unprefixed(name: str) -> AliasChoices:
    """The provider's own variable name, without NOTIFY_ (the field name works in code)."""
    return AliasChoices(name)


class Settings(ServiceSettings):
    model_config = service_config("notify", populate_by_name=True)

    service_name: ClassVar[str] = "notify"


    # Which provider sends e-mail; unset: resend when RESEND_API_KEY is set, else smtp.
    email_provider: EmailProvider | None = None
    email_from: str = "Career Tools <no-reply@careertools.local>"
    # The SPA, for the links in e-mails ({base}/verify-email?token=...).
    app_base_url: str = "http://localhost:5173"
    # Seconds to wait for a provider before treating the attempt as a transient failure.
    email_timeout_seconds: float = 10.0
    # Redelivery delays after a transient provider failure (the last one repeats).
    email_retry_backoff_seconds: list[float] = [5.0, 30.0, 120.0, 600.0]
    email_max_deliver: int = 8

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False

    resend_api_key: SecretStr | None = Field(None, validation_alias=_unprefixed("RESEND_API_KEY"))
    sendgrid_api_key: SecretStr | None = Field(
        None, validation_alias=_unprefixed("SENDGRID_API_KEY"))
    mailgun_api_key: SecretStr | None = Field(
        None, validation_alias=_unprefixed("MAILGUN_API_KEY"))
    mailgun_domain: str | None = Field(None, validation_alias=_unprefixed("MAILGUN_DOMAIN"))
    aws_region: str = Field("us-east-1", validation_alias=_unprefixed("AWS_REGION"))
    aws_access_key_id: str | None = Field(None, validation_alias=_unprefixed("AWS_ACCESS_KEY_ID"))
    aws_secret_access_key: SecretStr | None = Field(
        None, validation_alias=_unprefixed("AWS_SECRET_ACCESS_KEY"))

    # Base URL overrides (fakes in tests and offline runs; EU endpoints).
    resend_base_url: str = "https://api.resend.com"
    sendgrid_base_url: str = "https://api.sendgrid.com"
    mailgun_base_url: str = "https://api.mailgun.net"
    ses_base_url: str | None = None  # default https://email.{AWS_REGION}.amazonaws.com

    @property
    def chosen_email_provider(self) -> EmailProvider:
        if self.email_provider is not None:
            return self.email_provider
        return "resend" if self.resend_api_key else "smtp"
