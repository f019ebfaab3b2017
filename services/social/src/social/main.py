"""Composition root of the social service: `python -m social.main serve|migrate`."""

from career_kit.service import Components, Resources, ServiceRuntime
from social.config import Settings


def compose(resources: Resources[Settings]) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes)."""
    return Components()


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
