"""Collaboration through the cv service's gRPC API: the owner shares a CV by account e-mail
(known from user.registered) as viewer, commenter or editor; each role can do what it says and
no more; a stranger sees nothing (NOT_FOUND, not PERMISSION_DENIED); an editor's saves are
versions with their name; comments on sections are resolved and reopened; a deleted user's
grants and comments go — against real PostgreSQL and NATS."""

from __future__ import annotations

import json
import uuid

import grpc

from career.auth.v1 import events_pb2 as auth_events
from career.cv.v1 import cv_pb2
from devstack.service_harness import eventually


async def _person(cv, name: str) -> tuple[str, str]:
    """A registered user the cv service has heard of: (id, e-mail)."""
    user_id, email = str(uuid.uuid4()), f"{name}-{uuid.uuid4().hex[:6]}@Example.com"
    await cv.publish("user.registered", auth_events.UserRegistered(
        user_id=user_id, email=email, name=name.title()), source="auth", subject=user_id)

    async def known() -> bool:
        return bool(await cv.rows("SELECT 1 FROM cv_people WHERE user_id = :id",
                                  id=uuid.UUID(user_id)))

    await eventually(known)
    return user_id, email


async def _share(cv, owner: str, cv_id: str, email: str, role: str) -> cv_pb2.Collaborator:
    return await cv.call("ShareCv", cv_pb2.ShareCvRequest(id=cv_id, email=email, role=role),
                         as_user=owner)


async def test_each_role_can_do_what_it_says_and_a_stranger_sees_nothing(cv) -> None:
    owner = str(uuid.uuid4())
    viewer, viewer_email = await _person(cv, "vera")
    commenter, commenter_email = await _person(cv, "carl")
    editor, editor_email = await _person(cv, "eddie")
    stranger = str(uuid.uuid4())
    created = await cv.create(owner, title="Shared CV")
    # The e-mail is matched whatever its case.
    granted = await _share(cv, owner, created.id, viewer_email.upper(), "viewer")
    assert (granted.user_id, granted.role, granted.name) == (viewer, "viewer", "Vera")
    await _share(cv, owner, created.id, commenter_email, "commenter")
    await _share(cv, owner, created.id, editor_email, "editor")

    seen = await cv.call("GetCv", cv_pb2.GetCvRequest(id=created.id), as_user=viewer)
    assert (seen.title, seen.role) == ("Shared CV", "viewer")
    shared = await cv.call("ListSharedWithMe", cv_pb2.ListCvsRequest(), as_user=editor)
    assert [(c.id, c.role) for c in shared.cvs] == [(created.id, "editor")]
    save = cv_pb2.UpdateSectionRequest(id=created.id, expected_version=1, section="work",
                                       value_json=json.dumps([{"name": "Acme"}]))
    for who in (viewer, commenter):
        error = await cv.error("UpdateSection", save, as_user=who)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = await cv.error("AddComment", cv_pb2.AddCommentRequest(
        id=created.id, section="work", body="x"), as_user=viewer)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    for method, request in (("GetCv", cv_pb2.GetCvRequest(id=created.id)),
                            ("UpdateSection", save),
                            ("ListComments", cv_pb2.ListCommentsRequest(id=created.id)),
                            ("ListCollaborators",
                             cv_pb2.ListCollaboratorsRequest(id=created.id))):
        error = await cv.error(method, request, as_user=stranger)
        assert error.code() == grpc.StatusCode.NOT_FOUND, method

    saved = await cv.call("UpdateSection", save, as_user=editor)
    assert (saved.version, saved.role) == (2, "editor")
    [newest, _] = (await cv.call("ListVersions", cv_pb2.ListVersionsRequest(id=created.id),
                                 as_user=owner)).versions
    assert newest.author_id == editor
    # Managing the CV stays the owner's.
    for method, request in (("DeleteCv", cv_pb2.DeleteCvRequest(id=created.id)),
                            ("CreateShareLink", cv_pb2.CreateShareLinkRequest(id=created.id)),
                            ("ShareCv", cv_pb2.ShareCvRequest(id=created.id,
                                                              email=viewer_email,
                                                              role="editor"))):
        error = await cv.error(method, request, as_user=editor)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, method


