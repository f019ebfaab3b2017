"""Composition root of the blog service: `python -m blog.main serve|migrate`."""

from pathlib import Path

from career_kit.service import Components, Resources, ServiceRuntime

from blog.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def compose(resources: Resources) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes)."""
    return Components()


def main() -> None:
    ServiceRuntime(Settings(), MIGRATIONS_DIR, compose).main()


if __name__ == "__main__":
    main()
