"""A real files service for each test, built and started by the kit's runtime from
`files.main.compose` (devstack's `start_service`) on a migrated database of its own, real NATS
and Redis, local storage in the test's folder and devstack's fake clamd (which speaks clamd's
INSTREAM protocol and flags the EICAR test file)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from career.files.v1 import files_pb2, files_pb2_grpc
from career_kit import context
from devstack.fakes.clamd import FakeClamd
from devstack.service_harness import INTERNAL_SECRET, ServiceHarness
from files.config import Settings
from files.main import compose


class FilesHarness(ServiceHarness):
    async def upload(self, bucket: str, path: Path, *, as_user: str,
                     name: str | None = None, multipart: bool = True) -> httpx.Response:
        """POST the file to the service's upload route as the gateway does for `as_user`."""
        headers = {context.INTERNAL_TOKEN_KEY: INTERNAL_SECRET,
                   context.CALLER_USER_ID_KEY: as_user}
        async with httpx.AsyncClient(base_url=self.http_url, timeout=120) as http:
            if multipart:
                with path.open("rb") as body:
                    return await http.post(f"/internal/uploads/{bucket}", headers=headers,
                                           files={"file": (name or path.name, body)})
            headers["x-file-name"] = name or path.name
            content = await asyncio.to_thread(path.read_bytes)
            return await http.post(f"/internal/uploads/{bucket}", headers=headers,
                                   content=content)

    async def uploaded(self, bucket: str, path: Path, *, as_user: str,
                       name: str | None = None) -> files_pb2.File:
        response = await self.upload(bucket, path, as_user=as_user, name=name)
        assert response.status_code in (200, 201), response.text
        return files_pb2.File.FromString(response.content)

    @property
    def storage(self) -> Any:
        return self.domain.storage


@pytest.fixture(scope="session")
def clamd() -> Iterator[FakeClamd]:
    with FakeClamd() as fake:
        yield fake


@pytest.fixture
def files_overrides() -> dict[str, Any]:
    """Extra settings of the `files` fixture; a test module overrides this fixture."""
    return {}


@pytest.fixture
def start_files(start_service, clamd, tmp_path) -> Callable[..., Awaitable[FilesHarness]]:
    """`await start_files(**settings)`: a files service (another replica: pass the first
    one's `database_url`; both store in the test's folder)."""
    async def start(**overrides: Any) -> FilesHarness:
        settings = {"data_dir": tmp_path / "files", "clamav_url": clamd.url,
                    "signed_base_url": "http://files.test/files/signed",
                    "local_public_base_url": "http://files.test/files/public", **overrides}
        return await start_service(compose, Settings, files_pb2_grpc.FilesServiceStub,
                                   harness=FilesHarness, **settings)

    return start


@pytest.fixture
async def files(start_files, files_overrides) -> FilesHarness:
    return await start_files(**files_overrides)
