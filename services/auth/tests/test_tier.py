"""The tier follows billing's subscription.updated, consumed through the kit's durable consumer
and inbox: the plan billing entitles the user to (billing owns that rule; auth reads
`entitled_plan`), stale versions ignored, admins never downgraded, events from a billing that
predates `entitled_plan` ignored."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from career.auth.v1 import auth_pb2, events_pb2
from career.billing.v1 import events_pb2 as billing
from career_kit.events import Event, EventConsumer
from career_kit.events.envelope import H_NATS_MSG_ID
from career_kit.events.streams import ensure_dead_letter_stream, ensure_stream, subject_for

CONSUMER = "auth-subscription-updated"
ACTIVE = billing.SUBSCRIPTION_STATUS_ACTIVE
CANCELED = billing.SUBSCRIPTION_STATUS_CANCELED
PAST_DUE = billing.SUBSCRIPTION_STATUS_PAST_DUE


class Billing:
    """Publishes subscription.updated the way billing's outbox relay does."""

    def __init__(self, auth) -> None:
        self.auth = auth
        self.js = auth.nats.jetstream()
        self.namespace = auth.settings.platform.events_namespace
        self.sent = 0

    async def publish(self, user_id: str, plan: int, status: int, version: int, *,
                      entitled: int) -> Event:
        event = Event("subscription.updated", billing.SubscriptionUpdated(
            user_id=user_id, plan=plan, status=status, version=version,
            entitled_plan=entitled), subject=user_id)
        return await self.send(event)

    async def send(self, event: Event) -> Event:
        """Publish `event` (again), under a new Nats-Msg-Id: JetStream keeps the copy."""
        headers = {**event.headers("billing"), H_NATS_MSG_ID: uuid.uuid4().hex}
        await self.js.publish(subject_for(event.type, self.namespace),
                              event.data.SerializeToString(), headers=headers)
        self.sent += 1
        return event

    async def settled(self, handled: int) -> None:
        """Wait until the consumer has recorded `handled` distinct events in its inbox."""
        for _ in range(200):
            async with self.auth.db.sessions() as session:
                count = await session.scalar(text(
                    "SELECT count(*) FROM event_inbox WHERE consumer = :c"), {"c": CONSUMER})
            if count >= handled:
                await asyncio.sleep(0.2)  # and has acked it (and any duplicate) too
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the consumer handled {count} events, not {handled}")


@pytest.fixture
async def billing_events(auth) -> AsyncIterator[Billing]:
    publisher = Billing(auth)
    await ensure_stream(publisher.js, "subscription", publisher.namespace)
    await ensure_dead_letter_stream(publisher.js, publisher.namespace)
    consumer = EventConsumer("auth", auth.db, publisher.js, auth.subscriptions,
                             namespace=publisher.namespace)
    task = asyncio.create_task(consumer.run())
    try:
        yield publisher
    finally:
        consumer.stop()
        await asyncio.wait_for(task, 10)


async def _tier(auth, user_id: str) -> int:
    return (await auth.call("GetMe", auth_pb2.GetMeRequest(), as_user=user_id)).tier


async def _changes(auth) -> list[tuple[str, int, int]]:
    return [(c.user_id, c.old_tier, c.new_tier)
            for c in await auth.published("user.tier_changed", events_pb2.UserTierChanged)]


async def test_tier_follows_the_newest_subscription_version(auth, billing_events) -> None:
    ada = await auth.register()

    await billing_events.publish(ada.id, billing.PLAN_PRO, ACTIVE, version=2,
                                 entitled=billing.PLAN_PRO)
    await billing_events.settled(1)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_PRO
    assert await _changes(auth) == [(ada.id, auth_pb2.TIER_FREE, auth_pb2.TIER_PRO)]

    # An older version arriving late changes nothing, nor does the same version again.
    await billing_events.publish(ada.id, billing.PLAN_PREMIUM, ACTIVE, version=1,
                                 entitled=billing.PLAN_PREMIUM)
    await billing_events.publish(ada.id, billing.PLAN_FREE, CANCELED, version=2,
                                 entitled=billing.PLAN_FREE)
    await billing_events.settled(3)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_PRO

    await billing_events.publish(ada.id, billing.PLAN_PREMIUM,
                                 billing.SUBSCRIPTION_STATUS_TRIALING, version=3,
                                 entitled=billing.PLAN_PREMIUM)
    await billing_events.publish(ada.id, billing.PLAN_PREMIUM, PAST_DUE, version=4,
                                 entitled=billing.PLAN_PREMIUM)
    await billing_events.settled(5)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_PREMIUM

    cancelled = await billing_events.publish(ada.id, billing.PLAN_PREMIUM, CANCELED, version=5,
                                             entitled=billing.PLAN_FREE)
    await billing_events.settled(6)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_FREE
    assert await _changes(auth) == [
        (ada.id, auth_pb2.TIER_FREE, auth_pb2.TIER_PRO),
        (ada.id, auth_pb2.TIER_PRO, auth_pb2.TIER_PREMIUM),
        (ada.id, auth_pb2.TIER_PREMIUM, auth_pb2.TIER_FREE),
    ]
    [(version,)] = await auth.rows("SELECT subscription_version FROM users")
    assert version == 5

    # The same event delivered again (a relay retry past the duplicate window) is handled once.
    await billing_events.send(cancelled)
    await billing_events.publish(ada.id, billing.PLAN_PRO, billing.SUBSCRIPTION_STATUS_UNPAID,
                                 version=6, entitled=billing.PLAN_FREE)
    await billing_events.settled(7)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_FREE
    assert len(await _changes(auth)) == 3


