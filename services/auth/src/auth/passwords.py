"""Password rules and argon2id hashing (off the event loop)."""

from __future__ import annotations

import asyncio
import functools
import secrets
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from career_kit.errors import InvalidArgument

MIN_LENGTH = 8
# argon2 accepts anything, but hashing megabytes per attempt would be a cheap DoS.
MAX_LENGTH = 128


@functools.cache
def common_passwords() -> frozenset[str]:
    text = files("auth").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check_password_rules(password: str) -> None:
    """Raise InvalidArgument unless `password` may be used as a new password."""
    if len(password) < MIN_LENGTH:
        raise InvalidArgument(f"password must be at least {MIN_LENGTH} characters",
                              problem_type="weak-password")
    if len(password) > MAX_LENGTH:
        raise InvalidArgument(f"password must be at most {MAX_LENGTH} characters",
                              problem_type="weak-password")
    if password.lower() in common_passwords():
        raise InvalidArgument("this password is too common; choose another one",
                              problem_type="weak-password")


class PasswordHashing:
    """argon2id (argon2-cffi's defaults), each hash or verification in a worker thread."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        # Verified against when there is no real hash; made once at start-up (before serving),
        # so that even the first unknown e-mail costs exactly one verification.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True if `password` matches; without a hash, still spend one verification so that
        an unknown e-mail takes as long to reject as a wrong password."""
        if password_hash is None:
            await asyncio.to_thread(self._verify, self._dummy_hash, password)
            return False
        return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)
