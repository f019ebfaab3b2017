"""Alembic environment of the jobs service (the platform runs every service's the same way)."""

from career_kit.migrations import run_env
from career_kit.tables import metadata as platform_metadata
from jobs.models import Base

run_env([Base.metadata, platform_metadata])
