"""gRPC clients of the seven services: one channel each, built by the kit, owned by the app.

The kit's channels send the correlation id, the caller and the internal token with every call,
apply the deadline and retry health checks. Domain routers take `ClientsDep` and call the typed
stub of their service (`clients.cv.SomeRpc(...)`) once that service has RPCs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Annotated

import grpc
from fastapi import Depends, Request
from grpc_health.v1 import health_pb2_grpc

from career.auth.v1 import auth_pb2_grpc
from career.billing.v1 import billing_pb2_grpc
from career.blog.v1 import blog_pb2_grpc
from career.cv.v1 import cv_pb2_grpc
from career.jobs.v1 import jobs_pb2_grpc
from career.notify.v1 import notify_pb2_grpc
from career.social.v1 import social_pb2_grpc
from career_kit.grpc.client import create_channel
from gateway.config import SERVICE_NAMES, GatewaySettings


class ServiceClients:
    """A channel, a health stub and the domain stub for every service."""

    def __init__(self, targets: Mapping[str, str], *, internal_secret: str,
                 default_timeout: float) -> None:
        missing = set(SERVICE_NAMES) - set(targets)
        if missing:
            raise ValueError(f"no gRPC target for {sorted(missing)}")
        self._channels: dict[str, grpc.aio.Channel] = {
            name: create_channel(targets[name], internal_secret, default_timeout=default_timeout)
            for name in SERVICE_NAMES
        }
        self._health = {name: health_pb2_grpc.HealthStub(channel)
                        for name, channel in self._channels.items()}
        self.auth = auth_pb2_grpc.AuthServiceStub(self._channels["auth"])
        self.cv = cv_pb2_grpc.CvServiceStub(self._channels["cv"])
        self.jobs = jobs_pb2_grpc.JobsServiceStub(self._channels["jobs"])
        self.social = social_pb2_grpc.SocialServiceStub(self._channels["social"])
        self.billing = billing_pb2_grpc.BillingServiceStub(self._channels["billing"])
        self.notify = notify_pb2_grpc.NotifyServiceStub(self._channels["notify"])
        self.blog = blog_pb2_grpc.BlogServiceStub(self._channels["blog"])

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> ServiceClients:
        return cls(settings.grpc_targets(),
                   internal_secret=settings.platform.internal_secret.get_secret_value(),
                   default_timeout=settings.grpc_timeout_seconds)

    def channel(self, service: str) -> grpc.aio.Channel:
        """The channel to `service` (KeyError for a name that is not one of SERVICE_NAMES)."""
        return self._channels[service]

    def health(self, service: str) -> health_pb2_grpc.HealthStub:
        """The grpc.health.v1 stub of `service`."""
        return self._health[service]

    async def close(self) -> None:
        """Close every channel; calls still running are cancelled."""
        await asyncio.gather(*(channel.close() for channel in self._channels.values()))


def get_clients(request: Request) -> ServiceClients:
    return request.state.clients


ClientsDep = Annotated[ServiceClients, Depends(get_clients)]
