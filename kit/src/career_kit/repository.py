"""The repository convention of every service.

A repository holds the SQL of one aggregate and is bound to the session of the unit of work it
serves: `Users(session).get(user_id)`. It is made where the work is done (cheap: it holds only
the session), flushes when a caller needs database-generated values, and never commits — the
unit of work (career_kit.unit_of_work) does, together with the outbox rows.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    """Base of a service's repositories: SQL on one aggregate, inside one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
