"""The platform's services, in one place: what each is called, where it listens by default,
which gRPC service it serves and whether third parties send it webhooks.

Everything that needs the list of services reads it here: the gateway (its settings, its
channels and stubs, its readiness), devstack (the local stack's ports, databases and
migrations; the Helm check, which fails when the chart's values disagree), `make migrate`.
Adding a service is a row here plus its folder, its proto and its gateway router. Each service's
own settings (`<name>.config`) keep their port defaults; the table holds the same numbers.

The order is the order reports list services in (readiness checks, launcher output).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Service:
    """One service of the platform."""

    # Its Python package, the prefix of its environment variables (upper case) and the suffix of
    # its resource names in the chart.
    name: str
    # Default ports on one machine (`make run`; the services' own setting defaults). In the
    # chart every pod uses the image's fixed ports instead (gRPC 50051, HTTP 8080).
    grpc_port: int
    http_port: int
    # The gRPC service it serves, by its full proto name, and the generated stub for it.
    grpc_service: str
    stub: str  # "<module>.<StubClass>"
    # Whether Stripe, PayPal or the social networks post to its HTTP port (the gateway
    # forwards them to GATEWAY_<NAME>_WEBHOOK_URL; the Ingress routes them straight to it).
    receives_webhooks: bool = False
    # The other services that call its gRPC API (beside the gateway, which calls every one):
    # each gets <CLIENT>_<NAME>_GRPC_TARGET, and the chart's NetworkPolicy admits them.
    called_by: tuple[str, ...] = ()

    @property
    def env_prefix(self) -> str:
        """The prefix of its environment variables: "billing" -> "BILLING"."""
        return self.name.upper()

    @property
    def database(self) -> str:
        """Its database as devstack and the chart name it: devstack creates
        `<db_prefix><database>` (career_auth), the chart takes its URL from
        `externalDatabase.urls.<database>`; the service reads it from <PREFIX>_DATABASE_URL."""
        return self.name

    def stub_class(self) -> type[Any]:
        """The generated stub class (imported on first use, so reading the table is cheap)."""
        module, _, attribute = self.stub.rpartition(".")
        return getattr(importlib.import_module(module), attribute)


SERVICES: tuple[Service, ...] = (
    Service("auth", 50051, 8101, "career.auth.v1.AuthService",
            "career.auth.v1.auth_pb2_grpc.AuthServiceStub"),
    Service("cv", 50052, 8102, "career.cv.v1.CvService",
            "career.cv.v1.cv_pb2_grpc.CvServiceStub"),
    Service("jobs", 50053, 8103, "career.jobs.v1.JobsService",
            "career.jobs.v1.jobs_pb2_grpc.JobsServiceStub"),
    Service("social", 50054, 8104, "career.social.v1.SocialService",
            "career.social.v1.social_pb2_grpc.SocialServiceStub", receives_webhooks=True),
    Service("billing", 50055, 8105, "career.billing.v1.BillingService",
            "career.billing.v1.billing_pb2_grpc.BillingServiceStub", receives_webhooks=True,
            called_by=("cv",)),
    Service("notify", 50056, 8106, "career.notify.v1.NotifyService",
            "career.notify.v1.notify_pb2_grpc.NotifyServiceStub"),
    Service("blog", 50057, 8107, "career.blog.v1.BlogService",
            "career.blog.v1.blog_pb2_grpc.BlogServiceStub"),
    Service("files", 50058, 8108, "career.files.v1.FilesService",
            "career.files.v1.files_pb2_grpc.FilesServiceStub", called_by=("auth", "cv")),
)

NAMES: tuple[str, ...] = tuple(service.name for service in SERVICES)
BY_NAME: dict[str, Service] = {service.name: service for service in SERVICES}
# The services that receive third-party webhooks, in the same order.
WEBHOOK_RECEIVERS: tuple[Service, ...] = tuple(s for s in SERVICES if s.receives_webhooks)
