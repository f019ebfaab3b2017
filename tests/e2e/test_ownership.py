"""No route lets one user read or change another user's data by naming its id.

`test_every_route_with_a_path_parameter_is_classified` reads the live OpenAPI document: a new
route with a path parameter fails it until it is listed here — as not user data, as acting
only on the caller's own records, or with an ownership check below that proves user B gets
404 for user A's resource and A's resource is untouched.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

# Path parameters that name no user's data.
NOT_USER_DATA = {
    "/webhooks/stripe/{path}",
    "/webhooks/social/{path}",
    "/auth/oauth/{provider}/start",
    "/auth/oauth/{provider}/callback",
    "/auth/oauth/{provider}/link",
    "/api/uploads/{bucket}",
    "/cvs/templates/{name}/preview.png",
}
# The parameter is a secret the owner handed out (a public link's 128-bit slug): whoever holds
# it may read, nobody can list or guess one (tests/e2e/test_cv_flow.py, services/cv tests).
CAPABILITIES = {"/public/cvs/{slug}", "/public/cvs/{slug}/pdf"}
# The parameter selects among the caller's own records; no id of another user fits in it.
CALLER_SCOPED = {"/auth/identities/{provider}"}


def _sessions(new_browser) -> None:
    alice, bob = new_browser(), new_browser()
    alice.sign_up_and_in(f"owner-{id(alice)}@example.com")
    bob.sign_up_and_in(f"other-{id(bob)}@example.com")
    [session] = alice.call("GET", "/auth/sessions", bearer=alice.access_token).json()
    assert bob.call("DELETE", f"/auth/sessions/{session['id']}",
                    bearer=bob.access_token).status_code == 404
    assert alice.call("GET", "/auth/sessions", bearer=alice.access_token).json() == [session]


def _uploads(new_browser) -> None:
    """GET, DELETE and the signed link of another user's upload are 404 (test_uploads.py
    checks the same end to end with a real file)."""
    alice, bob = new_browser(), new_browser()
    alice.sign_up_and_in(f"owner-{id(alice)}@example.com")
    bob.sign_up_and_in(f"other-{id(bob)}@example.com")
    image = alice.call("POST", "/api/uploads/profile-images", bearer=alice.access_token,
                       content=_tiny_png(), headers={"X-File-Name": "me.png"})
    assert image.status_code == 201, image.text
    file_id = image.json()["id"]
    for method, path in (("GET", f"/api/uploads/{file_id}"),
                         ("GET", f"/api/uploads/{file_id}/url"),
                         ("DELETE", f"/api/uploads/{file_id}")):
        assert bob.call(method, path, bearer=bob.access_token).status_code == 404
    assert alice.call("GET", f"/api/uploads/{file_id}",
                      bearer=alice.access_token).status_code == 200


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _cvs(new_browser) -> None:
    """Every route of another user's CV is 404, and the CV is untouched."""
    alice, bob = new_browser(), new_browser()
    alice.sign_up_and_in(f"owner-{id(alice)}@example.com")
    bob.sign_up_and_in(f"other-{id(bob)}@example.com")
    cv = alice.call("POST", "/cvs", bearer=alice.access_token, json={"title": "Mine"}).json()
    path = f"/cvs/{cv['id']}"
    match = {"If-Match": '"v1"'}
    link = alice.call("POST", f"{path}/share", bearer=alice.access_token, json={}).json()
    comment = alice.call("POST", f"{path}/comments", bearer=alice.access_token,
                         json={"section": "work", "body": "Mine"}).json()
    alice_id = alice.call("GET", "/auth/me", bearer=alice.access_token).json()["id"]
    bob_email = bob.call("GET", "/auth/me", bearer=bob.access_token).json()["email"]
    for method, route, kwargs in (
            ("PUT", f"{path}/design", {"json": {"template": "classic"}, "headers": match}),
            ("POST", f"{path}/share", {"json": {}}), ("GET", f"{path}/share", {}),
            ("DELETE", f"{path}/share/{link['id']}", {}),
            ("GET", f"{path}/share/{link['id']}/stats", {}),
            ("POST", f"{path}/collaborators", {"json": {"email": bob_email,
                                                        "role": "editor"}}),
            ("GET", f"{path}/collaborators", {}),
            ("DELETE", f"{path}/collaborators/{alice_id}", {}),
            ("POST", f"{path}/comments", {"json": {"section": "work", "body": "x"}}),
            ("GET", f"{path}/comments", {}),
            ("POST", f"{path}/comments/{comment['id']}/resolve", {"json": {}}),
            ("DELETE", f"{path}/comments/{comment['id']}", {}),
            ("GET", f"{path}/cover-letters", {}),
            ("GET", f"{path}/cover-letters/{uuid.uuid4()}/export/pdf", {}),
            ("GET", path, {}), ("DELETE", path, {}),
            ("PUT", path, {"json": {"title": "x", "template": "modern", "content": {}},
                           "headers": match}),
            ("PATCH", f"{path}/sections/work", {"json": [], "headers": match}),
            ("POST", f"{path}/restore", {}), ("GET", f"{path}/versions", {}),
            ("GET", f"{path}/versions/1", {}), ("GET", f"{path}/export/json", {}),
            ("POST", f"{path}/versions/1/restore", {"headers": match})):
        response = bob.call(method, route, bearer=bob.access_token, **kwargs)
        assert response.status_code == 404, (method, route, response.text)
    mine = alice.call("GET", path, bearer=alice.access_token)
    assert mine.status_code == 200 and mine.json()["version"] == 1
    [kept] = alice.call("GET", f"{path}/share", bearer=alice.access_token).json()["links"]
    assert kept["revoked_at"] is None
    [note] = alice.call("GET", f"{path}/comments", bearer=alice.access_token).json()["comments"]
    assert note["resolved_at"] is None
    assert alice.call("GET", f"{path}/collaborators",
                      bearer=alice.access_token).json()["collaborators"] == []


