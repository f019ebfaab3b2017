"""Password rules and argon2id hashing (off the event loop)."""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
from collections.abc import Callable
from importlib.resources import files
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from career_kit import context
from career_kit.errors import InvalidArgument, Unavailable

T = TypeVar("T")

MIN_LENGTH = 8
# argon2 accepts anything, but hashing megabytes per attempt would be a cheap DoS.
MAX_LENGTH = 128


@functools.cache
def common_passwords() -> frozenset[str]:
    text = files("auth").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _busy() -> Unavailable:
    return Unavailable("too many sign-ins at once; try again in a moment",
                       problem_type="busy", retry_after_seconds=1)


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
    """argon2id, each hash or verification in a worker thread, at most `slots` at a time.

    argon2id is CPU-bound by design: a burst of sign-ins beyond the cores only makes every one
    slower until callers' deadlines pass with the work done for nobody. So a hash waits for a
    free slot a short while (`queue_seconds`, less if the call's deadline is nearer) behind at
    most `queue` others; past that it is refused before any work with Unavailable (the
    gateway's 503 with Retry-After), which a client can simply retry."""

    def __init__(self, hasher: PasswordHasher | None = None, *, slots: int | None = None,
                 queue: int = 32, queue_seconds: float = 2.0) -> None:
        self.hasher = hasher or PasswordHasher()
        self._slots = asyncio.Semaphore(slots or os.cpu_count() or 1)
        self._queue = queue
        self._queue_seconds = queue_seconds
        self._waiting = 0
        # Verified against when there is no real hash; made once at start-up (before serving),
        # so that even the first unknown e-mail costs exactly one verification.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await self._in_slot(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True if `password` matches; without a hash, still spend one verification so that
        an unknown e-mail takes as long to reject as a wrong password."""
        if password_hash is None:
            await self._in_slot(self._verify, self._dummy_hash, password)
            return False
        return await self._in_slot(self._verify, password_hash, password)

    async def _in_slot(self, work: Callable[..., T], *args: str) -> T:
        if self._slots.locked() and self._waiting >= self._queue:
            raise _busy()
        # Leave the hash itself time to finish inside the caller's deadline.
        remaining = context.time_remaining()
        wait = self._queue_seconds if remaining is None else min(self._queue_seconds,
                                                                 remaining / 2)
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), wait)
        except TimeoutError:
            raise _busy() from None
        finally:
            self._waiting -= 1
        try:
            return await asyncio.to_thread(work, *args)
        finally:
            self._slots.release()

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)
