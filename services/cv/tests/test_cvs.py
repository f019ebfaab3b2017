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
from devstack.servers import free_port
from devstack.service_harness import eventually


def user() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def cv_overrides() -> dict[str, str]:
    # No billing answers here (a port nothing listens on; the default one may be another
    # test's `make run`).
    return {"billing_grpc_target": f"127.0.0.1:{free_port()}"}


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
    created = await cv.create(owner, title="Backend CV")

    export = await cv.call("ExportCv", cv_pb2.ExportCvRequest(id=created.id, format="txt"),
                           as_user=owner)

    assert (export.media_type, export.file_name, export.version) == (
        "text/plain; charset=utf-8", "Backend-CV.txt", 1)
    again = await cv.call("GetCv", cv_pb2.GetCvRequest(id=created.id), as_user=owner)
    assert again.download_count == 1
    [event] = await cv.published("cv.downloaded", events_pb2.CvDownloaded)
    assert (event.cv_id, event.format, event.version, event.link_id) == (
        created.id, "txt", 1, "")
    error = await cv.error("ExportCv", cv_pb2.ExportCvRequest(id=created.id, format="exe"),
                           as_user=owner)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    stranger = await cv.error("ExportCv", cv_pb2.ExportCvRequest(id=created.id, format="pdf"),
                              as_user=user())
    assert stranger.code() == grpc.StatusCode.NOT_FOUND


async def test_the_design_is_a_version_and_bad_options_are_named(cv) -> None:
    owner = user()
    created = await cv.create(owner, template="classic")

    designed = await cv.call("SetDesign", cv_pb2.SetDesignRequest(
        id=created.id, expected_version=1, template="minimal",
        options_json=json.dumps({"accent": "#aa0000", "page_size": "letter"})), as_user=owner)

    assert (designed.template, designed.version) == ("minimal", 2)
    assert json.loads(designed.options_json) == {"accent": "#aa0000", "page_size": "letter"}
    bad = await cv.error("SetDesign", cv_pb2.SetDesignRequest(
        id=created.id, expected_version=2, template="minimal",
        options_json=json.dumps({"font_size": 40})), as_user=owner)
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad.details().startswith("options.font_size")
    restored = await cv.call("RestoreVersion", cv_pb2.RestoreVersionRequest(
        id=created.id, version=1, expected_version=2), as_user=owner)
    assert (restored.template, json.loads(restored.options_json)) == ("classic", {})


async def test_premium_templates_need_the_plan_and_free_ones_never_ask_billing(cv) -> None:
    """No billing runs beside this service: free templates work regardless, a premium one
    cannot be checked (503) rather than granted. The plan's answer is tested end to end."""
    owner = user()
    templates = (await cv.call("ListTemplates", cv_pb2.ListTemplatesRequest())).templates
    assert {t.name: t.premium for t in templates} == {
        "modern": False, "classic": False, "minimal": False,
        "creative": True, "executive": True, "tech": True}
    assert all(t.ats_safe for t in templates if t.name != "creative")

    for name in ("modern", "classic", "minimal"):
        assert (await cv.create(owner, template=name)).template == name
    error = await cv.error("CreateCv", cv_pb2.CreateCvRequest(template="tech"), as_user=owner)
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    preview = await cv.call("GetTemplatePreview",
                            cv_pb2.GetTemplatePreviewRequest(name="creative"))
    assert preview.png.startswith(b"\x89PNG\r\n")


async def test_cv_completed_is_published_once_when_the_cv_first_is_complete(cv) -> None:
    owner = user()
    created = await cv.create(owner, content={"basics": {"name": "Ada", "email": "a@b.io"}})
    assert not created.HasField("completed_at")
    version = created.version
    for section, value in (
            ("basics", {"name": "Ada", "email": "a@b.io", "summary": "Engineer."}),
            ("work", [{"name": "Acme", "position": "Engineer"}]),
            ("skills", [{"name": "Python"}]),
            ("skills", [{"name": "Python"}, {"name": "Go"}])):
        saved = await cv.call("UpdateSection", cv_pb2.UpdateSectionRequest(
            id=created.id, expected_version=version, section=section,
            value_json=json.dumps(value)), as_user=owner)
        version = saved.version

    assert saved.HasField("completed_at")
    [event] = await cv.published("cv.completed", events_pb2.CvCompleted)
    assert (event.cv_id, event.user_id, event.version) == (created.id, owner, 4)
