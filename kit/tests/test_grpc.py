"""gRPC bootstrap over real sockets: interceptors, client factory, live health, reflection."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf.struct_pb2 import Struct
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY

from career_kit import context, errors
from career_kit.grpc.client import create_channel
from career_kit.grpc.health import Readiness
from career_kit.grpc.server import GrpcService, start_grpc_server
from devstack.servers import free_port

SECRET = "test-internal-secret"
SERVICE = "test.v1.Probe"


def _struct(**values) -> Struct:
    message = Struct()
    message.update(values)
    return message


class ProbeServicer:
    """A servicer written for these tests, mounted through generic handlers."""

    def __init__(self) -> None:
        self.calls = itertools.count()
        self.flaky_failures_left = 0

    async def whoami(self, request: Struct, ctx) -> Struct:
        who = context.caller.get()
        return _struct(
            correlation_id=context.correlation_id.get(),
            user_id=who.user_id if who else None,
            tier=who.tier if who else None,
            roles=list(who.roles) if who else [],
            remaining=context.time_remaining(),
        )

    async def fail(self, request: Struct, ctx) -> Struct:
        if request["kind"] == "not_found":
            raise errors.NotFound("no such CV", problem_type="cv-not-found")
        raise ValueError("secret internals must not leak")

    async def flaky(self, request: Struct, ctx) -> Struct:
        if self.flaky_failures_left > 0:
            self.flaky_failures_left -= 1
            await ctx.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        return _struct(ok=True)

    def add_to_server(self, server: grpc.aio.Server) -> None:
        def unary(fn):
            return grpc.unary_unary_rpc_method_handler(
                fn, request_deserializer=Struct.FromString,
                response_serializer=Struct.SerializeToString)

        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {
            "Whoami": unary(self.whoami), "Fail": unary(self.fail),
            "Flaky": unary(self.flaky), "FlakyWrite": unary(self.flaky),
        }),))


class Probe:
    healthy = True

    async def __call__(self) -> None:
        if not self.healthy:
            raise ConnectionError("database unreachable")


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, ProbeServicer, Probe]]:
    servicer, probe, port = ProbeServicer(), Probe(), free_port()
    srv, _ = await start_grpc_server(
        host="127.0.0.1", port=port, services=[GrpcService(SERVICE, servicer.add_to_server)],
        readiness=Readiness({"database": probe}), internal_secret=SECRET)
    yield f"127.0.0.1:{port}", servicer, probe
    await srv.stop(None)


def _method(channel: grpc.aio.Channel, name: str):
    return channel.unary_unary(f"/{SERVICE}/{name}", request_serializer=Struct.SerializeToString,
                               response_deserializer=Struct.FromString)


async def test_correlation_id_caller_and_deadline_reach_the_service(server) -> None:
    target, _, _ = server
    cid = context.correlation_id.set("corr-abc-123")
    who = context.caller.set(context.Caller("user-42", "pro", ("admin", "editor")))
    try:
        async with create_channel(target, SECRET, default_timeout=3.0) as channel:
            reply = await _method(channel, "Whoami")(Struct())
    finally:
        context.correlation_id.reset(cid)
        context.caller.reset(who)
    assert reply["correlation_id"] == "corr-abc-123"
    assert (reply["user_id"], reply["tier"]) == ("user-42", "pro")
    assert list(reply["roles"]) == ["admin", "editor"]
    assert 0 < reply["remaining"] <= 3.01


async def test_a_service_acting_for_a_user_calls_as_them_and_then_as_before(server) -> None:
    target, _, _ = server
    who = context.caller.set(context.Caller("collaborator-1"))
    try:
        async with create_channel(target, SECRET, default_timeout=3.0) as channel:
            with context.acting_for("owner-7"):
                as_owner = await _method(channel, "Whoami")(Struct())
            with context.acting_for(None):
                as_service = await _method(channel, "Whoami")(Struct())
            as_before = await _method(channel, "Whoami")(Struct())
    finally:
        context.caller.reset(who)
    assert (as_owner["user_id"], as_service["user_id"], as_before["user_id"]) == (
        "owner-7", None, "collaborator-1")


async def test_a_callers_remaining_deadline_caps_the_outgoing_timeout(server) -> None:
    target, _, _ = server
    token = context.deadline.set(time.monotonic() + 0.5)
    try:
        async with create_channel(target, SECRET, default_timeout=30.0) as channel:
            reply = await _method(channel, "Whoami")(Struct())
    finally:
        context.deadline.reset(token)
    assert 0 < reply["remaining"] <= 0.51  # gRPC rounds the timeout header


@pytest.mark.parametrize("metadata", [(), (("x-internal-token", "wrong"),),
                                      (("x-internal-token", "wrong"),
                                       ("x-caller-user-id", "someone-else"))])
async def test_calls_without_the_internal_token_are_refused(server, metadata) -> None:
    target, _, _ = server
    async with grpc.aio.insecure_channel(target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await _method(channel, "Whoami")(Struct(), metadata=metadata, timeout=3)
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_health_needs_no_token(server) -> None:
    target, _, _ = server
    async with grpc.aio.insecure_channel(target) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=3)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_domain_error_becomes_its_status_with_problem_type(server) -> None:
    target, _, _ = server
    async with create_channel(target, SECRET) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await _method(channel, "Fail")(_struct(kind="not_found"))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    assert failure.value.details() == "no such CV"
    trailing = dict(failure.value.trailing_metadata())
    assert trailing[errors.PROBLEM_TYPE_KEY] == "cv-not-found"
    handled = REGISTRY.get_sample_value(
        "grpc_server_handled_total",
        {"grpc_service": SERVICE, "grpc_method": "Fail", "grpc_code": "NOT_FOUND"})
    assert handled is not None and handled >= 1


async def test_unexpected_error_is_internal_without_details(server) -> None:
    target, _, _ = server
    async with create_channel(target, SECRET) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await _method(channel, "Fail")(_struct(kind="bug"))
    assert failure.value.code() == grpc.StatusCode.INTERNAL
    assert "secret internals" not in failure.value.details()


async def test_idempotent_methods_are_retried_on_unavailable(server) -> None:
    target, servicer, _ = server
    servicer.flaky_failures_left = 2
    async with create_channel(target, SECRET, idempotent=[f"{SERVICE}/Flaky"]) as channel:
        reply = await _method(channel, "Flaky")(Struct())
    assert reply["ok"] is True
    assert servicer.flaky_failures_left == 0


async def test_other_methods_are_not_retried(server) -> None:
    target, servicer, _ = server
    servicer.flaky_failures_left = 1
    async with create_channel(target, SECRET, idempotent=[f"{SERVICE}/Flaky"]) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await _method(channel, "FlakyWrite")(Struct())
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_health_follows_the_dependency_probes(server) -> None:
    target, _, probe = server
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        probe.healthy = False
        down = await stub.Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=3)
        probe.healthy = True
        up = await stub.Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=3)
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await stub.Check(health_pb2.HealthCheckRequest(service="nope.v1.X"), timeout=3)
    assert down.status == health_pb2.HealthCheckResponse.NOT_SERVING
    assert up.status == health_pb2.HealthCheckResponse.SERVING
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_the_services(server) -> None:
    target, _, _ = server
    async with grpc.aio.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = set()
        async for response in responses:
            names = {s.name for s in response.list_services_response.service}
            break
    assert {SERVICE, "grpc.health.v1.Health"} <= names


async def test_an_unsafe_correlation_id_is_replaced(server) -> None:
    target, _, _ = server
    async with grpc.aio.insecure_channel(target) as channel:
        reply = await _method(channel, "Whoami")(
            Struct(), timeout=3,
            metadata=(("x-internal-token", SECRET), ("x-correlation-id", "bad id; forged=log")))
    assert reply["correlation_id"] != "bad id; forged=log"
    assert context.valid_correlation_id(reply["correlation_id"])
