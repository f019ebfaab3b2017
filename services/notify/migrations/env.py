"""Alembic environment of the notify service (the platform runs every service's the same way)."""

from career_kit.migrations import run_env
from career_kit.tables import metadata as platform_metadata
from notify.models import Base

run_env([Base.metadata, platform_metadata])
