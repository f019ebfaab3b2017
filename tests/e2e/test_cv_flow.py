"""The CV builder end to end through the gateway: create, edit sections with If-Match (a stale
ETag is 412, none 428), invalid content named with a 422, versions, the trash, PDF and DOCX
exports read back as an ATS reads them, a public link viewed anonymously, premium templates
behind the plan, collaboration, and the account's erasure leaving nothing behind."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
import zipfile

import asyncpg
import docx
import httpx
import pypdf
from PIL import Image

from devstack.samples.resumes import full_resume

from .conftest import PASSWORD
from .test_billing_flow import _subscribe, _until

WORK = [{"name": "Acme", "position": "Engineer", "startDate": "2019-05", "endDate": "present"}]


def _share(owner, cv_id: str, email: str, role: str) -> None:
    """Share once the cv service has heard of the account (user.registered is an event: a
    collaborator who signed up a moment ago may not be known yet)."""
    def shared() -> bool:
        """the CV is shared"""
        answer = owner.call("POST", f"/cvs/{cv_id}/collaborators", bearer=owner.access_token,
                            json={"email": email, "role": role})
        assert answer.status_code in (201, 404), answer.text
        return answer.status_code == 201

    _until(shared, within=10.0)


def _signed_in(new_browser):
    browser = new_browser()
    browser.sign_up_and_in(f"cv-{uuid.uuid4().hex[:8]}@example.com")
    return browser


def test_a_cv_is_created_edited_versioned_trashed_and_restored(new_browser) -> None:
    ada = _signed_in(new_browser)
    created = ada.call("POST", "/cvs", bearer=ada.access_token,
                       json={"title": "Engineering CV", "template": "minimal"})
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
    assert old["template"] == "minimal" and not old["content"].get("work")

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
    assert ada.call("GET", f"/cvs/{cv['id']}/export/exe",
                    bearer=ada.access_token).status_code == 404


def test_build_export_share_trash_and_erase_a_cv(new_browser, gateway, stack) -> None:
    """The issue's walk: create from a template, edit sections with If-Match, export PDF and
    DOCX and read them back, share publicly, view anonymously, trash and restore, erase."""
    ada = _signed_in(new_browser)
    resume = full_resume()
    created = ada.call("POST", "/cvs", bearer=ada.access_token,
                       json={"title": "Backend CV", "template": "classic"})
    assert created.status_code == 201, created.text
    cv = created.json()
    path = f"/cvs/{cv['id']}"
    version = 1
    for section in ("basics", "work", "education", "skills", "languages", "projects"):
        saved = ada.call("PATCH", f"{path}/sections/{section}", bearer=ada.access_token,
                         json=resume[section], headers={"If-Match": f'"v{version}"'})
        assert saved.status_code == 200, saved.text
        version = saved.json()["version"]
    stale = ada.call("PATCH", f"{path}/sections/work", bearer=ada.access_token, json=[],
                     headers={"If-Match": '"v1"'})
    assert stale.status_code == 412

    pdf = ada.call("GET", f"{path}/export/pdf", bearer=ada.access_token)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["etag"] == f'"v{version}"'
    pages = pypdf.PdfReader(io.BytesIO(pdf.content)).pages
    text = "\n".join(page.extract_text() for page in pages)
    headings = ["Experience", "Education", "Skills", "Languages", "Projects"]
    positions = [text.find(heading) for heading in [resume["basics"]["name"], *headings]]
    assert -1 not in positions and positions == sorted(positions), positions
    for entry in resume["work"]:
        assert entry["name"] in text
    word = ada.call("GET", f"{path}/export/docx", bearer=ada.access_token)
    assert word.status_code == 200
    document = docx.Document(io.BytesIO(word.content))
    found = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert found == ["Profile", *headings]  # the summary's heading, then the sections
    assert ada.call("GET", path, bearer=ada.access_token).json()["download_count"] == 2

    link = ada.call("POST", f"{path}/share", bearer=ada.access_token, json={})
    assert link.status_code == 201, link.text
    public = link.json()["url"]
    with httpx.Client(base_url=str(gateway.base_url), timeout=30,
                      headers={"User-Agent": "recruiter-browser"}) as anonymous:
        for _ in range(2):
            shown = anonymous.get(public)
            assert shown.status_code == 200, shown.text
        assert shown.json()["content"]["basics"]["name"] == resume["basics"]["name"]
        assert shown.headers["cache-control"] == "private, no-store"
        assert anonymous.get(f"{public}/pdf").content.startswith(b"%PDF")
        assert anonymous.get("/public/cvs/" + "A" * 22).status_code == 404
    [listed] = ada.call("GET", f"{path}/share", bearer=ada.access_token).json()["links"]
    assert (listed["views"], listed["downloads"]) == (1, 1)

    assert ada.call("DELETE", path, bearer=ada.access_token).status_code == 204
    with httpx.Client(base_url=str(gateway.base_url), timeout=30) as anonymous:
        assert anonymous.get(public).status_code == 404  # a trashed CV is not shown
    restored = ada.call("POST", f"{path}/restore", bearer=ada.access_token)
    assert restored.status_code == 200

    user_id = ada.call("GET", "/auth/me", bearer=ada.access_token).json()["id"]
    deleted = ada.call("DELETE", "/auth/me", bearer=ada.access_token,
                       json={"password": PASSWORD})
    assert deleted.status_code == 204, deleted.text
    _wait_until_erased(stack, user_id, cv["id"])


def test_premium_templates_need_a_plan_that_includes_them(stack, new_browser) -> None:
    ada = _signed_in(new_browser)
    refused = ada.call("POST", "/cvs", bearer=ada.access_token, json={"template": "executive"})
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["type"].endswith("plan-upgrade-required")
    assert "Pro and Premium" in problem["detail"]
    templates = ada.call("GET", "/cvs/templates", bearer=ada.access_token).json()["templates"]
    assert [t["name"] for t in templates if t["premium"]] == ["creative", "executive", "tech"]
    preview = ada.call("GET", templates[0]["preview_url"], bearer=ada.access_token)
    assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")

    _subscribe(stack, ada, "pro")

    def unlocked() -> bool:
        """billing's entitlements include premium templates"""
        return ada.call("GET", "/api/plans/entitlements",
                        bearer=ada.access_token).json()["premium_templates"]

    _until(unlocked, within=10.0)
    created = ada.call("POST", "/cvs", bearer=ada.access_token, json={"template": "executive"})
    assert created.status_code == 201, created.text
    # The owner's plan decides, whoever edits: a free editor may pick a premium template.
    cv = ada.call("POST", "/cvs", bearer=ada.access_token, json={"template": "classic"}).json()
    bob = _signed_in(new_browser)
    bob_email = bob.call("GET", "/auth/me", bearer=bob.access_token).json()["email"]
    _share(ada, cv["id"], bob_email, "editor")
    designed = bob.call("PUT", f"/cvs/{cv['id']}/design", bearer=bob.access_token,
                        json={"template": "tech"}, headers={"If-Match": '"v1"'})
    assert designed.status_code == 200, designed.text


