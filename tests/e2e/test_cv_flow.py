"""The CV builder end to end through the gateway: create, edit sections with If-Match (a stale
ETag is 412, none 428), invalid content named with a 422, versions, the trash, and the
account's erasure leaving nothing behind."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg

from devstack.samples.resumes import full_resume

from .conftest import PASSWORD

WORK = [{"name": "Acme", "position": "Engineer", "startDate": "2019-05", "endDate": "present"}]


def _signed_in(new_browser):
    browser = new_browser()
    browser.sign_up_and_in(f"cv-{uuid.uuid4().hex[:8]}@example.com")
    return browser


def test_a_cv_is_created_edited_versioned_trashed_and_restored(new_browser) -> None:
    ada = _signed_in(new_browser)
    created = ada.call("POST", "/cvs", bearer=ada.access_token,
                       json={"title": "Engineering CV", "template": "tech"})
    assert created.status_code == 201, created.text
    cv = created.json()
    assert created.headers["etag"] == '"v1"' and cv["version"] == 1
    path = f"/cvs/{cv['id']}"

    no_etag = ada.call("PATCH", f"{path}/sections/work", bearer=ada.access_token, json=WORK)
    assert no_etag.status_code == 428
    saved = ada.call("PATCH", f"{path}/sections/work", bearer=ada.access_token, json=WORK,
                     headers={"If-Match": '"v1"'})
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] == '"v2"' and saved.json()["content"]["work"][0]["name"] == "Acme"
    stale = ada.call("PATCH", f"{path}/sections/work", bearer=ada.access_token, json=[],
                     headers={"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    invalid = ada.call("PATCH", f"{path}/sections/work", bearer=ada.access_token,
                       json=[{**WORK[0], "url": "javascript:alert(1)"}],
                       headers={"If-Match": '"v2"'})
    assert invalid.status_code == 422 and "work[0].url" in invalid.json()["detail"]

    versions = ada.call("GET", f"{path}/versions", bearer=ada.access_token).json()["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    old = ada.call("GET", f"{path}/versions/1", bearer=ada.access_token).json()
    assert old["template"] == "tech" and not old["content"].get("work")

    assert ada.call("DELETE", path, bearer=ada.access_token).status_code == 204
    assert ada.call("GET", path, bearer=ada.access_token).status_code == 404
    assert [c["id"] for c in ada.call("GET", "/cvs/trash",
                                      bearer=ada.access_token).json()["cvs"]] == [cv["id"]]
    restored = ada.call("POST", f"{path}/restore", bearer=ada.access_token)
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert [c["id"] for c in ada.call("GET", "/cvs", bearer=ada.access_token).json()["cvs"]] \
        == [cv["id"]]


def test_a_json_resume_imports_and_exports_back_equal(new_browser) -> None:
    ada = _signed_in(new_browser)
    resume = full_resume()

    imported = ada.call("POST", "/cvs/import", bearer=ada.access_token, json=resume)

    assert imported.status_code == 201, imported.text
    cv = imported.json()
    assert cv["title"] == resume["basics"]["name"]
    exported = ada.call("GET", f"/cvs/{cv['id']}/export/json", bearer=ada.access_token)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.json() == resume
    again = ada.call("GET", f"/cvs/{cv['id']}", bearer=ada.access_token).json()
    assert again["download_count"] == 1
    assert ada.call("GET", f"/cvs/{cv['id']}/export/pdf",
                    bearer=ada.access_token).status_code == 501


def test_erasing_the_account_erases_its_cvs(new_browser, stack) -> None:
    ada = _signed_in(new_browser)
    cv = ada.call("POST", "/cvs", bearer=ada.access_token, json={"title": "To go"}).json()
    user_id = ada.call("GET", "/auth/me", bearer=ada.access_token).json()["id"]
    deleted = ada.call("DELETE", "/auth/me", bearer=ada.access_token,
                       json={"password": PASSWORD})
    assert deleted.status_code == 204, deleted.text

    async def remaining() -> int:
        connection = await asyncpg.connect(stack.database_url("cv").replace(
            "postgresql+asyncpg://", "postgresql://"))
        try:
            return await connection.fetchval(
                "SELECT count(*) FROM cvs WHERE owner_id = $1 OR id = $2",
                uuid.UUID(user_id), uuid.UUID(cv["id"]))
        finally:
            await connection.close()

    deadline = time.monotonic() + 30
    while asyncio.run(remaining()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert asyncio.run(remaining()) == 0
