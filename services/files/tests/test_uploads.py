"""Uploads through the files service's own HTTP route (as the gateway streams them), and its
gRPC API: checks by content, deduplication, malware, ownership, references, erasure and the
sweeps — against real PostgreSQL, NATS, local storage and the fake clamd."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from pathlib import Path

import grpc
import httpx
import pytest
from PIL import Image

from career.auth.v1 import events_pb2 as auth_events
from career.files.v1 import events_pb2, files_pb2
from career_kit import context
from devstack.fakes.clamd import eicar
from devstack.samples import content as samples
from devstack.service_harness import INTERNAL_SECRET, eventually

GPS_IFD = 0x8825


def user() -> str:
    return str(uuid.uuid4())


async def stored_keys(files, bucket: str, owner: str) -> list[str]:
    return await files.storage.list(bucket, f"{owner}/")


async def test_a_profile_image_is_re_encoded_without_its_location_in_the_promised_sizes(
        files, tmp_path: Path) -> None:
    owner = user()
    photo = samples.jpeg_with_gps(tmp_path / "me.jpg")
    with Image.open(photo) as original:
        assert GPS_IFD in original.getexif()  # the sample does carry a location

    response = await files.upload("profile-images", photo, as_user=owner, name="me.jpg")

    assert response.status_code == 201, response.text
    file = files_pb2.File.FromString(response.content)
    assert (file.bucket, file.kind, file.original_name) == ("profile-images", "jpeg", "me.jpg")
    assert file.public and file.url.startswith("http://files.test/files/public/profile-images/")
    assert file.scan_result == "clean"
    sizes = {v.name: (v.width, v.height) for v in file.variants}
    assert sizes["512-webp"] == sizes["512-jpeg"] == (512, 512)
    assert sizes["128-webp"] == sizes["128-jpeg"] == (128, 128)
    for variant in file.variants:
        key = variant.url.removeprefix("http://files.test/files/public/profile-images/")
        data = await files.storage.read("profile-images", key)
        with Image.open(io.BytesIO(data)) as stored:
            assert GPS_IFD not in stored.getexif(), variant.name
            assert "exif" not in stored.info, variant.name
            assert stored.size == (variant.width, variant.height)
    [event] = await files.published("file.uploaded", events_pb2.FileUploaded)
    assert (event.file_id, event.user_id, event.bucket) == (file.id, owner, "profile-images")


async def test_the_same_bytes_uploaded_again_answer_the_first_upload(files, tmp_path) -> None:
    owner = user()
    photo = samples.jpeg_with_gps(tmp_path / "me.jpg")
    first = await files.upload("profile-images", photo, as_user=owner)
    again = await files.upload("profile-images", photo, as_user=owner, name="copy.jpg")

    assert (first.status_code, again.status_code) == (201, 200)
    assert files_pb2.File.FromString(again.content).id == files_pb2.File.FromString(
        first.content).id
    assert len(await files.published("file.uploaded", events_pb2.FileUploaded)) == 1
    # Another user's identical bytes are their own file.
    other = await files.upload("profile-images", photo, as_user=user())
    assert other.status_code == 201


async def test_the_kind_comes_from_the_bytes_not_the_name(files, tmp_path) -> None:
    fake_pdf = samples.png(tmp_path / "cv.pdf", size=(64, 64))

    response = await files.upload("cv-files", fake_pdf, as_user=user(), name="cv.pdf")

    assert response.status_code == 415
    problem = response.json()
    assert problem["detected"] == "png"
    assert "png" in problem["detail"] and "pdf" in problem["detail"]


async def test_an_upload_past_the_bucket_limit_is_cut_off(files, tmp_path) -> None:
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * (5 * 1024 * 1024 - 3))  # 5 MB + 1 byte

    response = await files.upload("profile-images", big, as_user=user(), multipart=False)

    assert response.status_code == 413
    assert "5 MB" in response.json()["detail"]


async def test_a_cv_pdf_and_docx_get_first_page_previews(files, tmp_path) -> None:
    owner = user()
    for path in (samples.pdf(tmp_path / "cv.pdf"), samples.docx(tmp_path / "cv.docx")):
        file = await files.uploaded("cv-files", path, as_user=owner)
        [preview] = [v for v in file.variants if v.name == "preview"]
        assert preview.content_type == "image/png" and preview.width > 0
        assert not file.public and not preview.url  # private: signed links only
        key = f"{owner}/{file.id}/preview.png"
        with Image.open(io.BytesIO(await files.storage.read("cv-files", key))) as image:
            assert image.format == "PNG" and image.width == preview.width


async def test_malware_is_refused_stored_nowhere_and_reported(files, clamd, tmp_path) -> None:
    owner = user()
    infected = tmp_path / "invoice.pdf"
    infected.write_bytes(eicar())
    scanned = len(clamd.scanned)

    # Scanned whatever its kind (EICAR is plain text, which cv-files refuses anyway): an
    # attack is worth a security event even when the upload would have been refused.
    response = await files.upload("cv-files", infected, as_user=owner)

    assert response.status_code == 422, response.text
    assert "malware" in response.json()["detail"]
    assert len(clamd.scanned) > scanned
    assert await files.rows("SELECT id FROM stored_files") == []
    assert await stored_keys(files, "cv-files", owner) == []
    [event] = await files.published("security.malware_detected",
                                    auth_events.SecurityEventRecorded)
    assert event.user_id == owner and event.kind == "malware_detected"
    assert json.loads(event.detail_json)["bucket"] == "cv-files"


async def test_another_users_file_is_not_found_everywhere(files, tmp_path) -> None:
    owner, stranger = user(), user()
    file = await files.uploaded("cv-files", samples.pdf(tmp_path / "cv.pdf"), as_user=owner)

    for method, request in (
            ("GetFile", files_pb2.GetFileRequest(id=file.id)),
            ("DeleteFile", files_pb2.DeleteFileRequest(id=file.id)),
            ("GetSignedUrl", files_pb2.GetSignedUrlRequest(id=file.id)),
            ("AttachFile", files_pb2.AttachFileRequest(id=file.id, bucket="cv-files",
                                                       reference="cv:cv:1")),
            ("DetachFile", files_pb2.DetachFileRequest(id=file.id, reference="cv:cv:1"))):
        error = await files.error(method, request, as_user=stranger)
        assert error.code() == grpc.StatusCode.NOT_FOUND, method
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in files.stub.ReadFile(files_pb2.ReadFileRequest(id=file.id),
                                           metadata=_as(stranger)):
            pass
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await files.call("ListFiles", files_pb2.ListFilesRequest(), as_user=stranger)
    assert list(listed.files) == []


def _as(user_id: str) -> list[tuple[str, str]]:
    return [(context.INTERNAL_TOKEN_KEY, INTERNAL_SECRET),
            (context.CALLER_USER_ID_KEY, user_id)]


async def test_read_file_streams_the_stored_bytes(files, tmp_path) -> None:
    owner = user()
    path = samples.pdf(tmp_path / "cv.pdf", pages=3)
    file = await files.uploaded("cv-files", path, as_user=owner)

    chunks = [c async for c in files.stub.ReadFile(files_pb2.ReadFileRequest(id=file.id),
                                                   metadata=_as(owner))]

    assert b"".join(c.data for c in chunks) == path.read_bytes()
    assert chunks[0].content_type == "application/pdf" and chunks[0].size == file.size


async def test_a_referenced_file_is_not_deleted_until_released(files, tmp_path) -> None:
    owner = user()
    file = await files.uploaded("profile-images", samples.png(tmp_path / "me.png"),
                                as_user=owner)
    attached = await files.call("AttachFile", files_pb2.AttachFileRequest(
        id=file.id, bucket="profile-images", reference="auth:profile-image:" + owner),
        as_user=owner)
    assert list(attached.references) == ["auth:profile-image:" + owner]
    wrong_bucket = await files.error("AttachFile", files_pb2.AttachFileRequest(
        id=file.id, bucket="cv-files", reference="cv:cv:1"), as_user=owner)
    assert wrong_bucket.code() == grpc.StatusCode.INVALID_ARGUMENT

    refused = await files.error("DeleteFile", files_pb2.DeleteFileRequest(id=file.id),
                                as_user=owner)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    await files.call("DetachFile", files_pb2.DetachFileRequest(
        id=file.id, reference="auth:profile-image:" + owner), as_user=owner)
    await files.call("DeleteFile", files_pb2.DeleteFileRequest(id=file.id), as_user=owner)

    await eventually(lambda: _empty(files, "profile-images", owner))
    [event] = await files.published("file.deleted", events_pb2.FileDeleted)
    assert (event.file_id, event.reason) == (file.id, "owner")


async def _empty(files, bucket: str, owner: str) -> bool:
    return await stored_keys(files, bucket, owner) == []


async def test_signed_and_public_links_of_local_storage(files, tmp_path) -> None:
    owner = user()
    cv = await files.uploaded("cv-files", samples.pdf(tmp_path / "cv.pdf"), as_user=owner)
    link = await files.call("GetSignedUrl", files_pb2.GetSignedUrlRequest(
        id=cv.id, download=True), as_user=owner)
    local = link.url.replace("http://files.test/files/signed", f"{files.http_url}/objects/signed")
    async with httpx.AsyncClient() as http:
        served = await http.get(local)
        tampered = await http.get(local.replace("signature=", "signature=0"))
        image = await files.uploaded("profile-images", samples.png(tmp_path / "me.png"),
                                     as_user=owner)
        public = await http.get(image.url.replace("http://files.test/files/public",
                                                  f"{files.http_url}/objects/public"))
        private_as_public = await http.get(
            f"{files.http_url}/objects/public/cv-files/{owner}/{cv.id}/original.pdf")

    assert served.status_code == 200 and served.content == (tmp_path / "cv.pdf").read_bytes()
    assert "attachment" in served.headers["content-disposition"]
    assert tampered.status_code == 403
    assert public.status_code == 200 and "immutable" in public.headers["cache-control"]
    assert private_as_public.status_code == 404


async def test_user_deleted_leaves_nothing_of_theirs_in_storage(files, tmp_path) -> None:
    owner, other = user(), user()
    await files.uploaded("cv-files", samples.pdf(tmp_path / "cv.pdf"), as_user=owner)
    image = await files.uploaded("profile-images", samples.png(tmp_path / "me.png"),
                                 as_user=owner)
    await files.call("AttachFile", files_pb2.AttachFileRequest(
        id=image.id, bucket="profile-images", reference="auth:profile-image:" + owner),
        as_user=owner)
    kept = await files.uploaded("cv-files", samples.pdf(tmp_path / "other.pdf", pages=2),
                                as_user=other)

    event = await files.publish("user.deleted", auth_events.UserDeleted(user_id=owner),
                                source="auth", subject=owner)
    await files.republish(event, source="auth", dedupe=False)  # a redelivery changes nothing

    async def erased() -> bool:
        rows = await files.rows("SELECT owner_id::text FROM stored_files")
        return rows == [(other,)] and await _empty(files, "cv-files", owner) \
            and await _empty(files, "profile-images", owner)

    await eventually(erased)
    assert await stored_keys(files, "cv-files", other) != []
    assert kept.id in [f.id for f in (await files.call(
        "ListFiles", files_pb2.ListFilesRequest(), as_user=other)).files]
    assert {e.reason for e in await files.published("file.deleted", events_pb2.FileDeleted)} \
        == {"user_deleted"}


async def test_without_a_reachable_scanner_uploads_wait_rather_than_pass(
        start_files, tmp_path) -> None:
    unscanned = await start_files(clamav_url="tcp://127.0.0.1:9")
    response = await unscanned.upload("cv-files", samples.pdf(tmp_path / "cv.pdf"),
                                      as_user=user())

    assert response.status_code == 503 and response.headers["retry-after"]
    assert await unscanned.rows("SELECT id FROM stored_files") == []


async def test_orphans_are_swept_once_by_several_replicas(start_files, tmp_path) -> None:
    settings = {"orphan_after_seconds": 1, "sweep_interval_seconds": 0.2}
    first = await start_files(**settings)
    second = await start_files(database_url=first.settings.database_url, **settings)
    owner = user()
    orphans = [await first.uploaded("cv-files", samples.pdf(tmp_path / f"{n}.pdf", pages=n),
                                    as_user=owner) for n in (1, 2, 3)]
    used = await second.uploaded("profile-images", samples.png(tmp_path / "me.png"),
                                 as_user=owner)
    await second.call("AttachFile", files_pb2.AttachFileRequest(
        id=used.id, bucket="profile-images", reference="auth:profile-image:" + owner),
        as_user=owner)

    async def swept() -> bool:
        return await _empty(first, "cv-files", owner) and not await first.rows(
            "SELECT id FROM stored_files WHERE bucket = 'cv-files'")

    await eventually(swept, within=20)
    deleted = await first.published("file.deleted", events_pb2.FileDeleted)
    assert sorted(e.file_id for e in deleted) == sorted(f.id for f in orphans)  # each once
    assert {e.reason for e in deleted} == {"orphan"}
    await asyncio.sleep(1.5)
    assert [str(r[0]) for r in await first.rows("SELECT id FROM stored_files")] == [used.id]