def test_a_collaborator_edits_and_comments_and_a_stranger_sees_nothing(new_browser) -> None:
    ada, bob, eve = _signed_in(new_browser), _signed_in(new_browser), _signed_in(new_browser)
    cv = ada.call("POST", "/cvs", bearer=ada.access_token, json={"title": "Shared"}).json()
    path = f"/cvs/{cv['id']}"
    bob_email = bob.call("GET", "/auth/me", bearer=bob.access_token).json()["email"]

    _share(ada, cv["id"], bob_email, "editor")
    saved = bob.call("PATCH", f"{path}/sections/work", bearer=bob.access_token, json=WORK,
                     headers={"If-Match": '"v1"'})
    assert saved.status_code == 200 and saved.json()["role"] == "editor"
    comment = bob.call("POST", f"{path}/comments", bearer=bob.access_token,
                       json={"section": "work", "body": "Added Acme"})
    assert comment.status_code == 201
    assert [c["id"] for c in bob.call("GET", "/cvs/shared",
                                      bearer=bob.access_token).json()["cvs"]] == [cv["id"]]
    for method, suffix in (("GET", ""), ("GET", "/comments"), ("GET", "/export/pdf")):
        assert eve.call(method, path + suffix, bearer=eve.access_token).status_code == 404
    assert bob.call("DELETE", path, bearer=bob.access_token).status_code == 403


def test_a_linkedin_export_becomes_a_cv(new_browser) -> None:
    ada = _signed_in(new_browser)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Profile.csv", "\ufeffFirst Name,Last Name,Headline,Summary\n"
                                  "Ada,Lovelace,Analyst,Writes programs\n")
        z.writestr("Positions.csv", "Company Name,Title,Description,Location,Started On,"
                                    "Finished On\nAnalytical Engines,Programmer,Notes on the "
                                    "engine,London,Jan 2019,Dec 2021\n")
        z.writestr("Education.csv", "School Name,Start Date,End Date,Notes,Degree Name,"
                                    "Activities\nHome tutoring,2012,2015,,Mathematics,\n")
        z.writestr("Skills.csv", "Name\nMathematics\nProgramming\n")
        z.writestr("Certifications.csv", "Name,Url,Authority,Started On,Finished On,"
                                         "License Number\nLogic,,Royal Society,Mar 2018,,\n")

    imported = ada.call("POST", "/cvs/import/linkedin", bearer=ada.access_token,
                        content=archive.getvalue(), headers={"Content-Type": "application/zip"})

    assert imported.status_code == 201, imported.text
    content = imported.json()["content"]
    assert content["basics"]["name"] == "Ada Lovelace"
    assert [(w["name"], w["position"], w["startDate"], w["endDate"])
            for w in content["work"]] == [("Analytical Engines", "Programmer", "2019-01",
                                           "2021-12")]
    assert content["education"][0]["institution"] == "Home tutoring"
    assert [s["name"] for s in content["skills"]] == ["Mathematics", "Programming"]
    assert content["certificates"][0]["issuer"] == "Royal Society"
    garbage = ada.call("POST", "/cvs/import/linkedin", bearer=ada.access_token,
                       content=b"not a zip", headers={"Content-Type": "application/zip"})
    assert garbage.status_code == 422, garbage.text


