"""What route handlers receive, as `Annotated` dependency aliases.

Everything here was built once by the app's lifespan (main.py) or at app creation; handlers
never build clients themselves. `ClientsDep` lives next to `ServiceClients` and is re-exported.
"""

from __future__ import annotations

from typing import Annotated

import httpx
import redis.asyncio as aioredis
from fastapi import Depends, Request

from gateway.clients import ClientsDep
from gateway.config import GatewaySettings

__all__ = ["ClientsDep", "RedisDep", "SettingsDep", "WebhookHttpDep"]


async def get_settings(request: Request) -> GatewaySettings:
    return request.app.state.settings


async def get_redis(request: Request) -> aioredis.Redis:
    return request.state.redis


async def get_webhook_http(request: Request) -> httpx.AsyncClient:
    return request.state.webhook_http


SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
RedisDep = Annotated[aioredis.Redis, Depends(get_redis)]
# The one HTTP client to services' HTTP ports: webhooks forwarded to billing and social,
# uploads streamed to files (pooled connections).
WebhookHttpDep = Annotated[httpx.AsyncClient, Depends(get_webhook_http)]
