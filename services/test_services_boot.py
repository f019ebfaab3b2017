"""Every service, as its own process: migrates an empty schema, serves health and metrics,
drains on SIGTERM. (Domain tests live in services/<name>/tests/ as each domain lands.)"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import asyncpg
import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from career_kit.db import sync_url
from devstack.servers import free_port, wait_for_port
from devstack.stack import SERVICES


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(sync_url(url))
    try:
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in rows}
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
def test_service_migrates_serves_health_and_drains(service, infra, database_url,
                                                   events_namespace) -> None:
    prefix = service.upper()
    grpc_port, http_port = free_port(), free_port()
    env = {**os.environ, f"{prefix}_DATABASE_URL": database_url,
           f"{prefix}_GRPC_PORT": str(grpc_port), f"{prefix}_HTTP_PORT": str(http_port),
           f"{prefix}_HOST": "127.0.0.1", "NATS_URL": infra.nats_url,
           "REDIS_URL": infra.redis_url, "EVENTS_NAMESPACE": events_namespace}

    migrate = subprocess.run([sys.executable, "-m", f"{service}.main", "migrate"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert migrate.returncode == 0, migrate.stderr + migrate.stdout
    # Every service has the platform tables; domain tables come with each domain.
    assert {"alembic_version", "event_outbox", "event_inbox"} <= asyncio.run(
        _tables(database_url))

    process = subprocess.Popen([sys.executable, "-m", f"{service}.main", "serve"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(http_port, timeout=30)
        wait_for_port(grpc_port, timeout=30)
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with httpx.Client(base_url=f"http://127.0.0.1:{http_port}", timeout=5) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["checks"] == {"database": "ok", "nats": "ok", "redis": "ok"}
            metrics = client.get("/metrics").text
            assert "grpc_server_handled_total" in metrics
            assert "outbox_backlog" in metrics
            unknown = client.get("/nope")
            assert unknown.status_code == 404
            assert unknown.headers["content-type"] == "application/problem+json"
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
        assert process.returncode == 0, output
        assert time.monotonic() - started < 15
        messages = [json.loads(line)["msg"] for line in output.splitlines()
                    if line.startswith("{")]
        assert messages[-1] == "stopped"  # the log writer wrote every line before exiting
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