def test_erasing_the_account_erases_its_cvs(new_browser, stack) -> None:
    ada = _signed_in(new_browser)
    cv = ada.call("POST", "/cvs", bearer=ada.access_token, json={"title": "To go"}).json()
    user_id = ada.call("GET", "/auth/me", bearer=ada.access_token).json()["id"]
    deleted = ada.call("DELETE", "/auth/me", bearer=ada.access_token,
                       json={"password": PASSWORD})
    assert deleted.status_code == 204, deleted.text
    _wait_until_erased(stack, user_id, cv["id"])


def _wait_until_erased(stack, user_id: str, cv_id: str) -> None:
    """Nothing of the user left in the cv service's database: CVs, versions, links, grants,
    comments, what it knew of them."""
    async def remaining() -> int:
        connection = await asyncpg.connect(stack.database_url("cv").replace(
            "postgresql+asyncpg://", "postgresql://"))
        user, cv = uuid.UUID(user_id), uuid.UUID(cv_id)
        try:
            return sum([
                await connection.fetchval(
                    "SELECT count(*) FROM cvs WHERE owner_id = $1 OR id = $2", user, cv),
                await connection.fetchval(
                    "SELECT count(*) FROM cv_versions WHERE cv_id = $1 OR author_id = $2",
                    cv, user),
                await connection.fetchval("SELECT count(*) FROM cv_links WHERE cv_id = $1", cv),
                await connection.fetchval(
                    "SELECT count(*) FROM cv_grants WHERE cv_id = $1 OR user_id = $2", cv, user),
                await connection.fetchval(
                    "SELECT count(*) FROM cv_comments WHERE cv_id = $1 OR author_id = $2",
                    cv, user),
                await connection.fetchval("SELECT count(*) FROM cv_people WHERE user_id = $1",
                                          user)])
        finally:
            await connection.close()

    deadline = time.monotonic() + 30
    while asyncio.run(remaining()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert asyncio.run(remaining()) == 0


def test_markup_a_user_types_never_reaches_a_reader_as_live_html(new_browser, gateway) -> None:
    ada = _signed_in(new_browser)
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)"> **bold**'
    cv = ada.call("POST", "/cvs", bearer=ada.access_token, json={"content": {"basics": {
        "name": "Ada <b>L</b>", "summary": payload}}}).json()
    link = ada.call("POST", f"/cvs/{cv['id']}/share", bearer=ada.access_token, json={}).json()

    with httpx.Client(base_url=str(gateway.base_url), timeout=30) as anonymous:
        shown = anonymous.get(link["url"])
        pdf = anonymous.get(link["url"] + "/pdf")

    # Data, never a page: JSON that browsers may not sniff into HTML; the SPA shows it as text.
    assert shown.headers["content-type"] == "application/json"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.json()["content"]["basics"]["summary"] == payload
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "<script>alert(1)</script>" in text and "Ada <b>L</b>" in text


def _photo(browser) -> str:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), (40, 90, 160)).save(out, "PNG")
    uploaded = browser.call("POST", "/api/uploads/profile-images", bearer=browser.access_token,
                            content=out.getvalue(), headers={"X-File-Name": "me.png"})
    assert uploaded.status_code == 201, uploaded.text
    return uploaded.json()["id"]


def test_the_owners_photo_is_kept_for_the_cv_and_shown_in_its_exports(new_browser) -> None:
    ada, bob = _signed_in(new_browser), _signed_in(new_browser)
    cv = ada.call("POST", "/cvs", bearer=ada.access_token,
                  json={"template": "modern", "content": {"basics": {"name": "Ada"}}}).json()
    path = f"/cvs/{cv['id']}"

    theirs = ada.call("PATCH", f"{path}/sections/photo", bearer=ada.access_token,
                      json=_photo(bob), headers={"If-Match": '"v1"'})
    assert theirs.status_code == 422 and "photo" in theirs.json()["detail"]
    photo = _photo(ada)
    saved = ada.call("PATCH", f"{path}/sections/photo", bearer=ada.access_token, json=photo,
                     headers={"If-Match": '"v1"'})
    assert saved.status_code == 200, saved.text
    # Attached to the CV: the files service will not delete it while the CV may show it.
    assert ada.call("DELETE", f"/api/uploads/{photo}",
                    bearer=ada.access_token).status_code == 412

    pdf = ada.call("GET", f"{path}/export/pdf", bearer=ada.access_token)
    images = [x for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages
              for x in page.images]
    assert images, "the PDF shows no photo"
    word = docx.Document(io.BytesIO(ada.call("GET", f"{path}/export/docx",
                                             bearer=ada.access_token).content))
    assert len(word.inline_shapes) == 1
