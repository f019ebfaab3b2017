"""Alembic environment of the auth service (the platform runs every service's the same way)."""

from auth.models import Base
from career_kit.migrations import run_env
from career_kit.tables import metadata as platform_metadata

run_env([Base.metadata, platform_metadata])
