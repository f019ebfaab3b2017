"""career_kit: the ground every Career Tools service stands on.

Settings, JSON logging with correlation ids, PostgreSQL sessions and migrations, the gRPC server
and client bootstrap, events over NATS JetStream (envelope, outbox, relay, consumers with an
inbox), Prometheus metrics and health. No domain logic lives here.
"""