OWNERSHIP_CHECKS: dict[str, Callable] = {
    "/auth/sessions/{session_id}": _sessions,
    "/api/uploads/{file_id}": _uploads,
    "/api/uploads/{file_id}/url": _uploads,
    "/cvs/{cv_id}": _cvs,
    "/cvs/{cv_id}/sections/{section}": _cvs,
    "/cvs/{cv_id}/restore": _cvs,
    "/cvs/{cv_id}/versions": _cvs,
    "/cvs/{cv_id}/versions/{version}": _cvs,
    "/cvs/{cv_id}/versions/{version}/restore": _cvs,
    "/cvs/{cv_id}/export/{export_format}": _cvs,
    "/cvs/{cv_id}/design": _cvs,
    "/cvs/{cv_id}/share": _cvs,
    "/cvs/{cv_id}/share/{link_id}": _cvs,
    "/cvs/{cv_id}/share/{link_id}/stats": _cvs,
    "/cvs/{cv_id}/collaborators": _cvs,
    "/cvs/{cv_id}/collaborators/{user_id}": _cvs,
    "/cvs/{cv_id}/comments": _cvs,
    "/cvs/{cv_id}/comments/{comment_id}": _cvs,
    "/cvs/{cv_id}/comments/{comment_id}/resolve": _cvs,
    "/cvs/{cv_id}/cover-letters": _cvs,
    "/cvs/{cv_id}/cover-letters/{letter_id}/export/{export_format}": _cvs,
}


def test_every_route_with_a_path_parameter_is_classified(gateway) -> None:
    paths = {path for path in gateway.get("/openapi.json").json()["paths"] if "{" in path}
    unclassified = (paths - NOT_USER_DATA - CALLER_SCOPED - CAPABILITIES
                    - set(OWNERSHIP_CHECKS))
    assert not unclassified, f"add an ownership check for {sorted(unclassified)}"
    assert set(OWNERSHIP_CHECKS) <= paths, "a checked route no longer exists"


# Each check once, however many routes it covers.
CHECKS = sorted(set(OWNERSHIP_CHECKS.values()), key=lambda check: check.__name__)


@pytest.mark.parametrize("check", CHECKS, ids=[check.__name__.strip("_") for check in CHECKS])
def test_another_users_resource_is_not_found(check, new_browser) -> None:
    check(new_browser)
