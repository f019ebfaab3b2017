"""Internal buckets: what a service generated (the cv service's rendered exports) is stored
with StoreFile for the caller, checked and scanned like an upload, read back like any file,
and can neither be uploaded to through the gateway's route nor be seen in the bucket list."""

from __future__ import annotations

import uuid

import grpc

from career.files.v1 import files_pb2
from career_kit import context
from devstack.samples import content as samples


async def test_a_generated_pdf_is_stored_read_back_and_kept_out_of_the_client_buckets(
        files, tmp_path) -> None:
    owner = str(uuid.uuid4())
    pdf = samples.pdf(tmp_path / "cv.pdf").read_bytes()

    stored = await files.call("StoreFile", files_pb2.StoreFileRequest(
        bucket="cv-exports", name="Backend-CV.pdf", content=pdf), as_user=owner)

    assert (stored.bucket, stored.kind, stored.size) == ("cv-exports", "pdf", len(pdf))
    assert [v.name for v in stored.variants] == ["original"]  # no preview: ours, as it is
    token = context.caller.set(context.Caller(owner))
    try:
        chunks = [c.data async for c in files.stub.ReadFile(
            files_pb2.ReadFileRequest(id=stored.id))]
    finally:
        context.caller.reset(token)
    assert b"".join(chunks) == pdf
    buckets = await files.call("ListBuckets", files_pb2.ListBucketsRequest())
    assert "cv-exports" not in [b.name for b in buckets.buckets]
    uploaded = await files.upload("cv-exports", tmp_path / "cv.pdf", as_user=owner)
    assert uploaded.status_code == 404


async def test_store_file_takes_internal_buckets_and_their_kinds_only(files, tmp_path) -> None:
    owner = str(uuid.uuid4())
    png = samples.png(tmp_path / "me.png").read_bytes()
    client_bucket = await files.error("StoreFile", files_pb2.StoreFileRequest(
        bucket="profile-images", name="me.png", content=png), as_user=owner)
    assert client_bucket.code() == grpc.StatusCode.INVALID_ARGUMENT
    wrong_kind = await files.error("StoreFile", files_pb2.StoreFileRequest(
        bucket="cv-exports", name="me.png", content=png), as_user=owner)
    assert wrong_kind.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "cv-exports accepts" in wrong_kind.details()
