"""CVs through the cv service's gRPC API as the gateway calls it: create, saves that name
their version, sections, versions with autosaves coalesced, the trash and its purge, and
erasure — against real PostgreSQL and NATS."""

from __future__ import annotations

import json
import uuid

import grpc
import pytest

from career.auth.v1 import events_pb2 as auth_events
from career.cv.v1 import cv_pb2, events_pb2
from devstack.service_harness import eventually


def user() -> str:
    return str(uuid.uuid4())


WORK = [{"name": "Acme", "position": "Engineer", "startDate": "2019-05", "endDate": "present",
         "highlights": ["Shipped **things**"]}]


async def test_a_new_cv_is_blank_version_1_and_announced(cv) -> None:
    owner = user()
    created = await cv.create(owner, title="My CV", template="classic")

    assert (created.title, created.template, created.version) == ("My CV", "classic", 1)
    content = json.loads(created.content_json)
    assert isinstance(content, dict) and "basics" in content
    [event] = await cv.published("cv.created", events_pb2.CvCreated)
    assert (event.cv_id, event.user_id, event.template) == (created.id, owner, "classic")


async def test_a_save_on_a_stale_version_is_refused(cv) -> None:
    owner = user()
    created = await cv.create(owner)
    saved = await cv.call("UpdateSection", cv_pb2.UpdateSectionRequest(
        id=created.id, expected_version=1, section="work", value_json=json.dumps(WORK)),
        as_user=owner)
    assert saved.version == 2
    assert json.loads(saved.content_json)["work"][0]["name"] == "Acme"

    stale = await cv.error("UpdateSection", cv_pb2.UpdateSectionRequest(
        id=created.id, expected_version=1, section="work", value_json="[]"), as_user=owner)

    assert stale.code() == grpc.StatusCode.FAILED_PRECONDITION
    current = await cv.call("GetCv", cv_pb2.GetCvRequest(id=created.id), as_user=owner)
    assert json.loads(current.content_json)["work"][0]["name"] == "Acme"  # nothing lost


async def test_invalid_content_names_the_field(cv) -> None:
    owner = user()
    created = await cv.create(owner)
    bad = [{**WORK[0], "startDate": "2020-01", "endDate": "2019-01"}]

    error = await cv.error("UpdateSection", cv_pb2.UpdateSectionRequest(
        id=created.id, expected_version=1, section="work", value_json=json.dumps(bad)),
        as_user=owner)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("work[0]")
    unknown = await cv.error("UpdateSection", cv_pb2.UpdateSectionRequest(
        id=created.id, expected_version=1, section="hobbies", value_json="[]"), as_user=owner)
    assert unknown.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_autosaves_within_the_window_are_one_version_and_a_restore_is_its_own(
        cv) -> None:
    owner = user()
    created = await cv.create(owner)
    version = created.version
    for n in range(3):  # three quick autosaves
        work = [{**WORK[0], "position": f"Engineer {n}"}]
        saved = await cv.call("UpdateSection", cv_pb2.UpdateSectionRequest(
            id=created.id, expected_version=version, section="work",
            value_json=json.dumps(work)), as_user=owner)
        version = saved.version

    listed = await cv.call("ListVersions", cv_pb2.ListVersionsRequest(id=created.id),
                           as_user=owner)
    assert [v.version for v in listed.versions] == [4, 1]  # the autosaves folded into one
    first = await cv.call("GetVersion", cv_pb2.GetVersionRequest(id=created.id, version=1),
                          as_user=owner)
    assert "work" not in json.loads(first.content_json) or \
        json.loads(first.content_json)["work"] == []

    restored = await cv.call("RestoreVersion", cv_pb2.RestoreVersionRequest(
        id=created.id, version=1, expected_version=4), as_user=owner)

    assert restored.version == 5
    assert json.loads(restored.content_json) == json.loads(first.content_json)
    listed = await cv.call("ListVersions", cv_pb2.ListVersionsRequest(id=created.id),
                           as_user=owner)
    assert [v.version for v in listed.versions] == [5, 4, 1]
    assert len(await cv.published("cv.updated", events_pb2.CvUpdated)) == 4


