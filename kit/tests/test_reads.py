"""Hot reads through career_kit.reads on real PostgreSQL: what they return is what the unit of
work would load, parameters are checked, and a pooled connection that the server closed is
replaced without the caller noticing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import ARRAY, Integer, Text, bindparam, select
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from career_kit.db import Database, sync_url
from career_kit.reads import Select


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    title: Mapped[str] = mapped_column("heading", Text)  # attribute and column names differ
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text))
    body: Mapped[dict] = mapped_column(JSONB)
    owner: Mapped[int] = mapped_column(Integer)


NOTE_BY_ID = Select(select(Note).where(Note.id == bindparam("id")), entity=Note)
TITLES_OF = Select(select(Note.title, Note.body).where(Note.owner == bindparam("owner"))
                   .order_by(Note.title))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=2)
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


async def _add(db: Database, owner: int, title: str) -> uuid.UUID:
    note = Note(id=uuid.uuid4(), title=title, tags=["a", "b"],
                body={"text": title, "nested": [1, {"x": None}]}, owner=owner)
    async with db.transaction() as session:
        session.add(note)
    return note.id


async def test_a_row_comes_back_as_the_unit_of_work_loads_it(db: Database) -> None:
    note_id = await _add(db, 1, "first")
    read = await db.reads.one_or_none(NOTE_BY_ID, id=note_id)
    async with db.transaction() as session:
        loaded = await session.get(Note, note_id)
    assert isinstance(read, Note)
    assert (read.id, read.title, read.tags, read.body, read.owner) == \
        (loaded.id, loaded.title, loaded.tags, loaded.body, loaded.owner)
    assert read.body == {"text": "first", "nested": [1, {"x": None}]}
    assert await db.reads.one_or_none(NOTE_BY_ID, id=uuid.uuid4()) is None


async def test_columns_without_an_entity_come_back_as_tuples(db: Database) -> None:
    await _add(db, 7, "b")
    await _add(db, 7, "a")
    await _add(db, 8, "other")
    rows = await db.reads.all(TITLES_OF, owner=7)
    assert rows == [("a", {"text": "a", "nested": [1, {"x": None}]}),
                    ("b", {"text": "b", "nested": [1, {"x": None}]})]


async def test_a_missing_parameter_and_several_rows_for_one_are_errors(db: Database) -> None:
    await _add(db, 3, "x")
    await _add(db, 3, "y")
    with pytest.raises(TypeError, match="owner"):
        await db.reads.all(TITLES_OF)
    with pytest.raises(ValueError, match="more than one"):
        await db.reads.one_or_none(TITLES_OF, owner=3)


async def test_connections_the_server_closed_are_replaced(db: Database) -> None:
    note_id = await _add(db, 1, "kept")
    assert await db.reads.one_or_none(NOTE_BY_ID, id=note_id) is not None
    # Every idle connection of this database (both pools') ended by the server, as a restart
    # or a failover would: neither pool may hand a dead one to a caller.
    admin = await asyncpg.connect(sync_url(db.url))
    try:
        ended = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await admin.close()
    assert ended >= 2
    await asyncio.sleep(0.2)  # for the loop to read the closed sockets' end
    for _ in range(3):
        async with db.transaction() as session:
            assert (await session.get(Note, note_id)) is not None
        assert await db.reads.one_or_none(NOTE_BY_ID, id=note_id) is not None
