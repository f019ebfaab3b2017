"""`python -m devstack.migrate` (`make migrate`): every service's migrations, one service after
the other in this one process, each to the database its `<NAME>_DATABASE_URL` names.

The same revisions `python -m <name>.main migrate` applies (what a deployment runs per
service); one process rather than seven spares the dev stack and the end-to-end tests six
interpreter and Alembic start-ups each time they start the platform.
"""

from __future__ import annotations

import importlib
import logging
import sys

from career_kit import registry
from career_kit.logs import configure_logging
from career_kit.migrations import upgrade
from career_kit.service import migrations_dir

log = logging.getLogger("devstack.migrate")


def migrate_all() -> None:
    for service in registry.SERVICES:
        settings_type = importlib.import_module(f"{service.name}.config").Settings
        upgrade(migrations_dir(settings_type), settings_type().database_url)
        log.info("migrations applied", extra={"migrated": service.name})


def main() -> None:
    configure_logging("migrate", "INFO")
    try:
        migrate_all()
    except Exception:
        log.exception("migrations failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
