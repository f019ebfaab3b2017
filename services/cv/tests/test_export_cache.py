"""Rendered exports are kept by (CV, version, template, options, format): a second download
of the same version is not rendered again, a save renders anew, and the cache stays within
its size."""

from __future__ import annotations

import json
import uuid

from career.cv.v1 import cv_pb2
from cv.exports import RenderCache


async def test_the_same_version_is_served_from_the_cache_and_a_save_renders_anew(cv) -> None:
    owner = str(uuid.uuid4())
    created = await cv.create(owner, title="Cached", content={"basics": {"name": "Ada"}})
    request = cv_pb2.ExportCvRequest(id=created.id, format="txt")
    first = await cv.call("ExportCv", request, as_user=owner)
    assert first.content.startswith(b"Ada")
    # Changed behind the service's back, version and all kept: only a render would show it.
    await cv.rows("UPDATE cvs SET content = jsonb_set(content, '{basics,name}', '\"Grace\"') "
                  "WHERE id = :id", id=uuid.UUID(created.id))

    second = await cv.call("ExportCv", request, as_user=owner)
    assert second.content == first.content
    await cv.call("SetDesign", cv_pb2.SetDesignRequest(
        id=created.id, expected_version=1, template="classic",
        options_json=json.dumps({"accent": "#336699"})), as_user=owner)
    third = await cv.call("ExportCv", request, as_user=owner)
    assert third.version == 2 and third.content.startswith(b"Grace")
    counted = await cv.call("GetCv", cv_pb2.GetCvRequest(id=created.id), as_user=owner)
    assert counted.download_count == 3  # a cached download is a download


def test_the_least_recently_used_render_goes_first_past_the_limit() -> None:
    cache = RenderCache(max_bytes=10)
    cache.put(("a",), b"1234")
    cache.put(("b",), b"1234")
    assert cache.get(("a",)) == b"1234"  # now the most recent
    cache.put(("c",), b"1234")

    assert cache.get(("b",)) is None
    assert cache.get(("a",)) == b"1234" and cache.get(("c",)) == b"1234"
    cache.put(("huge",), b"x" * 11)
    assert cache.get(("huge",)) is None
