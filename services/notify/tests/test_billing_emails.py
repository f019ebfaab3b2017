"""billing's subscription and payment events, published on real JetStream, become e-mails
exactly once, in the recipient's language, with the amounts, dates and links they need."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime

import pytest
from nats.js.errors import NotFoundError

from career.billing.v1 import events_pb2
from career.common.v1.money_pb2 import Money
from career_kit.events import Event
from career_kit.events.envelope import H_NATS_MSG_ID
from career_kit.events.streams import stream_for, subject_for
from notify.templates import format_money

PERIOD_END = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
NEXT_ATTEMPT = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
INVOICE_URL = "https://invoice.stripe.com/i/acct_1Nv0FG/test_YWNjdF8xTnYw"


def recipient(email: str, language: str = "en", name: str = "Ann") -> events_pb2.Recipient:
    return events_pb2.Recipient(email=email, name=name, language=language)


def started(email: str, language: str = "en") -> events_pb2.SubscriptionStarted:
    return events_pb2.SubscriptionStarted(
        user_id=str(uuid.uuid4()), plan=events_pb2.PLAN_PRO,
        price=Money(currency_code="USD", units=29, nanos=990_000_000),
        current_period_end=PERIOD_END, recipient=recipient(email, language))


def cancelled(email: str, language: str = "en", *, at_period_end: bool = True
              ) -> events_pb2.SubscriptionCancelled:
    return events_pb2.SubscriptionCancelled(
        user_id=str(uuid.uuid4()), plan=events_pb2.PLAN_PREMIUM, at_period_end=at_period_end,
        ends_at=PERIOD_END, recipient=recipient(email, language))


def payment_failed(email: str, language: str = "en", *, will_retry: bool = True
                   ) -> events_pb2.PaymentFailed:
    data = events_pb2.PaymentFailed(
        user_id=str(uuid.uuid4()), invoice_id="in_1Nv0FG", hosted_invoice_url=INVOICE_URL,
        amount=Money(currency_code="EUR", units=12), recipient=recipient(email, language))
    if will_retry:
        data.next_attempt_at.FromDatetime(NEXT_ATTEMPT)
    return data


@pytest.fixture
def notify_overrides(catcher):
    """These tests read the mail from the SMTP catcher."""
    return {"email_provider": "smtp", "smtp_host": "127.0.0.1", "smtp_port": catcher.smtp_port}


async def deliver_twice(notify, event_type: str, data) -> Event:
    """Publish the event, then the same envelope again past JetStream's de-duplication (as a
    relay that crashed before marking it published would); wait until both are acked."""
    event = await notify.publish(event_type, data, source="billing")
    seq = await notify.republish(event, dedupe=False, source="billing")
    await asyncio.wait_for(_acked(notify, event_type, seq), 15)
    return event


async def _acked(notify, event_type: str, seq: int) -> None:
    # The durable consumer only exists once notify's consumer loop has subscribed.
    while True:
        with contextlib.suppress(NotFoundError):
            if await notify.acked_up_to(event_type, seq):
                return
        await asyncio.sleep(0.05)


async def sent_row(notify, event: Event):
    [row] = await notify.rows(
        "SELECT template, status, attempts, language, user_id FROM sent_emails "
        "WHERE event_id = :id", id=event.id)
    return row


async def test_subscription_started_sends_one_confirmation(notify, catcher, app_url):
    data = started("ann@example.com")
    event = await deliver_twice(notify, "subscription.started", data)
    [mail] = catcher.messages(to="ann@example.com")
    assert mail.subject == "Your Career Tools subscription is active"
    for body in (mail.text, mail.html):
        assert "Pro" in body
        assert "$29.99 per month" in body
        assert "2026-04-01" in body
        assert f"{app_url}/settings/billing" in body
    row = await sent_row(notify, event)
    assert tuple(row) == ("subscription_confirmed", "sent", 1, "en", data.user_id)


async def test_cancellation_at_period_end_sends_one_mail_with_the_access_date(
        notify, catcher, app_url):
    event = await deliver_twice(notify, "subscription.cancelled", cancelled("bo@example.com"))
    [mail] = catcher.messages(to="bo@example.com")
    assert mail.subject == "Your Career Tools subscription has been cancelled"
    assert "Premium subscription has been cancelled and will not renew" in mail.text
    assert "until 2026-04-01" in mail.text and "until 2026-04-01" in mail.html
    assert f"resume it before it ends: {app_url}/settings/billing" in mail.text
    assert f'href="{app_url}/settings/billing">Resume my subscription' in mail.html
    assert (await sent_row(notify, event)).template == "subscription_cancelled"


async def test_immediate_cancellation_says_the_subscription_ended(notify, catcher, app_url,
                                                                  eventually):
    await notify.publish("subscription.cancelled",
                         cancelled("cy@example.com", at_period_end=False), source="billing")
    [mail] = await eventually(lambda: catcher.messages(to="cy@example.com"))
    assert "Premium subscription has ended on 2026-04-01" in mail.text
    assert f"subscribe again at any time: {app_url}/settings/billing" in mail.text
    assert "resume" not in mail.text.lower()


async def test_failed_payment_sends_one_mail_with_amount_invoice_and_next_attempt(
        notify, catcher):
    event = await deliver_twice(notify, "payment.failed", payment_failed("di@example.com"))
    [mail] = catcher.messages(to="di@example.com")
    assert mail.subject == "Your Career Tools payment did not go through"
    for body in (mail.text, mail.html):
        assert "payment of €12.00" in body
        assert INVOICE_URL in body
        assert "try the payment again on 2026-03-04" in body
    assert (await sent_row(notify, event)).template == "payment_failed"


async def test_failed_payment_without_retry_says_none_will_happen(notify, catcher, eventually):
    await notify.publish("payment.failed", payment_failed("ed@example.com", will_retry=False),
                         source="billing")
    [mail] = await eventually(lambda: catcher.messages(to="ed@example.com"))
    assert "will not try this payment again automatically" in mail.text
    assert "try the payment again on" not in mail.text


async def test_failed_payment_without_invoice_page_links_billing_settings(
        notify, catcher, eventually, app_url):
    data = payment_failed("fe@example.com")
    data.hosted_invoice_url = ""
    await notify.publish("payment.failed", data, source="billing")
    [mail] = await eventually(lambda: catcher.messages(to="fe@example.com"))
    assert f"pay the invoice here: {app_url}/settings/billing" in mail.text


@pytest.mark.parametrize(("event_type", "data", "subject", "phrases"), [
    ("subscription.started", started("es1@example.com", "es"),
     "Tu suscripción a Career Tools está activa",
     ["Hola Ann:", "$29.99 al mes", "Próxima fecha de cobro: 2026-04-01",
      "{app_url}/settings/billing"]),
    ("subscription.cancelled", cancelled("es2@example.com", "es-ES"),
     "Tu suscripción a Career Tools se ha cancelado",
     ["Hola Ann:", "hasta el 2026-04-01", "Puedes reanudarla antes de que termine: "
      "{app_url}/settings/billing"]),
    ("payment.failed", payment_failed("es3@example.com", "es"),
     "No hemos podido cobrar tu pago de Career Tools",
     ["Hola Ann:", "el importe de €12.00", INVOICE_URL,
      "Volveremos a intentar el cobro el 2026-03-04"]),
], ids=["subscription_confirmed", "subscription_cancelled", "payment_failed"])
async def test_spanish_recipient_gets_the_spanish_mail(notify, catcher, eventually, app_url,
                                                       event_type, data, subject, phrases):
    event = await notify.publish(event_type, data, source="billing")
    [mail] = await eventually(lambda: catcher.messages(to=data.recipient.email))
    assert mail.subject == subject
    for phrase in phrases:
        assert phrase.format(app_url=app_url) in mail.text
    assert '<html lang="es">' in mail.html
    assert (await sent_row(notify, event)).language == "es"


async def test_event_without_recipient_address_is_acked_and_skipped(notify, catcher, caplog):
    data = payment_failed("")
    caplog.set_level(logging.WARNING, logger="notify.consumers")
    event = await notify.publish("payment.failed", data, source="billing")
    seq = await notify.republish(event, dedupe=False, source="billing")
    await asyncio.wait_for(_acked(notify, "payment.failed", seq), 15)
    assert catcher.messages() == []
    assert await notify.rows("SELECT 1 FROM sent_emails") == []
    # Acknowledged through the inbox, not parked as a failure.
    assert await notify.rows("SELECT 1 FROM event_inbox WHERE event_id = :id", id=event.id)
    [record] = [r for r in caplog.records if "no recipient e-mail" in r.getMessage()]
    assert record.event_id == str(event.id) and record.user_id == data.user_id


async def _equal(names, expected: set[str]) -> bool:
    return await names == expected


async def test_notify_started_before_billing_declares_its_streams(notify, catcher, eventually):
    """The real runtime, on a NATS where billing never declared anything: notify creates the
    subscription and payment streams, consumes from them, and leaves payment.succeeded alone."""
    async def consumers_on(domain: str) -> set[str]:
        with contextlib.suppress(NotFoundError):
            return {c.name for c in
                    await notify.js.consumers_info(stream_for(domain, notify.namespace))}
        return set()

    subscription = {"notify-subscription-started", "notify-subscription-cancelled"}
    payment = {"notify-payment-failed"}
    # Each consumer appears when its loop subscribes: wait for the whole set.
    assert await eventually(lambda: _equal(consumers_on("subscription"), subscription))
    assert await eventually(lambda: _equal(consumers_on("payment"), payment))

    event = Event("payment.failed", payment_failed("late@example.com"))
    headers = {**event.headers("billing"), H_NATS_MSG_ID: str(event.id)}
    await notify.js.publish(subject_for(event.type, notify.namespace),
                            event.data.SerializeToString(), headers=headers)
    [mail] = await eventually(lambda: catcher.messages(to="late@example.com"))
    assert "payment of €12.00" in mail.text


@pytest.mark.parametrize(("money", "shown"), [
    (Money(currency_code="USD", units=29, nanos=990_000_000), "$29.99"),
    (Money(currency_code="EUR", units=12), "€12.00"),
    (Money(currency_code="GBP", units=12), "12.00 GBP"),
    (Money(currency_code="usd", units=0, nanos=5_000_000), "$0.01"),
    (Money(currency_code="USD", units=-1, nanos=-750_000_000), "-$1.75"),
    (Money(currency_code="JPY", units=1500), "1500 JPY"),
    (Money(currency_code="KWD", units=3, nanos=125_000_000), "3.125 KWD"),
])
def test_money_is_shown_with_its_currency(money, shown):
    assert format_money(money) == shown