async def test_comments_are_added_resolved_reopened_and_deleted_by_who_may(cv) -> None:
    owner = str(uuid.uuid4())
    commenter, email = await _person(cv, "cora")
    created = await cv.create(owner)
    await _share(cv, owner, created.id, email, "commenter")

    comment = await cv.call("AddComment", cv_pb2.AddCommentRequest(
        id=created.id, section="work", body="<b>Quantify</b> the impact"), as_user=commenter)
    assert comment.body == "<b>Quantify</b> the impact"  # kept as text; clients show text
    bad = await cv.error("AddComment", cv_pb2.AddCommentRequest(
        id=created.id, section="hobbies", body="x"), as_user=commenter)
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    await cv.call("AddComment", cv_pb2.AddCommentRequest(id=created.id, section="skills",
                                                         body="Add Go"), as_user=owner)

    resolved = await cv.call("ResolveComment", cv_pb2.ResolveCommentRequest(
        id=created.id, comment_id=comment.id, resolved=True), as_user=owner)
    assert resolved.resolved_by == owner and resolved.HasField("resolved_at")
    open_ones = await cv.call("ListComments", cv_pb2.ListCommentsRequest(
        id=created.id, include_resolved=False), as_user=commenter)
    assert [c.section for c in open_ones.comments] == ["skills"]
    reopened = await cv.call("ResolveComment", cv_pb2.ResolveCommentRequest(
        id=created.id, comment_id=comment.id, resolved=False), as_user=commenter)
    assert not reopened.HasField("resolved_at")
    on_work = await cv.call("ListComments", cv_pb2.ListCommentsRequest(
        id=created.id, section="work", include_resolved=True), as_user=owner)
    assert [c.id for c in on_work.comments] == [comment.id]

    owners = (await cv.call("ListComments", cv_pb2.ListCommentsRequest(id=created.id),
                            as_user=owner)).comments[1]
    error = await cv.error("DeleteComment", cv_pb2.DeleteCommentRequest(
        id=created.id, comment_id=owners.id), as_user=commenter)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    await cv.call("DeleteComment", cv_pb2.DeleteCommentRequest(
        id=created.id, comment_id=comment.id), as_user=owner)


async def test_unsharing_and_a_deleted_collaborator_leave_nothing_behind(cv) -> None:
    owner = str(uuid.uuid4())
    first, first_email = await _person(cv, "fay")
    second, second_email = await _person(cv, "sid")
    created = await cv.create(owner)
    await _share(cv, owner, created.id, first_email, "editor")
    await _share(cv, owner, created.id, second_email, "commenter")
    await cv.call("AddComment", cv_pb2.AddCommentRequest(id=created.id, section="basics",
                                                         body="Hi"), as_user=second)

    # A collaborator may leave; the owner may remove anyone.
    other = await cv.error("UnshareCv", cv_pb2.UnshareCvRequest(id=created.id, user_id=second),
                           as_user=first)
    assert other.code() == grpc.StatusCode.PERMISSION_DENIED
    await cv.call("UnshareCv", cv_pb2.UnshareCvRequest(id=created.id, user_id=first),
                  as_user=first)
    gone = await cv.error("GetCv", cv_pb2.GetCvRequest(id=created.id), as_user=first)
    assert gone.code() == grpc.StatusCode.NOT_FOUND

    await cv.publish("user.deleted", auth_events.UserDeleted(user_id=second), source="auth",
                     subject=second)

    async def erased() -> bool:
        params = {"id": uuid.UUID(second)}
        return not any([
            await cv.rows("SELECT 1 FROM cv_grants WHERE user_id = :id", **params),
            await cv.rows("SELECT 1 FROM cv_comments WHERE author_id = :id", **params),
            await cv.rows("SELECT 1 FROM cv_people WHERE user_id = :id", **params)])

    await eventually(erased)
    listed = await cv.call("ListCollaborators", cv_pb2.ListCollaboratorsRequest(id=created.id),
                           as_user=owner)
    assert list(listed.collaborators) == []
    unknown = await cv.error("ShareCv", cv_pb2.ShareCvRequest(
        id=created.id, email="nobody@example.com", role="viewer"), as_user=owner)
    assert unknown.code() == grpc.StatusCode.NOT_FOUND
