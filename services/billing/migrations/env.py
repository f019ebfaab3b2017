"""Alembic environment of the billing service (the platform runs every service's the same way)."""

from billing.models import Base
from career_kit.migrations import run_env
from career_kit.tables import metadata as platform_metadata

run_env([Base.metadata, platform_metadata])
