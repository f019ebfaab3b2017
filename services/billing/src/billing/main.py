"""Composition root of the billing service: `python -m billing.main serve|migrate`."""

from billing.config import Settings
from career_kit.service import Components, Resources, ServiceRuntime


def compose(resources: Resources) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes)."""
    return Components()


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
