"""What notify reacts to: auth's user events and billing's subscription and payment events
become e-mails; a deleted user's records go."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from career.auth.v1 import events_pb2
from career.billing.v1 import events_pb2 as billing_pb2
from career_kit.conversions import EnumNames
from career_kit.events import Subscription
from career_kit.events.envelope import ReceivedEvent
from notify.repository import SentEmails
from notify.service import EmailNotifier
from notify.templates import format_money

log = logging.getLogger(__name__)

BILLING_SETTINGS_PATH = "/settings/billing"
# Plans by the proto's names; shown capitalised ("Pro"), the product name in every language. A
# plan this build does not know yet shows no name rather than failing the e-mail.
PLANS = EnumNames(billing_pb2.Plan, "PLAN_")


def plan_name(value: int) -> str:
    return (PLANS.name_of(value) or "").capitalize()


def _expires(message) -> str:
    if not message.HasField("expires_at"):
        return ""
    return message.expires_at.ToDatetime().strftime("%Y-%m-%d %H:%M UTC")


def _date(message, field: str) -> str:
    """A billing date as YYYY-MM-DD (UTC), or "" when the event leaves it unset."""
    if not message.HasField(field):
        return ""
    return getattr(message, field).ToDatetime().strftime("%Y-%m-%d")


def _money(message, field: str) -> str:
    return format_money(getattr(message, field)) if message.HasField(field) else ""


class UserEmailConsumers:
    def __init__(self, notifier: EmailNotifier) -> None:
        self.notifier = notifier

    async def on_user_registered(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(events_pb2.UserRegistered)
        await self.notifier.deliver(
            event_id=event.id, template="welcome", user_id=data.user_id, recipient=data.email,
            language=data.language, context={"name": data.name})

    async def on_email_verification_requested(self, session: AsyncSession,
                                              event: ReceivedEvent) -> None:
        data = event.parse(events_pb2.EmailVerificationRequested)
        await self.notifier.deliver(
            event_id=event.id, template="verify_email", user_id=data.user_id,
            recipient=data.email, language=data.language,
            context={"name": data.name, "expires_at": _expires(data),
                     "link": self.notifier.app_link("/verify-email", token=data.token)})

    async def on_password_reset_requested(self, session: AsyncSession,
                                          event: ReceivedEvent) -> None:
        data = event.parse(events_pb2.PasswordResetRequested)
        await self.notifier.deliver(
            event_id=event.id, template="password_reset", user_id=data.user_id,
            recipient=data.email, language=data.language,
            context={"name": data.name, "expires_at": _expires(data),
                     "link": self.notifier.app_link("/reset-password", token=data.token)})

    async def on_sign_up_attempted(self, session: AsyncSession, event: ReceivedEvent) -> None:
        """Someone registered with this account's address: tell its owner how to get in."""
        data = event.parse(events_pb2.SignUpAttempted)
        await self.notifier.deliver(
            event_id=event.id, template="account_exists", user_id=data.user_id,
            recipient=data.email, language=data.language,
            context={"name": data.name, "sign_in_link": self.notifier.app_link("/login"),
                     "reset_link": self.notifier.app_link("/forgot-password")})

    async def on_user_deleted(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(events_pb2.UserDeleted)
        await SentEmails(session).delete_for_user(data.user_id)

    def subscriptions(self, *, backoff: list[float], max_deliver: int) -> list[Subscription]:
        mail = {"backoff": tuple(backoff), "max_deliver": max_deliver}
        return [
            Subscription("user.registered", self.on_user_registered, **mail),
            Subscription("user.email_verification_requested",
                         self.on_email_verification_requested, **mail),
            Subscription("user.password_reset_requested", self.on_password_reset_requested,
                         **mail),
            Subscription("user.sign_up_attempted", self.on_sign_up_attempted, **mail),
            Subscription("user.deleted", self.on_user_deleted),
        ]


class BillingEmailConsumers:
    """billing's subscription and payment events as e-mails. The recipient travels in the
    event, so no user lookup is needed; payment.succeeded sends nothing (Stripe sends the
    receipt)."""

    def __init__(self, notifier: EmailNotifier) -> None:
        self.notifier = notifier

    async def _mail(self, event: ReceivedEvent, data: Any, template: str,
                    context: dict[str, Any]) -> None:
        """Send `template` to the event's recipient, greeting them by name."""
        recipient = data.recipient
        if not recipient.email.strip():
            # Users who registered before billing existed may have no address in billing yet;
            # retrying cannot produce one, so the event is acknowledged without an e-mail.
            log.warning("billing event has no recipient e-mail; nothing sent",
                        extra={"event_id": str(event.id), "event_type": event.type,
                               "user_id": data.user_id})
            return
        await self.notifier.deliver(
            event_id=event.id, template=template, user_id=data.user_id,
            recipient=recipient.email.strip(), language=recipient.language,
            context={"name": recipient.name, **context})

    async def on_subscription_started(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(billing_pb2.SubscriptionStarted)
        await self._mail(event, data, "subscription_confirmed", {
            "plan": plan_name(data.plan), "price": _money(data, "price"),
            "next_billing_date": _date(data, "current_period_end"),
            "link": self.notifier.app_link(BILLING_SETTINGS_PATH)})

    async def on_subscription_cancelled(self, session: AsyncSession,
                                        event: ReceivedEvent) -> None:
        data = event.parse(billing_pb2.SubscriptionCancelled)
        await self._mail(event, data, "subscription_cancelled", {
            "plan": plan_name(data.plan), "at_period_end": data.at_period_end,
            "ends_at": _date(data, "ends_at"),
            "link": self.notifier.app_link(BILLING_SETTINGS_PATH)})

    async def on_payment_failed(self, session: AsyncSession, event: ReceivedEvent) -> None:
        data = event.parse(billing_pb2.PaymentFailed)
        await self._mail(event, data, "payment_failed", {
            "amount": _money(data, "amount"), "next_attempt_at": _date(data, "next_attempt_at"),
            "link": self._invoice_link(data.hosted_invoice_url)})

    def _invoice_link(self, hosted_invoice_url: str) -> str:
        """The provider's invoice page, where the user can pay and change the card; our billing
        settings when there is none. Only http(s): the URL goes into the e-mail as a link."""
        if urlsplit(hosted_invoice_url).scheme in ("https", "http"):
            return hosted_invoice_url
        return self.notifier.app_link(BILLING_SETTINGS_PATH)

    def subscriptions(self, *, backoff: list[float], max_deliver: int) -> list[Subscription]:
        """Subscribing here is also what declares the subscription and payment streams at
        start-up (the runtime ensures the stream of every subscribed domain), so notify can
        start before billing has published anything."""
        mail = {"backoff": tuple(backoff), "max_deliver": max_deliver}
        return [
            Subscription("subscription.started", self.on_subscription_started, **mail),
            Subscription("subscription.cancelled", self.on_subscription_cancelled, **mail),
            Subscription("payment.failed", self.on_payment_failed, **mail),
        ]
