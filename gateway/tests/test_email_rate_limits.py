"""Forgot-password and resend-verification spend a budget per e-mail address (3 an hour, the
seed's "password reset 3 per hour per e-mail") besides a looser one per IP (10 an hour) that
stops a client from spraying mail over many addresses. The address is counted alike whether
or not it has an account, is never stored in clear, and a refusal is the same 429 and
security event as any other rule's. Auth is a stand-in here that records what reaches it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest
import redis.asyncio as aioredis

from career.auth.v1 import auth_pb2, auth_pb2_grpc
from devstack.servers import free_port
from gateway.ratelimit import email_key


class RecordingAuth(auth_pb2_grpc.AuthServiceServicer):
    """Answers like auth does for every address, and records what the gateway let through."""

    def __init__(self) -> None:
        self.forgot: list[str] = []
        self.resent: list[str] = []
        self.reports: list[auth_pb2.RecordSecurityEventRequest] = []

    async def ForgotPassword(self, request: auth_pb2.ForgotPasswordRequest,
                             ctx: grpc.aio.ServicerContext) -> auth_pb2.ForgotPasswordResponse:
        self.forgot.append(request.email)
        return auth_pb2.ForgotPasswordResponse()

    async def ResendVerification(self, request: auth_pb2.ResendVerificationRequest,
                                 ctx: grpc.aio.ServicerContext
                                 ) -> auth_pb2.ResendVerificationResponse:
        self.resent.append(request.email)
        return auth_pb2.ResendVerificationResponse()

    async def RecordSecurityEvent(self, request: auth_pb2.RecordSecurityEventRequest,
                                  ctx: grpc.aio.ServicerContext
                                  ) -> auth_pb2.RecordSecurityEventResponse:
        self.reports.append(request)
        return auth_pb2.RecordSecurityEventResponse()


@pytest.fixture
async def recording_auth() -> AsyncIterator[tuple[RecordingAuth, str]]:
    servicer = RecordingAuth()
    server = grpc.aio.server()
    auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    try:
        yield servicer, f"127.0.0.1:{port}"
    finally:
        await server.stop(None)


@pytest.fixture
async def gateway(start_gateway: Any, fleet: Any, settings: Any, redis_key_prefix: str,
                  recording_auth: tuple[RecordingAuth, str]
                  ) -> AsyncIterator[httpx.AsyncClient]:
    platform = settings.platform.model_copy(update={"redis_key_prefix": redis_key_prefix})
    async with start_gateway(fleet, auth_grpc_target=recording_auth[1],
                             platform=platform) as client:
        yield client


def _ip() -> str:
    n = uuid.uuid4().int
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


async def _post(client: httpx.AsyncClient, path: str, email: str, ip: str) -> httpx.Response:
    return await client.post(path, json={"email": email}, headers={"X-Forwarded-For": ip})


async def _reported(auth: RecordingAuth) -> list[auth_pb2.RecordSecurityEventRequest]:
    for _ in range(200):  # the gateway reports in the background
        if auth.reports:
            return auth.reports
        await asyncio.sleep(0.01)
    raise AssertionError("no security event was reported")


async def test_password_reset_allows_three_an_hour_per_address_from_any_ip(
        gateway, recording_auth, infra, redis_key_prefix) -> None:
    auth, _ = recording_auth
    local = f"ada-{uuid.uuid4().hex[:8]}"
    # Letter case and surrounding spaces do not make another address (auth ignores them too).
    spellings = [f"{local}@example.com", f"{local.upper()}@Example.COM", f" {local}@example.com "]
    for remaining, email in zip((2, 1, 0), spellings, strict=True):
        answer = await _post(gateway, "/auth/forgot-password", email, _ip())
        assert answer.status_code == 202, answer.text
        # The tighter of the two budgets (per address, per IP) is the one announced, once.
        assert answer.headers.get_list("ratelimit-limit") == ["3"]
        assert answer.headers["ratelimit-remaining"] == str(remaining)
        assert answer.headers["ratelimit-policy"] == "3;w=3600"

    refused = await _post(gateway, "/auth/forgot-password", f"{local}@example.com", _ip())
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "rate-limit-exceeded"
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert refused.headers["ratelimit-remaining"] == "0"
    assert len(auth.forgot) == 3  # the refused request never reached auth

    other = await _post(gateway, "/auth/forgot-password", f"grace-{local}@example.com", _ip())
    assert other.status_code == 202
    # Resending the verification mail has its own budget for the same address.
    assert (await _post(gateway, "/auth/resend-verification", f"{local}@example.com",
                        _ip())).status_code == 202

    [report] = await _reported(auth)
    detail = report.rate_limit_exceeded
    assert (report.kind, detail.rule, detail.key_kind) == (
        "rate_limit_exceeded", "password_reset", "email")
    assert (detail.limit, detail.window_seconds, detail.path) == (
        3, 3600, "/auth/forgot-password")

    # Redis holds no address, only keyed hashes of them.
    redis = aioredis.from_url(infra.redis_url)
    try:
        keys = [key.decode() async for key in redis.scan_iter(f"{redis_key_prefix}*")]
    finally:
        await redis.aclose()
    assert any(":email:" in key for key in keys)
    assert not any(local in key.lower() for key in keys), keys


async def test_one_ip_cannot_spray_resets_over_many_addresses(gateway, recording_auth) -> None:
    auth, _ = recording_auth
    ip = _ip()
    for attempt in range(10):
        answer = await _post(gateway, "/auth/forgot-password",
                             f"victim-{attempt}-{uuid.uuid4().hex[:6]}@example.com", ip)
        assert answer.status_code == 202, answer.text
    refused = await _post(gateway, "/auth/forgot-password", "one-more@example.com", ip)
    # Refused by the per-IP rule, before any address is counted or auth is asked.
    assert refused.status_code == 429
    assert refused.headers.get_list("ratelimit-policy") == ["10;w=3600"]
    assert len(auth.forgot) == 10


async def test_resend_verification_allows_three_an_hour_per_address(gateway,
                                                                    recording_auth) -> None:
    auth, _ = recording_auth
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    for _ in range(3):
        assert (await _post(gateway, "/auth/resend-verification", email,
                            _ip())).status_code == 202
    refused = await _post(gateway, "/auth/resend-verification", email.upper(), _ip())
    assert refused.status_code == 429 and refused.json()["type"] == "rate-limit-exceeded"
    assert len(auth.resent) == 3
    [report] = await _reported(auth)
    assert (report.rate_limit_exceeded.rule, report.rate_limit_exceeded.key_kind) == (
        "resend_verification", "email")


def test_addresses_are_named_by_a_keyed_hash() -> None:
    key = email_key(" Ada@Example.com ", b"secret")
    assert key == email_key("ada@example.com", b"secret")
    assert key != email_key("ada@example.com", b"another secret")
    assert key != email_key("bob@example.com", b"secret")
    assert "ada" not in key and len(key) == 32
