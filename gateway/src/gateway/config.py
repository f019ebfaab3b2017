"""Settings of the gateway: `GATEWAY_*` variables plus the platform's (see kit settings).

The Helm chart sets the same names (GATEWAY_<SERVICE>_GRPC_TARGET, GATEWAY_<SERVICE>_WEBHOOK_URL,
GATEWAY_CORS_ORIGINS as a comma-separated list, GATEWAY_SPA_BASE_URL, GATEWAY_MAX_BODY_BYTES,
GATEWAY_HTTP_PORT, GATEWAY_METRICS_PORT).

The per-service settings come from the service registry (career_kit.registry): a gRPC target
for every service and a webhook URL for each that receives webhooks, defaulting to the ports
the local stack runs them on. Read them with `grpc_targets()` and `webhook_url(service)`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, create_model, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from career_kit import registry
from career_kit.settings import PlatformSettings

# Every service the gateway talks to, in the order reports list them.
SERVICE_NAMES: tuple[str, ...] = registry.NAMES


def _service_address_fields() -> dict[str, Any]:
    """`<name>_grpc_target` for every service (GATEWAY_<NAME>_GRPC_TARGET) and
    `<name>_webhook_url` for those that receive webhooks (their HTTP server)."""
    fields: dict[str, Any] = {}
    for service in registry.SERVICES:
        fields[f"{service.name}_grpc_target"] = (str, f"127.0.0.1:{service.grpc_port}")
        if service.receives_webhooks:
            fields[f"{service.name}_webhook_url"] = (str, f"http://127.0.0.1:{service.http_port}")
    return fields


# Generated rather than written out, so that a service added to the registry has its settings
# here without an edit; GatewaySettings' model_config gives them the GATEWAY_ prefix.
_ServiceAddresses = create_model("_ServiceAddresses", __base__=BaseSettings,
                                 __module__=__name__, **_service_address_fields())


class GatewaySettings(_ServiceAddresses):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    host: str = "0.0.0.0"
    http_port: int = 8000
    # The ops port: /metrics, /healthz and /readyz for Prometheus and the kubelet, served by this
    # process but never routed by the Ingress (routers/ops.py says what lives on which port).
    metrics_port: int = 9000
    # Browser origins allowed to call the API with credentials. "*" is refused: with credentials
    # it would let any web page act as the signed-in user.
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:5173"]
    # Largest request body accepted, by Content-Length or counted while a chunked body arrives.
    max_body_bytes: int = Field(default=1024 * 1024, ge=0)
    # Largest request head (request line + header fields) accepted; a longer one gets 431
    # before anything parses it (server.py).
    max_header_bytes: int = Field(default=32 * 1024, gt=0)
    # Deadline of a gRPC call made for an HTTP request.
    grpc_timeout_seconds: float = Field(default=5.0, gt=0)
    # Deadline of each check behind /readyz; below the 2 s the kubelet gives the whole probe.
    readiness_timeout_seconds: float = Field(default=1.5, gt=0)
    # How long a forwarded webhook may take before the sender gets 504 (and retries).
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # The files service's HTTP port: uploads are streamed there (routers/files.py says why),
    # and local storage's objects are served from there.
    files_http_url: str = f"http://127.0.0.1:{registry.BY_NAME['files'].http_port}"
    # An upload of 50 MB from a slow client, its scan and its processing, in full.
    upload_timeout_seconds: float = Field(default=300.0, gt=0)
    # Where the SPA is served: the OAuth callback sends the browser back to
    # <spa_base_url>/oauth/complete (routers/oauth.py).
    spa_base_url: str = "http://localhost:5173"
    # Peers whose X-Forwarded-* headers uvicorn trusts for the client address and scheme.
    forwarded_allow_ips: str = "127.0.0.1"
    # Seconds in-flight requests get after SIGTERM.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)

    # Rate limits (ratelimit.py): off only for load tests; budgets per plan tier multiply the
    # per-user rules of the seed's table, as JSON, e.g. {"free": 1, "pro": 5}.
    rate_limits_enabled: bool = True
    rate_limit_tier_multipliers: dict[str, float] = Field(
        default_factory=lambda: {"free": 1.0, "pro": 5.0, "premium": 10.0, "admin": 100.0})

    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _refuse_wildcard_origin(cls, value: list[str]) -> list[str]:
        if "*" in value:
            raise ValueError("GATEWAY_CORS_ORIGINS must list origins; '*' is not allowed")
        return [origin.rstrip("/") for origin in value]

    @field_validator("spa_base_url")
    @classmethod
    def _absolute_spa_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
                or parts.fragment:
            raise ValueError("GATEWAY_SPA_BASE_URL must be an http(s) URL without query or "
                             "fragment, e.g. https://app.example.com")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _distinct_ports(self) -> GatewaySettings:
        # Both servers bind at start-up; one port for both would fail with an "address already
        # in use" that names no setting.
        if self.metrics_port == self.http_port:
            raise ValueError("GATEWAY_METRICS_PORT must differ from GATEWAY_HTTP_PORT")
        return self

    def grpc_targets(self) -> dict[str, str]:
        """Service name -> host:port of its gRPC server."""
        return {name: getattr(self, f"{name}_grpc_target") for name in SERVICE_NAMES}

    def webhook_url(self, service: str) -> str:
        """Base URL of the HTTP server where `service` receives third-party webhooks (its ops
        server); KeyError for a service that receives none."""
        if not registry.BY_NAME[service].receives_webhooks:
            raise KeyError(f"{service} receives no webhooks")
        return getattr(self, f"{service}_webhook_url")