async def test_admins_keep_their_tier_and_unknown_users_are_skipped(auth,
                                                                    billing_events) -> None:
    admin = await auth.register("admin@example.com")
    await auth.rows("UPDATE users SET tier = 'admin'")

    await billing_events.publish(admin.id, billing.PLAN_FREE, CANCELED, version=1,
                                 entitled=billing.PLAN_FREE)
    await billing_events.publish(str(uuid.uuid4()), billing.PLAN_PRO, ACTIVE, version=1,
                                 entitled=billing.PLAN_PRO)
    await billing_events.publish("not-a-user-id", billing.PLAN_PRO, ACTIVE, version=1,
                                 entitled=billing.PLAN_PRO)
    await billing_events.settled(3)
    assert await _tier(auth, admin.id) == auth_pb2.TIER_ADMIN
    assert await _changes(auth) == []
    [(version,)] = await auth.rows("SELECT subscription_version FROM users")
    assert version == 1
    # Nothing was dead-lettered: every event was handled.
    [(count,)] = await auth.rows("SELECT count(*) FROM event_inbox")
    assert count == 3


async def test_tier_is_the_entitled_plan_whatever_plan_and_status_say(auth,
                                                                      billing_events) -> None:
    """Which status keeps a plan (trialing, a retried payment, a cancellation at period end)
    is billing's rule: auth applies `entitled_plan` as it comes."""
    ada = await auth.register()

    await billing_events.publish(ada.id, billing.PLAN_PRO, PAST_DUE, version=1,
                                 entitled=billing.PLAN_PRO)
    await billing_events.settled(1)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_PRO

    await billing_events.publish(ada.id, billing.PLAN_PRO, PAST_DUE, version=2,
                                 entitled=billing.PLAN_FREE)
    await billing_events.settled(2)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_FREE

    await billing_events.publish(ada.id, billing.PLAN_PREMIUM, CANCELED, version=3,
                                 entitled=billing.PLAN_PREMIUM)
    await billing_events.settled(3)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_PREMIUM

    # A canceled subscription whose entitled plan is free drops the user to free.
    await billing_events.publish(ada.id, billing.PLAN_PREMIUM, CANCELED, version=4,
                                 entitled=billing.PLAN_FREE)
    await billing_events.settled(4)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_FREE
    assert await _changes(auth) == [
        (ada.id, auth_pb2.TIER_FREE, auth_pb2.TIER_PRO),
        (ada.id, auth_pb2.TIER_PRO, auth_pb2.TIER_FREE),
        (ada.id, auth_pb2.TIER_FREE, auth_pb2.TIER_PREMIUM),
        (ada.id, auth_pb2.TIER_PREMIUM, auth_pb2.TIER_FREE),
    ]


async def test_an_event_without_an_entitled_plan_changes_nothing(auth, billing_events) -> None:
    """A billing that predates `entitled_plan` sends PLAN_UNSPECIFIED there: auth does not
    guess from plan and status, and does not spend the version either."""
    ada = await auth.register()
    await billing_events.publish(ada.id, billing.PLAN_PRO, ACTIVE, version=1,
                                 entitled=billing.PLAN_PRO)
    await billing_events.settled(1)

    await billing_events.publish(ada.id, billing.PLAN_PREMIUM, ACTIVE, version=2,
                                 entitled=billing.PLAN_UNSPECIFIED)
    await billing_events.publish(ada.id, billing.PLAN_FREE, CANCELED, version=3,
                                 entitled=billing.PLAN_UNSPECIFIED)
    await billing_events.settled(3)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_PRO
    [(version,)] = await auth.rows("SELECT subscription_version FROM users")
    assert version == 1
    # Handled, not dead-lettered.
    [(count,)] = await auth.rows("SELECT count(*) FROM event_inbox")
    assert count == 3

    await billing_events.publish(ada.id, billing.PLAN_PREMIUM, ACTIVE, version=2,
                                 entitled=billing.PLAN_PREMIUM)
    await billing_events.settled(4)
    assert await _tier(auth, ada.id) == auth_pb2.TIER_PREMIUM
    assert await _changes(auth) == [(ada.id, auth_pb2.TIER_FREE, auth_pb2.TIER_PRO),
                                    (ada.id, auth_pb2.TIER_PRO, auth_pb2.TIER_PREMIUM)]
