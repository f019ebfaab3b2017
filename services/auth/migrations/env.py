"""Alembic environment of the auth service (the platform runs every service's the same way)."""

from auth.models import Base
from career_kit.events.tables import metadata as event_metadata
from career_kit.migrations import run_env

run_env([Base.metadata, event_metadata])
