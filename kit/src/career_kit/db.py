"""PostgreSQL access: one async engine per process, sessions that commit once per unit of work.

Repositories take an `AsyncSession`; service code never commits. The caller that owns the unit of
work (a gRPC handler, a consumer) opens it with `async with db.transaction() as session:`, so the
state change and its outbox row commit together.

A transaction serving a gRPC call with a deadline (`career_kit.context.deadline`) never commits
once that caller has gone: when less than `COMMIT_MARGIN_SECONDS` is left before the commit, it
rolls back and raises `DeadlineExceeded`, so a login answered 504 has created no session. What
must stand whether or not anybody hears the answer (a failed login counted against lockout)
marks its session with `commit_after_deadline`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from career_kit import context
from career_kit.errors import DeadlineExceeded

# One naming convention so that Alembic migrations name constraints the same way everywhere.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Time a commit (and the answer's way back) needs: committing with less left risks doing the work
# for a caller that has already given up. Commits here take milliseconds; the margin covers a
# loaded machine.
COMMIT_MARGIN_SECONDS = 0.2
_COMMIT_AFTER_DEADLINE = "career_kit.commit_after_deadline"


def commit_after_deadline(session: AsyncSession) -> None:
    """Commit this unit of work even if its caller's deadline has passed (records that must
    stand whether or not the answer is heard, such as a failed login)."""
    session.info[_COMMIT_AFTER_DEADLINE] = True


def _check_deadline(session: AsyncSession | None = None) -> None:
    remaining = context.time_remaining()
    if remaining is None or remaining > COMMIT_MARGIN_SECONDS:
        return
    if session is not None and session.info.get(_COMMIT_AFTER_DEADLINE):
        return
    raise DeadlineExceeded("the call's deadline passed before its work could be committed")


def new_metadata() -> MetaData:
    """A MetaData with the platform's constraint naming convention (one per service)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def sync_url(url: str) -> str:
    """The plain libpq form of an SQLAlchemy URL (for asyncpg.connect and psql)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


class Database:
    """The process's engine and session factory."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, echo=echo
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error, and
        rolled back with `DeadlineExceeded` when the caller's deadline leaves no time to commit
        (module docstring)."""
        _check_deadline()  # nothing started yet: no work for a caller who has gone
        async with self.sessions() as session, session.begin():
            yield session
            _check_deadline(session)  # raised here, it rolls the transaction back

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
