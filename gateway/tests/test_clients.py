"""The gateway's gRPC clients: one channel and one stub per service of the registry."""

from __future__ import annotations

import pytest

from career.auth.v1 import auth_pb2_grpc
from career_kit import registry
from gateway.clients import ServiceClients


async def test_each_registry_service_has_its_stub_by_name() -> None:
    clients = ServiceClients({name: "127.0.0.1:1" for name in registry.NAMES},
                             internal_secret="x" * 32, default_timeout=1.0)
    try:
        assert isinstance(clients.auth, auth_pb2_grpc.AuthServiceStub)
        for service in registry.SERVICES:
            assert isinstance(clients.stub(service.name), service.stub_class())
            assert getattr(clients, service.name) is clients.stub(service.name)
        with pytest.raises(AttributeError, match="search"):
            _ = clients.search
    finally:
        await clients.close()


def test_a_service_without_a_target_is_refused() -> None:
    targets = {name: "127.0.0.1:1" for name in registry.NAMES if name != "blog"}
    with pytest.raises(ValueError, match="blog"):
        ServiceClients(targets, internal_secret="x" * 32, default_timeout=1.0)
