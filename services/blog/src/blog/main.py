"""Composition root of the blog service: `python -m blog.main serve|migrate`."""

from blog.config import Settings
from career_kit.service import Components, Resources, ServiceRuntime


def compose(resources: Resources[Settings]) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes)."""
    return Components()


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
