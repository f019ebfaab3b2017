"""The hand-written migrations create exactly what models.py declares, and downgrade cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from career_kit.events.tables import metadata as event_metadata
from career_kit.migrations import alembic_config, upgrade
from notify.models import Base

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


async def _differences(database_url: str) -> list:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}),
                [Base.metadata, event_metadata]))
    finally:
        await engine.dispose()


async def test_migrations_match_the_models_and_downgrade(database_url) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    assert await _differences(database_url) == []
    config = alembic_config(MIGRATIONS, database_url)
    await asyncio.to_thread(command.downgrade, config, "0001")
    assert {type(d) for d in await _differences(database_url)} == {tuple}  # tables missing now
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    assert await _differences(database_url) == []
