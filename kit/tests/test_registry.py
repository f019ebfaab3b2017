"""The service registry: one row per service, consistent with itself and with the protos."""

from __future__ import annotations

import importlib

import pytest
from google.protobuf import descriptor_pool

from career_kit.registry import BY_NAME, NAMES, SERVICES, WEBHOOK_RECEIVERS, Service


def test_names_are_unique_python_package_names() -> None:
    assert len(set(NAMES)) == len(NAMES)
    assert all(name.isidentifier() and name.islower() for name in NAMES)
    assert list(BY_NAME) == list(NAMES)


def test_every_default_port_is_used_once() -> None:
    ports = [port for s in SERVICES for port in (s.grpc_port, s.http_port)]
    assert len(set(ports)) == len(ports)
    # The gateway's own defaults (GATEWAY_HTTP_PORT, GATEWAY_METRICS_PORT) stay free.
    assert not {8000, 9000} & set(ports)


def test_billing_and_social_receive_webhooks() -> None:
    # The gateway's webhook routes forward to these two (routers/webhooks.py).
    assert {"billing", "social"} <= {s.name for s in WEBHOOK_RECEIVERS}


def test_environment_prefix_and_database_follow_the_name() -> None:
    billing = BY_NAME["billing"]
    assert billing.env_prefix == "BILLING"
    assert billing.database == "billing"


@pytest.mark.parametrize("service", SERVICES, ids=NAMES)
def test_stub_is_importable_and_serves_the_named_proto_service(service: Service) -> None:
    stub = service.stub_class()
    module = stub.__module__
    assert module.endswith("_pb2_grpc")
    # The messages module registers the service's descriptor in the default pool.
    importlib.import_module(module.removesuffix("_grpc"))
    descriptor = descriptor_pool.Default().FindServiceByName(service.grpc_service)
    assert descriptor.full_name == service.grpc_service
    assert stub.__name__ == f"{descriptor.name}Stub"
    # Proto packages match their folder and version: career.<name>.v1.
    assert descriptor.file.package == f"career.{service.name}.v1"


@pytest.mark.parametrize("service", SERVICES, ids=NAMES)
def test_a_services_settings_default_to_its_registry_row(service: Service,
                                                         monkeypatch) -> None:
    # The kit's ServiceSettings fills ports and database from the row; the environment wins.
    config = importlib.import_module(f"{service.name}.config")
    for name in ("GRPC_PORT", "HTTP_PORT", "DATABASE_URL"):
        monkeypatch.delenv(f"{service.env_prefix}_{name}", raising=False)
    settings = config.Settings()
    assert (settings.grpc_port, settings.http_port) == (service.grpc_port, service.http_port)
    assert settings.database_url.endswith(f"/career_{service.database}")
    monkeypatch.setenv(f"{service.env_prefix}_GRPC_PORT", "6123")
    assert config.Settings().grpc_port == 6123
