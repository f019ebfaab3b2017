"""Every service's hand-written migrations create exactly what its models declare (plus the
platform's event tables), and downgrade to nothing and back up cleanly."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from career_kit.migrations import alembic_config, upgrade
from career_kit.tables import metadata as platform_metadata
from devstack.stack import SERVICES

SERVICES_DIR = Path(__file__).resolve().parent


async def _differences(database_url: str, metadata: MetaData) -> list:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}),
                [metadata, platform_metadata]))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models_and_downgrade(service, database_url) -> None:
    metadata = importlib.import_module(f"{service}.models").Base.metadata
    migrations = SERVICES_DIR / service / "migrations"
    await asyncio.to_thread(upgrade, migrations, database_url)
    assert await _differences(database_url, metadata) == []
    await asyncio.to_thread(command.downgrade, alembic_config(migrations, database_url), "base")
    missing = await _differences(database_url, metadata)
    # Everything is gone: only additions would bring the schema back.
    assert missing and {diff[0] for diff in missing} <= {"add_table", "add_index"}
    await asyncio.to_thread(upgrade, migrations, database_url)
    assert await _differences(database_url, metadata) == []
