"""Rendered exports kept in the files service: a render asked for twice is kept, and another
replica serves it from the store (not rendered again); one asked for once is not kept; a newer
version's export releases the older one, and the purge of the CV releases what is left —
against a real files service and Redis."""

from __future__ import annotations

import io
import json
import uuid

import pypdf
import pytest

from career.cv.v1 import cv_pb2, cv_pb2_grpc
from career.files.v1 import files_pb2, files_pb2_grpc
from cv.config import Settings
from cv.main import compose
from devstack.fakes.clamd import FakeClamd
from devstack.service_harness import eventually
from files.config import Settings as FilesSettings
from files.main import compose as files_compose


@pytest.fixture
def clamd():
    with FakeClamd() as fake:
        yield fake


@pytest.fixture
async def files(start_service, clamd, tmp_path):
    return await start_service(
        files_compose, FilesSettings, files_pb2_grpc.FilesServiceStub,
        data_dir=tmp_path / "files", clamav_url=clamd.url,
        signed_base_url="http://files.test/files/signed",
        local_public_base_url="http://files.test/files/public")


@pytest.fixture
def cv_overrides(files) -> dict:
    return {"files_grpc_target": f"127.0.0.1:{files.settings.grpc_port}"}


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


async def _stored(cv) -> list[tuple]:
    return await cv.rows("SELECT version, file_id FROM cv_export_files ORDER BY version")


async def test_a_replica_serves_another_replicas_render_from_the_store(
        cv, start_service, files, cv_overrides) -> None:
    other = await start_service(compose, Settings, cv_pb2_grpc.CvServiceStub,
                                database_url=cv.settings.database_url, **cv_overrides)
    owner = str(uuid.uuid4())
    created = await cv.create(owner, title="Shared", content={"basics": {"name": "Ada"}})
    request = cv_pb2.ExportCvRequest(id=created.id, format="pdf")
    first = await cv.call("ExportCv", request, as_user=owner)
    await cv.domain.exports.settled()
    assert await _stored(cv) == []  # asked for once: not worth keeping
    await cv.call("ExportCv", request, as_user=owner)

    async def kept() -> bool:
        return len(await _stored(cv)) == 1

    await eventually(kept)
    # Changed behind the services' backs, version and all: only a render would show it.
    await cv.rows("UPDATE cvs SET content = jsonb_set(content, '{basics,name}', '\"Grace\"') "
                  "WHERE id = :id", id=uuid.UUID(created.id))

    served = await other.call("ExportCv", request, as_user=owner)

    assert served.content == first.content and "Ada" in _text(served.content)
    [(_, file_id)] = await _stored(cv)
    found = await files.call("GetFile", files_pb2.GetFileRequest(id=str(file_id)),
                             as_user=owner)
    assert found.bucket == "cv-exports" and list(found.references) == [f"cv:export:{created.id}"]


async def test_a_new_versions_export_releases_the_old_and_the_purge_the_rest(
        cv, files) -> None:
    owner = str(uuid.uuid4())
    created = await cv.create(owner, content={"basics": {"name": "Ada"}})
    for _ in range(2):
        await cv.call("ExportCv", cv_pb2.ExportCvRequest(id=created.id, format="docx"),
                      as_user=owner)

    async def versions(expected: list[int]):
        async def check() -> bool:
            return [row[0] for row in await _stored(cv)] == expected
        await eventually(check)

    await versions([1])
    [(_, old_file)] = await _stored(cv)
    await cv.call("SetDesign", cv_pb2.SetDesignRequest(
        id=created.id, expected_version=1, template="minimal",
        options_json=json.dumps({"page_size": "letter"})), as_user=owner)
    for _ in range(2):
        await cv.call("ExportCv", cv_pb2.ExportCvRequest(id=created.id, format="docx"),
                      as_user=owner)
    await versions([2])

    async def released(file_id) -> bool:
        found = await files.call("GetFile", files_pb2.GetFileRequest(id=str(file_id)),
                                 as_user=owner)
        return list(found.references) == []

    await eventually(lambda: released(old_file))
    [(_, new_file)] = await _stored(cv)
    await cv.call("DeleteCv", cv_pb2.DeleteCvRequest(id=created.id), as_user=owner)
    await cv.rows("UPDATE cvs SET deleted_at = now() - interval '31 days' WHERE id = :id",
                  id=uuid.UUID(created.id))
    assert await cv.domain.purge_trash() == 1
    assert await released(new_file)
