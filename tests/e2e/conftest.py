"""The whole platform as real processes (seven services + gateway), started once per session
through the same Stack that `make run` uses. Tests talk to the gateway over HTTP only."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.stack import Stack, StackPorts


@pytest.fixture(scope="session")
def stack(infra) -> Iterator[Stack]:
    logs = Path(tempfile.mkdtemp(prefix="career-e2e-logs-"))
    platform = Stack(infra.postgres_url, infra.nats_url, infra.redis_url,
                     ports=StackPorts.free(), log_dir=logs, db_prefix="e2e_",
                     events_namespace="e2e", redis_key_prefix="e2e:", environment="test")
    try:
        platform.start(timeout=90)
        yield platform
    finally:
        platform.stop()
        platform.drop_databases()


@pytest.fixture
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as client:
        yield client