async def test_another_users_cv_is_not_found(cv) -> None:
    owner, stranger = user(), user()
    created = await cv.create(owner)
    for method, request in (
            ("GetCv", cv_pb2.GetCvRequest(id=created.id)),
            ("UpdateSection", cv_pb2.UpdateSectionRequest(
                id=created.id, expected_version=1, section="work", value_json="[]")),
            ("ReplaceCv", cv_pb2.ReplaceCvRequest(id=created.id, expected_version=1,
                                                  content_json="{}")),
            ("DeleteCv", cv_pb2.DeleteCvRequest(id=created.id)),
            ("ListVersions", cv_pb2.ListVersionsRequest(id=created.id)),
            ("CreateCv", cv_pb2.CreateCvRequest(copy_of=created.id))):
        error = await cv.error(method, request, as_user=stranger)
        assert error.code() == grpc.StatusCode.NOT_FOUND, method


@pytest.mark.parametrize("cv_overrides", [{"trash_retention_seconds": 1,
                                           "purge_interval_seconds": 0.2}])
async def test_the_trash_keeps_a_cv_until_restored_or_purged(cv) -> None:
    owner = user()
    kept, purged = await cv.create(owner, title="kept"), await cv.create(owner, title="gone")
    for created in (kept, purged):
        await cv.call("DeleteCv", cv_pb2.DeleteCvRequest(id=created.id), as_user=owner)
    listed = await cv.call("ListCvs", cv_pb2.ListCvsRequest(), as_user=owner)
    assert list(listed.cvs) == []
    trash = await cv.call("ListTrash", cv_pb2.ListCvsRequest(), as_user=owner)
    assert {c.title for c in trash.cvs} == {"kept", "gone"}

    restored = await cv.call("RestoreCv", cv_pb2.RestoreCvRequest(id=kept.id), as_user=owner)
    assert not restored.HasField("deleted_at")

    async def purged_for_good() -> bool:
        return await cv.rows("SELECT id FROM cvs WHERE id = :id", id=purged.id) == []

    await eventually(purged_for_good)
    assert await cv.rows("SELECT version FROM cv_versions WHERE cv_id = :id",
                         id=purged.id) == []
    assert (await cv.call("GetCv", cv_pb2.GetCvRequest(id=kept.id), as_user=owner)).id \
        == kept.id


async def test_user_deleted_erases_every_cv_and_version(cv) -> None:
    owner, other = user(), user()
    first = await cv.create(owner)
    await cv.call("UpdateSection", cv_pb2.UpdateSectionRequest(
        id=first.id, expected_version=1, section="work", value_json=json.dumps(WORK)),
        as_user=owner)
    await cv.create(owner, copy_of=first.id)
    kept = await cv.create(other)

    event = await cv.publish("user.deleted", auth_events.UserDeleted(user_id=owner),
                             source="auth", subject=owner)
    await cv.republish(event, source="auth", dedupe=False)

    async def erased() -> bool:
        return await cv.rows("SELECT owner_id::text FROM cvs") == [(other,)]

    await eventually(erased)
    assert [str(r[0]) for r in await cv.rows("SELECT DISTINCT cv_id FROM cv_versions")] \
        == [kept.id]


async def test_a_download_is_counted_and_announced(cv) -> None:
    owner = user()
    created = await cv.create(owner)

    downloaded = await cv.call("RecordDownload", cv_pb2.RecordDownloadRequest(
        id=created.id, format="json"), as_user=owner)

    assert downloaded.download_count == 1
    [event] = await cv.published("cv.downloaded", events_pb2.CvDownloaded)
    assert (event.cv_id, event.format, event.version) == (created.id, "json", 1)
    error = await cv.error("RecordDownload", cv_pb2.RecordDownloadRequest(
        id=created.id, format="exe"), as_user=owner)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
