"""Alembic, the same way for every service: `python -m <service>.main migrate`.

Each service keeps its revisions in `services/<name>/migrations/versions/`; its `env.py` is two
lines that call `run_env()`. The platform tables (career_kit.tables) are created by
`create_event_tables()` in each service's first revision and `create_idempotency_table()` in
a later one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

_URL_KEY = "sqlalchemy.url"


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    """An Alembic Config for one service, without an alembic.ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(migrations_dir / "versions"))
    cfg.attributes[_URL_KEY] = database_url
    return cfg


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (blocking; run it before the event loop or in a thread)."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def run_env(target_metadata: MetaData | list[MetaData]) -> None:
    """Body of every service's migrations/env.py: run the migrations online, over asyncpg."""
    from alembic import context

    url = context.config.attributes[_URL_KEY]

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection, target_metadata=target_metadata, compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


def create_event_tables() -> None:
    """Create the outbox and inbox tables (call from a service's first revision)."""
    from alembic import op

    from career_kit.tables import event_tables

    for table in event_tables():
        table.create(op.get_bind())


def drop_event_tables() -> None:
    """Drop what `create_event_tables` created (downgrade of a service's first revision)."""
    from alembic import op

    from career_kit.tables import event_tables

    for table in reversed(event_tables()):
        table.drop(op.get_bind())


def create_idempotency_table() -> None:
    """Create the idempotency-key table (career_kit.idempotency) in a service's revision."""
    from alembic import op

    from career_kit.tables import idempotency_keys

    idempotency_keys.create(op.get_bind())


def drop_idempotency_table() -> None:
    """Drop what `create_idempotency_table` created (that revision's downgrade)."""
    from alembic import op

    from career_kit.tables import idempotency_keys

    idempotency_keys.drop(op.get_bind())
