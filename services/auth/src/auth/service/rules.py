"""Validation rules every part of the auth service applies to what callers send: e-mail
addresses, names, client addresses and user agents, ids, URLs. Each raises InvalidArgument with
the message the caller sees; rules of one sub-domain only live in that sub-domain's module."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from career_kit.errors import InvalidArgument

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 100
MAX_USER_AGENT_LENGTH = 512
MAX_URL_LENGTH = 2048
# Deliberately loose: the real check is the verification e-mail.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def normalise_email(email: str) -> str:
    """The address without surrounding spaces; uniqueness ignores letter case."""
    email = email.strip()
    if not email:
        raise InvalidArgument("email is required", problem_type="invalid-email")
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise InvalidArgument("email is not a valid e-mail address", problem_type="invalid-email")
    return email


def client_ip(value: str) -> str | None:
    """The client's address as the gateway saw it, in canonical form; None when not given."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise InvalidArgument(f"ip {value[:64]!r} is not an IP address") from None


def stored_user_agent(value: str) -> str | None:
    """The client's user agent, bounded in storage; None when not given."""
    return value[:MAX_USER_AGENT_LENGTH] or None



def http_url(value: str, what: str) -> str:
    """An http(s) URL with a host, no spaces, at most MAX_URL_LENGTH characters."""
    value = value.strip()
    parts = urlsplit(value) if len(value) <= MAX_URL_LENGTH else None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or any(c.isspace() for c in value)):
        raise InvalidArgument(f"{what} must be an http(s) URL of at most {MAX_URL_LENGTH} "
                              "characters", problem_type="invalid-url")
    return value
