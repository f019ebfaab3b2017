"""Tables of the auth service. Alembic compares migrations against `metadata`."""

from sqlalchemy.orm import DeclarativeBase

from career_kit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
