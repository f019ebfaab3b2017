"""Public links through the cv service's gRPC API: created and revoked by the owner only,
unguessable, expiring; what a link shows without sign-in; one view per viewer and hour
(counted in Redis across replicas), downloads, statistics by day and cv.viewed — against real
PostgreSQL, Redis and NATS."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pypdf

from career.cv.v1 import cv_pb2, events_pb2
from career_kit.conversions import timestamp


def user() -> str:
    return str(uuid.uuid4())


async def _link(cv, owner: str, cv_id: str, **fields) -> cv_pb2.ShareLink:
    return await cv.call("CreateShareLink", cv_pb2.CreateShareLinkRequest(id=cv_id, **fields),
                         as_user=owner)


async def test_a_link_shows_the_cv_to_anybody_and_counts_each_viewer_once_an_hour(cv) -> None:
    owner = user()
    created = await cv.create(owner, title="Public CV")
    link = await _link(cv, owner, created.id)
    assert len(link.slug) >= 22 and link.views == 0

    for viewer in ("anon:a", "anon:a", "anon:b", owner):  # the owner's own look is no view
        shown = await cv.call("GetPublicCv", cv_pb2.GetPublicCvRequest(slug=link.slug,
                                                                       viewer=viewer))
        assert shown.title == "Public CV"

    [listed] = (await cv.call("ListShareLinks", cv_pb2.ListShareLinksRequest(id=created.id),
                              as_user=owner)).links
    assert listed.views == 2
    viewed = await cv.published("cv.viewed", events_pb2.CvViewed)
    assert [(e.cv_id, e.user_id, e.link_id, e.views) for e in viewed] == [
        (created.id, owner, link.id, 1), (created.id, owner, link.id, 2)]
    # The hour is Redis's: the key that stops a second count expires with it.
    keys = [key async for key in cv.redis.scan_iter(match=f"*cv:view:{link.id}:*")]
    assert len(keys) == 2
    assert all([3500 < await cv.redis.ttl(key) <= 3600 for key in keys])
    await cv.redis.delete(*keys)  # an hour later
    await cv.call("GetPublicCv", cv_pb2.GetPublicCvRequest(slug=link.slug, viewer="anon:a"))
    stats = await cv.call("GetShareLinkStats", cv_pb2.GetShareLinkStatsRequest(
        id=created.id, link_id=link.id, days=7), as_user=owner)
    assert stats.link.views == 3 and len(stats.days) == 7
    assert [d.views for d in stats.days] == [0, 0, 0, 0, 0, 0, 3]
    assert stats.days[-1].day == datetime.now(UTC).date().isoformat()


async def test_the_public_pdf_is_counted_as_a_download_of_the_link_and_the_cv(cv) -> None:
    owner = user()
    created = await cv.create(owner, title="Public CV")
    link = await _link(cv, owner, created.id)

    export = await cv.call("ExportPublicCv", cv_pb2.ExportPublicCvRequest(slug=link.slug,
                                                                          viewer="anon:a"))

    assert export.media_type == "application/pdf"
    assert pypdf.PdfReader(io.BytesIO(export.content)).pages
    [listed] = (await cv.call("ListShareLinks", cv_pb2.ListShareLinksRequest(id=created.id),
                              as_user=owner)).links
    assert listed.downloads == 1
    again = await cv.call("GetCv", cv_pb2.GetCvRequest(id=created.id), as_user=owner)
    assert again.download_count == 1
    [event] = await cv.published("cv.downloaded", events_pb2.CvDownloaded)
    assert (event.format, event.link_id) == ("pdf", link.id)


async def test_revoked_expired_unknown_links_and_trashed_cvs_show_nothing(cv) -> None:
    owner = user()
    created = await cv.create(owner)
    revoked = await _link(cv, owner, created.id)
    expiring = await _link(cv, owner, created.id,
                           expires_at=timestamp(datetime.now(UTC) + timedelta(days=1)))
    kept = await _link(cv, owner, created.id)

    await cv.call("RevokeShareLink", cv_pb2.RevokeShareLinkRequest(
        id=created.id, link_id=revoked.id), as_user=owner)
    await cv.rows("UPDATE cv_links SET expires_at = now() - interval '1 second' "
                     "WHERE id = :id", id=uuid.UUID(expiring.id))

    for slug in (revoked.slug, expiring.slug, "x" * 22, "short"):
        error = await cv.error("GetPublicCv", cv_pb2.GetPublicCvRequest(slug=slug, viewer="v"))
        assert error.code() == grpc.StatusCode.NOT_FOUND
    await cv.call("GetPublicCv", cv_pb2.GetPublicCvRequest(slug=kept.slug, viewer="v"))
    await cv.call("DeleteCv", cv_pb2.DeleteCvRequest(id=created.id), as_user=owner)
    error = await cv.error("ExportPublicCv", cv_pb2.ExportPublicCvRequest(slug=kept.slug))
    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_only_the_owner_manages_links(cv) -> None:
    owner, stranger = user(), user()
    created = await cv.create(owner)
    link = await _link(cv, owner, created.id)

    for method, request in (
            ("CreateShareLink", cv_pb2.CreateShareLinkRequest(id=created.id)),
            ("ListShareLinks", cv_pb2.ListShareLinksRequest(id=created.id)),
            ("RevokeShareLink", cv_pb2.RevokeShareLinkRequest(id=created.id, link_id=link.id)),
            ("GetShareLinkStats", cv_pb2.GetShareLinkStatsRequest(id=created.id,
                                                                  link_id=link.id))):
        error = await cv.error(method, request, as_user=stranger)
        assert error.code() == grpc.StatusCode.NOT_FOUND, method
    past = await cv.error("CreateShareLink", cv_pb2.CreateShareLinkRequest(
        id=created.id, expires_at=timestamp(datetime.now(UTC) - timedelta(minutes=1))),
        as_user=owner)
    assert past.code() == grpc.StatusCode.INVALID_ARGUMENT
