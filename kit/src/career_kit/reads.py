"""Hot reads straight through asyncpg: a SQLAlchemy Core SELECT compiled once, run on a pool of
plain asyncpg connections, its rows optionally turned into instances of an ORM class.

Every RPC on a signed-in page load reads a row or two (GetMe, a CV, a saved job). Through an
`AsyncSession` such a read costs about 0.8 ms of CPU (pool checkout and check-in, session and
transaction state, greenlet switches, ORM loading), twenty times what asyncpg itself needs
(0.04 ms); the gRPC server's own floor is half a millisecond. So the kit offers, next to the
unit of work, a narrow path for reads that need no transaction: the statement is still written
with SQLAlchemy (the same models, no SQL strings) and compiled once when the module loads;
running it costs a pool acquire and one `fetch`.

    USER_BY_ID = Select(select(User).where(User.id == bindparam("id")), entity=User)
    user = await reader.one_or_none(USER_BY_ID, id=user_id)

What comes back is what the unit of work would have loaded: the columns' SQLAlchemy result
processors are applied (JSONB decoded, arrays, type decorators), and with `entity` each row
becomes a transient instance of that class (not attached to any session: reading its columns
works, lazy-loading a relationship does not). Each statement runs on its own, as PostgreSQL
autocommits it, so work that needs several reads to agree, or that writes, uses the unit of
work. `Reader` (the pool) belongs to `Database` (career_kit.db), which opens it lazily and
closes it with the engine.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import asyncpg
from sqlalchemy import Select as CoreSelect
from sqlalchemy import inspect
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

T = TypeVar("T")

_DIALECT = asyncpg_dialect()
_Processor = Callable[[Any], Any]


class Select(Generic[T]):
    """A SELECT compiled for asyncpg once; its bound parameters are named with `bindparam`."""

    def __init__(self, statement: CoreSelect[Any], *, entity: type[T] | None = None) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = compiled.string
        # asyncpg's dialect numbers its placeholders ($1, $2, ...) in this order.
        self._params: list[tuple[str, _Processor | None]] = [
            (name, compiled.binds[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT))
            for name in compiled.positiontup or ()
        ]
        columns = list(statement.selected_columns)
        self._processors: list[_Processor | None] = [
            column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None)
            for column in columns]
        self._entity = entity
        self._attributes: list[str] = []
        if entity is not None:
            mapper = inspect(entity)
            self._attributes = [mapper.get_property_by_column(column).key for column in columns]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The bound values in placeholder order (TypeError naming what is missing)."""
        try:
            return [process(params[name]) if process else params[name]
                    for name, process in self._params]
        except KeyError:
            missing = sorted({name for name, _ in self._params} - set(params))
            raise TypeError(f"missing query parameters: {missing}") from None

    def load(self, record: asyncpg.Record) -> Any:
        """The row as the unit of work would have loaded it (module docstring)."""
        values = [process(value) if process else value
                  for value, process in zip(record.values(), self._processors, strict=True)]
        if self._entity is None:
            return tuple(values)
        return self._entity(**dict(zip(self._attributes, values, strict=True)))


class Reader:
    """A pool of plain asyncpg connections for `Select`s, opened on first use."""

    def __init__(self, url: str, *, max_size: int) -> None:
        self._url = url
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def one_or_none(self, query: Select[T], **params: Any) -> T | None:
        """The one row `query` finds, or None (ValueError if it finds several)."""
        records = await self._fetch(query, params)
        if len(records) > 1:
            raise ValueError("the query found more than one row")
        return query.load(records[0]) if records else None

    async def all(self, query: Select[T], **params: Any) -> list[T]:
        return [query.load(record) for record in await self._fetch(query, params)]

    async def _fetch(self, query: Select[Any], params: Mapping[str, Any]
                     ) -> Sequence[asyncpg.Record]:
        pool = self._pool or await self._open()
        async with pool.acquire() as connection:
            return await connection.fetch(query.sql, *query.arguments(params))

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._url, min_size=1, max_size=self._max_size, init=_json_codecs,
                    reset=_nothing_to_reset)
            return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
    """These connections only run SELECTs, so no session state (settings, LISTENs, advisory
    locks) ever needs resetting; asyncpg's default reset is a round trip on every release.
    (asyncpg still rolls back a transaction left open, which it tracks without one.)"""


async def _json_codecs(connection: asyncpg.Connection) -> None:
    # As SQLAlchemy's asyncpg dialect sets them: JSON and JSONB arrive decoded.
    for name in ("json", "jsonb"):
        await connection.set_type_codec(name, encoder=json.dumps, decoder=json.loads,
                                        schema="pg_catalog")
