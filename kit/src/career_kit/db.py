"""PostgreSQL access: one async engine per process, sessions that commit once per unit of work.

Repositories take an `AsyncSession`; service code never commits. The caller that owns the unit of
work (a gRPC handler, a consumer) opens it with `async with db.transaction() as session:`, so the
state change and its outbox row commit together.

A transaction serving a gRPC call with a deadline (`career_kit.context.deadline`) never commits
once that caller has gone: when less than `COMMIT_MARGIN_SECONDS` is left before the commit, it
rolls back and raises `DeadlineExceeded`, so a login answered 504 has created no session. What
must stand whether or not anybody hears the answer (a failed login counted against lockout)
marks its session with `commit_after_deadline`.

Hot reads that need no transaction go through `db.reads` (career_kit.reads): SELECTs compiled
once and run on plain asyncpg connections, at a fraction of a session's cost.

A pooled connection is checked without a round trip when it is taken from the pool: one the
server has closed (a restart, a failover, `pg_terminate_backend`) is discarded and another one
taken, and connections are recycled after `POOL_RECYCLE_SECONDS`, so one that a network device
dropped silently is not kept for ever. SQLAlchemy's `pool_pre_ping` would instead send a query
before every unit of work: a round trip, 8% of GetMe's CPU in a profile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import MetaData, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from career_kit import context
from career_kit.errors import DeadlineExceeded
from career_kit.reads import Reader

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
# Below the idle timeouts of the usual NAT gateways and load balancers (often 350 s to 1 h).
POOL_RECYCLE_SECONDS = 300
_COMMIT_AFTER_DEADLINE = "career_kit.commit_after_deadline"


def commit_after_deadline(session: AsyncSession) -> None:
    """Commit this unit of work even if its caller's deadline has passed (records that must
    stand whether or not the answer is heard, such as a failed login)."""
    session.info[_COMMIT_AFTER_DEADLINE] = True


def check_deadline(session: AsyncSession | None = None) -> None:
    """DeadlineExceeded when the caller's deadline leaves no time for the work (or, given the
    unit's `session`, its commit), unless the session commits after the deadline."""
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
            url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=POOL_RECYCLE_SECONDS,
            echo=echo,
        )
        event.listen(self.engine.sync_engine.pool, "checkout", _refuse_closed_connection)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Its own connections, at most as many again as the engine's pool holds.
        self.reads = Reader(sync_url(url), max_size=pool_size)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error, and
        rolled back with `DeadlineExceeded` when the caller's deadline leaves no time to commit
        (module docstring)."""
        check_deadline()  # nothing started yet: no work for a caller who has gone
        async with self.sessions() as session, session.begin():
            yield session
            check_deadline(session)  # raised here, it rolls the transaction back

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.reads.close()
        await self.engine.dispose()


def _refuse_closed_connection(dbapi_connection: object, _record: object, _proxy: object) -> None:
    """Pool checkout hook: a connection the server closed is discarded (the pool then takes
    another), found without a round trip since the driver saw the socket close."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError("the server closed this connection")
