"""A real auth service for each test, built and started by the kit's runtime from
`auth.main.compose` (devstack's `start_service`): a migrated database of its own, real Redis
and NATS, the kit's gRPC server and interceptors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import SecretStr

from auth.config import Settings
from auth.keys import generate_private_key_pem
from auth.main import compose
from career.auth.v1 import auth_pb2, auth_pb2_grpc
from devstack.service_harness import ServiceHarness

PASSWORD = "correct horse battery staple"
# argon2id at its lowest cost: the rules under test are the same, and hashing at production cost
# would be most of the suite's CPU time (test_passwords.py checks the production parameters).
CHEAP_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 64}


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    """One RSA key for the session: generating one per test would cost more than the test."""
    return generate_private_key_pem()


class AuthHarness(ServiceHarness):
    async def register(self, email: str = "ada@example.com", name: str = "Ada",
                       password: str = PASSWORD) -> auth_pb2.User:
        reply = await self.call("Register", auth_pb2.RegisterRequest(
            email=email, password=password, name=name))
        return reply.user

    async def login(self, email: str = "ada@example.com", password: str = PASSWORD,
                    user_agent: str = "pytest", ip: str = "203.0.113.7") -> auth_pb2.LoginResponse:
        return await self.call("Login", auth_pb2.LoginRequest(
            email=email, password=password, user_agent=user_agent, ip=ip))


@pytest.fixture
def auth_overrides() -> dict[str, Any]:
    """Extra settings of the `auth` fixture; a test module overrides this fixture."""
    return {}


@pytest.fixture
async def auth(start_service, signing_key_pem, auth_overrides) -> AuthHarness:
    return await start_service(compose, Settings, auth_pb2_grpc.AuthServiceStub,
                               harness=AuthHarness,
                               jwt_private_keys=SecretStr(signing_key_pem),
                               **{**CHEAP_HASHING, **auth_overrides})


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.com"
