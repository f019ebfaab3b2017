"""The e-mail sending interface and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutgoingEmail:
    """One e-mail to one recipient. `idempotency_key` lets a provider drop a repeated send."""

    sender: str
    to: str
    subject: str
    text: str
    html: str
    idempotency_key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


class SendError(Exception):
    """A provider did not accept the e-mail."""


class TransientSendError(SendError):
    """Worth retrying later: rate limit, provider outage, network trouble."""


class PermanentSendError(SendError):
    """Retrying cannot help: the provider rejected the request as invalid."""


class EmailSender(Protocol):
    """Sends e-mail through one provider."""

    name: str

    async def send(self, message: OutgoingEmail) -> str:
        """Hand the message to the provider; return the provider's message id."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
