"""Alembic environment of the billing service (the platform runs every service's the same way)."""

from billing.models import Base
from career_kit.events.tables import metadata as event_metadata
from career_kit.migrations import run_env

run_env([Base.metadata, event_metadata])
