"""One unit of work per call, the same in every servicer and consumer.

`await unit(lambda session: service.do(session, ...))` runs the work in one transaction
(career_kit.db): everything it wrote commits together with its outbox rows when it returns, and
nothing commits when it raises. The one exception is a refusal whose bookkeeping must stand:
service code raises `RejectedAfterRecording(error)` (a failed login that counts towards
lockout, a reused refresh token that revokes its family), the unit commits what was written,
even after the caller's deadline has passed, and then raises `error` to the caller.
`await unit.read(lambda reads: ...)` runs work that only reads, on the database's `Reader`
(career_kit.reads: compiled SELECTs on plain asyncpg, no transaction), for the hot reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.db import Database, check_deadline, commit_after_deadline
from career_kit.errors import DomainError
from career_kit.reads import Reader

T = TypeVar("T")


class RejectedAfterRecording(Exception):
    """Refuse the call with `error`, but commit what the unit of work wrote first."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(str(error))
        self.error = error


class UnitOfWork:
    """Runs a piece of work in one transaction of `db` (module docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        rejected: RejectedAfterRecording | None = None
        async with self.db.transaction() as session:
            try:
                return await work(session)
            except RejectedAfterRecording as exc:
                rejected = exc
                commit_after_deadline(session)
        raise rejected.error

    async def read(self, work: Callable[[Reader], Awaitable[T]]) -> T:
        """Run `work`, which only reads, on the database's `Reader` (module docstring)."""
        check_deadline()  # nothing started yet: no work for a caller who has gone
        return await work(self.db.reads)
