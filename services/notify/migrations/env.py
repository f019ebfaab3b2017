"""Alembic environment of the notify service (the platform runs every service's the same way)."""

from career_kit.events.tables import metadata as event_metadata
from career_kit.migrations import run_env
from notify.models import Base

run_env([Base.metadata, event_metadata])
