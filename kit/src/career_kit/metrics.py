"""Prometheus metrics shared by every process, registered once in the default registry."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
GRPC_SERVER_HANDLED = Counter(
    "grpc_server_handled_total", "gRPC calls served", ["grpc_service", "grpc_method", "grpc_code"]
)
GRPC_SERVER_LATENCY = Histogram(
    "grpc_server_handling_seconds", "gRPC server latency", ["grpc_service", "grpc_method"],
    buckets=_LATENCY_BUCKETS,
)
GRPC_CLIENT_HANDLED = Counter(
    "grpc_client_handled_total", "gRPC calls made", ["grpc_service", "grpc_method", "grpc_code"]
)
GRPC_CLIENT_LATENCY = Histogram(
    "grpc_client_handling_seconds", "gRPC client latency", ["grpc_service", "grpc_method"],
    buckets=_LATENCY_BUCKETS,
)
EVENTS_PUBLISHED = Counter("events_published_total", "Events published to NATS", ["type"])
EVENT_PUBLISH_FAILURES = Counter(
    "event_publish_failures_total", "Outbox relay publish attempts that failed"
)
EVENTS_CONSUMED = Counter(
    "events_consumed_total", "Event deliveries by outcome",
    ["consumer", "type", "outcome"],  # processed | duplicate | retried | dead_lettered
)
EVENT_CONSUME_LAG = Histogram(
    "event_consume_lag_seconds", "Time from an event's occurrence to its processing",
    ["consumer"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Events committed but not yet published")


def render_latest() -> tuple[bytes, str]:
    """The current metrics in the Prometheus text format, with its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


def split_grpc_method(full_method: str) -> tuple[str, str]:
    """'/pkg.Service/Method' -> ('pkg.Service', 'Method')."""
    _, _, rest = full_method.partition("/")
    service, _, method = rest.partition("/")
    return service or "unknown", method or "unknown"
