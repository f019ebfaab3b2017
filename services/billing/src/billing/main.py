"""Composition root of the billing service: `python -m billing.main serve|migrate`."""

from pathlib import Path

from career_kit.service import Components, Resources, ServiceRuntime

from billing.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def compose(resources: Resources) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes)."""
    return Components()


def main() -> None:
    ServiceRuntime(Settings(), MIGRATIONS_DIR, compose).main()


if __name__ == "__main__":
    main()
