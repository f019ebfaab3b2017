"""The plan gate: premium templates need the owner's plan to include them (billing's
GetEntitlements, `premium_templates`). Free templates never call billing, so creating and
editing CVs does not depend on it."""

from __future__ import annotations

import uuid

import grpc

from career.billing.v1 import billing_pb2, billing_pb2_grpc
from career_kit.context import acting_for
from career_kit.errors import PermissionDenied, Unavailable
from cv.render.templates import TEMPLATES

ENTITLEMENTS_TIMEOUT = 5.0


class PlanGate:
    def __init__(self, billing: billing_pb2_grpc.BillingServiceStub) -> None:
        self.billing = billing

    async def require_template(self, owner_id: uuid.UUID, template: str) -> None:
        if not TEMPLATES[template].premium:
            return
        try:
            # As the owner: a collaborator choosing the template asks about the owner's plan,
            # which billing answers only to them (or to a service acting for them).
            with acting_for(str(owner_id)):
                entitlements = await self.billing.GetEntitlements(
                    billing_pb2.GetEntitlementsRequest(user_id=str(owner_id)),
                    timeout=ENTITLEMENTS_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            raise Unavailable("The plan cannot be checked right now; try again in a moment.") \
                from exc
        if not entitlements.premium_templates:
            title = TEMPLATES[template].title
            raise PermissionDenied(
                f"The {title} template is a premium template: the Pro and Premium plans "
                "include it.", problem_type="plan-upgrade-required")
