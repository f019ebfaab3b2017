"""A real notify service for each test, built and started by the kit's runtime from
`notify.main.compose` (devstack's `start_service`) on a migrated database of its own and real
NATS, with the fake e-mail providers and the SMTP catcher from devstack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from career.notify.v1 import notify_pb2_grpc
from career_kit.db import Database
from career_kit.service import migrations_dir
from devstack.fakes.email import FakeEmailProviders, SmtpCatcher
from devstack.service_harness import ServiceHarness
from devstack.service_harness import eventually as poll
from notify.config import Settings
from notify.main import compose

APP_URL = "https://app.example.com"


@pytest.fixture
def providers() -> Iterator[FakeEmailProviders]:
    with FakeEmailProviders() as running:
        yield running


@pytest.fixture
def catcher() -> Iterator[SmtpCatcher]:
    with SmtpCatcher() as running:
        yield running


@pytest.fixture
async def db(migrated_database) -> AsyncIterator[Database]:
    """notify's schema without the service: for tests of its parts."""
    url = await asyncio.to_thread(migrated_database, migrations_dir(Settings))
    database = Database(url, pool_size=4)
    yield database
    await database.dispose()


@pytest.fixture
def app_url() -> str:
    return APP_URL


@pytest.fixture
def eventually() -> Callable[..., Any]:
    """`await eventually(check)`: poll until `check()` (sync or async) is truthy."""
    return poll


@pytest.fixture
def notify_overrides(providers) -> dict[str, Any]:
    """Settings of the `notify` fixture: the fake Resend unless a test module overrides it."""
    return {"email_provider": "resend", "resend_api_key": providers.resend_key,
            "resend_base_url": providers.url}


@pytest.fixture
async def notify(start_service, notify_overrides) -> ServiceHarness:
    return await start_service(
        compose, Settings, notify_pb2_grpc.NotifyServiceStub,
        email_retry_backoff_seconds=[0.2], app_base_url=APP_URL,
        email_from="Career Tools <no-reply@example.com>", **notify_overrides)
