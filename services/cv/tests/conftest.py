"""A real cv service for each test, built and started by the kit's runtime from
`cv.main.compose` (devstack's `start_service`) on a migrated database of its own, real NATS
and Redis."""

from __future__ import annotations

import json
from typing import Any

import pytest

from career.cv.v1 import cv_pb2, cv_pb2_grpc
from cv.config import Settings
from cv.main import compose
from devstack.service_harness import ServiceHarness


class CvHarness(ServiceHarness):
    async def create(self, owner: str, **fields: Any) -> cv_pb2.Cv:
        content = fields.pop("content", None)
        if content is not None:
            fields["content_json"] = json.dumps(content)
        return await self.call("CreateCv", cv_pb2.CreateCvRequest(**fields), as_user=owner)


@pytest.fixture
def cv_overrides() -> dict[str, Any]:
    """Extra settings of the `cv` fixture; a test module overrides this fixture."""
    return {}


@pytest.fixture
async def cv(start_service, cv_overrides) -> CvHarness:
    return await start_service(compose, Settings, cv_pb2_grpc.CvServiceStub, harness=CvHarness,
                               **cv_overrides)
