"""Events over NATS JetStream: envelope, streams, outbox + relay, consumers + inbox."""

from career_kit.events.consumer import EventConsumer, Subscription
from career_kit.events.envelope import Event, ReceivedEvent
from career_kit.events.outbox import Outbox
from career_kit.events.relay import OutboxRelay

__all__ = ["Event", "EventConsumer", "Outbox", "OutboxRelay", "ReceivedEvent", "Subscription"]
