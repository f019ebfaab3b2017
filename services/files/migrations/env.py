"""Alembic environment of the files service (the platform runs every service's the same way)."""

from career_kit.migrations import run_env
from career_kit.tables import metadata as platform_metadata
from files.models import Base

run_env([Base.metadata, platform_metadata])
