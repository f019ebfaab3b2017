"""What a service's integration tests do with the service under test: call its RPCs as the
gateway would for a user, expect a status, read its tables, and read what it published.

Each service's tests/conftest.py builds the real service (migrated database, kit gRPC server)
and subclasses `ServiceHarness` with its own helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
import pytest
from sqlalchemy import text

from career_kit import context
from career_kit.db import Database

M = TypeVar("M")


@dataclass
class ServiceHarness:
    stub: Any
    db: Database

    async def call(self, method: str, request: Any, *, as_user: str | None = None) -> Any:
        """Call an RPC, as the gateway would for `as_user` (or anonymously / as a service)."""
        token = context.caller.set(context.Caller(as_user) if as_user else None)
        try:
            return await getattr(self.stub, method)(request)
        finally:
            context.caller.reset(token)

    async def error(self, method: str, request: Any, *, as_user: str | None = None
                    ) -> grpc.aio.AioRpcError:
        """The status an RPC fails with (fails the test if it succeeds)."""
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await self.call(method, request, as_user=as_user)
        return caught.value

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.db.transaction() as session:
            result = await session.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []

    async def published(self, event_type: str, message_type: type[M]) -> list[M]:
        """Payloads of the outbox's `event_type` events, oldest first."""
        rows = await self.rows("SELECT payload FROM event_outbox WHERE event_type = :type "
                               "ORDER BY seq", type=event_type)
        return [message_type.FromString(payload) for (payload,) in rows]
