"""gRPC clients of the services: one channel each, built by the kit, owned by the app.

The kit's channels send the correlation id, the caller and the internal token with every call,
apply the deadline and retry health checks. Which services there are, and the generated stub of
each, come from the service registry (career_kit.registry). Domain routers take `ClientsDep`
and call their service's stub by its name (`clients.cv.SomeRpc(...)`) once it has RPCs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from grpc_health.v1 import health_pb2_grpc

from career_kit import registry
from career_kit.grpc.client import Channel, create_channel
from gateway.config import SERVICE_NAMES, GatewaySettings


class ServiceClients:
    """A channel, a health stub and the domain stub for every service; the domain stub is
    the attribute named after its service (`clients.auth` is career.auth.v1's
    AuthServiceStub), as `stub(name)` returns it too."""

    def __init__(self, targets: Mapping[str, str], *, internal_secret: str,
                 default_timeout: float) -> None:
        missing = set(SERVICE_NAMES) - set(targets)
        if missing:
            raise ValueError(f"no gRPC target for {sorted(missing)}")
        self._channels: dict[str, Channel] = {
            name: create_channel(targets[name], internal_secret, default_timeout=default_timeout)
            for name in SERVICE_NAMES
        }
        self._health = {name: health_pb2_grpc.HealthStub(channel)
                        for name, channel in self._channels.items()}
        self._stubs: dict[str, Any] = {
            service.name: service.stub_class()(self._channels[service.name])
            for service in registry.SERVICES
        }

    def __getattr__(self, name: str) -> Any:
        # Only for names that are not ordinary attributes: the services' stubs.
        stubs = self.__dict__.get("_stubs", {})
        if name in stubs:
            return stubs[name]
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> ServiceClients:
        return cls(settings.grpc_targets(),
                   internal_secret=settings.platform.internal_secret.get_secret_value(),
                   default_timeout=settings.grpc_timeout_seconds)

    def channel(self, service: str) -> Channel:
        """The channel to `service` (KeyError for a name that is not one of SERVICE_NAMES)."""
        return self._channels[service]

    def stub(self, service: str) -> Any:
        """The generated stub of `service` (its registry row names the class)."""
        return self._stubs[service]

    def health(self, service: str) -> health_pb2_grpc.HealthStub:
        """The grpc.health.v1 stub of `service`."""
        return self._health[service]

    async def close(self) -> None:
        """Close every channel; calls still running are cancelled."""
        await asyncio.gather(*(channel.close() for channel in self._channels.values()))


async def get_clients(request: Request) -> ServiceClients:
    return request.state.clients


ClientsDep = Annotated[ServiceClients, Depends(get_clients)]
