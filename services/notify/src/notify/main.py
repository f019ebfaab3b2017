"""Composition root of the notify service: `python -m notify.main serve|migrate`."""

from career_kit.service import Components, Resources, ServiceRuntime
from notify.config import Settings
from notify.consumers import BillingEmailConsumers, UserEmailConsumers
from notify.email import build_sender
from notify.service import EmailNotifier


def compose(resources: Resources[Settings]) -> Components:
    """Wire the domain onto the runtime's resources (servicers, subscriptions, routes); the
    EmailNotifier is the domain the service's tests reach (`Components.domain`)."""
    settings = resources.settings
    notifier = EmailNotifier(resources.db, build_sender(settings),
                             sender_address=settings.email_from,
                             app_base_url=settings.app_base_url)
    retries = {"backoff": settings.email_retry_backoff_seconds,
               "max_deliver": settings.email_max_deliver}
    return Components(subscriptions=[
        *UserEmailConsumers(notifier).subscriptions(**retries),
        *BillingEmailConsumers(notifier).subscriptions(**retries),
    ], domain=notifier)


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
