"""Objects in one S3 (or S3-compatible: MinIO, R2, moto) bucket, at `{prefix}{bucket}/{key}`.

boto3 is synchronous, so every call runs in a worker thread. Which of the service's buckets
anyone may read is the S3 bucket's policy (`public_read_policy`), set when the bucket is
provisioned; this code never changes policies.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from files.buckets import BUCKETS
from files.storage.base import (
    CHUNK_SIZE,
    ObjectNotFound,
    StorageError,
    attachment_disposition,
    cache_control,
    check_key,
    check_prefix,
    quote_key,
)

MULTIPART_THRESHOLD = 8 * 1024 * 1024
DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4's limit
_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}

_TRANSFER = TransferConfig(multipart_threshold=MULTIPART_THRESHOLD,
                           multipart_chunksize=MULTIPART_THRESHOLD, max_concurrency=4)
# One session for every client: it caches the service model, which takes half a second to load.
# Clients are made on the event loop's thread only (sessions are not thread-safe; clients are).
_SESSION = boto3.session.Session()


class S3Storage:
    name = "s3"

    def __init__(self, bucket: str, *, endpoint_url: str | None, region: str,
                 access_key_id: str | None, secret_access_key: str | None,
                 public_base_url: str | None, prefix: str = "",
                 list_page_size: int = 1000) -> None:
        """`access_key_id`/`secret_access_key` None: boto3's own credential chain (a pod's
        IAM role). `list_page_size` is for tests that want several pages."""
        self._bucket = bucket
        self._endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self._region = region
        self._prefix = prefix
        self._public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self._page_size = list_page_size
        self._client = _SESSION.client(
            "s3", endpoint_url=self._endpoint_url, region_name=region,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            config=Config(
                signature_version="s3v4",
                # S3-compatible servers on an endpoint URL need path-style; AWS itself is
                # retiring it, so there the default (virtual-hosted) style stays.
                s3={"addressing_style": "path" if self._endpoint_url else "auto"},
                retries={"mode": "standard", "max_attempts": 3},
                connect_timeout=5, read_timeout=60, max_pool_connections=16))

    def _key(self, bucket: str, key: str) -> str:
        check_key(bucket, key)
        return f"{self._prefix}{bucket}/{key}"

    async def put(self, bucket: str, key: str, source: Path, *, content_type: str) -> None:
        object_key = self._key(bucket, key)
        # upload_file streams from disk and switches to a multipart upload above 8 MB.
        await self._call(f"put {bucket}/{key}", bucket, key, self._client.upload_file,
                         str(source), self._bucket, object_key,
                         ExtraArgs={"ContentType": content_type,
                                    "CacheControl": cache_control(bucket)}, Config=_TRANSFER)

    async def open(self, bucket: str, key: str) -> AsyncIterator[bytes]:
        response = await self._call(f"get {bucket}/{key}", bucket, key, self._client.get_object,
                                    Bucket=self._bucket, Key=self._key(bucket, key))
        body = response["Body"]
        chunks = body.iter_chunks(CHUNK_SIZE)
        try:
            while (chunk := await self._call(f"read {bucket}/{key}", bucket, key,
                                             next, chunks, None)) is not None:
                yield chunk
        finally:
            body.close()

    async def read(self, bucket: str, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.open(bucket, key)])

    async def delete(self, bucket: str, keys: Sequence[str]) -> None:
        object_keys = [self._key(bucket, key) for key in keys]
        for start in range(0, len(object_keys), DELETE_BATCH):
            batch = object_keys[start:start + DELETE_BATCH]
            response = await self._call(
                f"delete from {bucket}", bucket, None, self._client.delete_objects,
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
            # DeleteObjects answers 200 even when some keys failed; a missing key is no error.
            if errors := response.get("Errors"):
                first = errors[0]
                raise StorageError(f"s3: deleting {first.get('Key')}: {first.get('Code')} "
                                   f"{first.get('Message')} ({len(errors)} failed)")

    async def list(self, bucket: str, prefix: str) -> list[str]:
        check_prefix(bucket, prefix)
        base = f"{self._prefix}{bucket}/"
        object_keys = await self._call(f"list {bucket}/{prefix}", bucket, None,
                                       self._list_all, base + prefix)
        return sorted(object_key[len(base):] for object_key in object_keys)

    def _list_all(self, prefix: str) -> list[str]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix, PaginationConfig={"PageSize": self._page_size})
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def public_url(self, bucket: str, key: str) -> str:
        object_key = self._key(bucket, key)
        if self._public_base_url:
            return f"{self._public_base_url}/{bucket}/{quote_key(key)}"
        if self._endpoint_url:
            return f"{self._endpoint_url}/{self._bucket}/{quote_key(object_key)}"
        return f"https://{self._bucket}.s3.{self._region}.amazonaws.com/{quote_key(object_key)}"

    async def signed_url(self, bucket: str, key: str, *, expires_in: int,
                         download_name: str | None = None) -> str:
        if not 0 < expires_in <= MAX_PRESIGN_SECONDS:
            raise ValueError(f"S3 signs URLs for 1 s to 7 days, not {expires_in} s")
        params: dict[str, str] = {"Bucket": self._bucket, "Key": self._key(bucket, key)}
        if download_name:
            params["ResponseContentDisposition"] = attachment_disposition(download_name)
        # Signing is local, but the first call may fetch credentials (instance metadata).
        return await self._call(f"sign {bucket}/{key}", bucket, key,
                                self._client.generate_presigned_url, "get_object",
                                Params=params, ExpiresIn=expires_in)

    async def check(self) -> None:
        await self._call("head bucket", "", None, self._client.head_bucket, Bucket=self._bucket)

    async def close(self) -> None:
        self._client.close()

    async def _call(self, what: str, bucket: str, key: str | None, function: Any,
                    *args: Any, **kwargs: Any) -> Any:
        """Run a boto3 call in a thread; its errors as ObjectNotFound or StorageError."""
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if key is not None and error.get("Code") in _NOT_FOUND:
                raise ObjectNotFound(bucket, key) from None
            raise StorageError(f"s3: {what}: {error.get('Code')} {error.get('Message')}") from exc
        except (BotoCoreError, OSError) as exc:
            raise StorageError(f"s3: {what}: {exc}") from exc


def public_read_policy(s3_bucket: str, prefix: str = "") -> dict[str, Any]:
    """The bucket policy that lets anyone GET objects of the public buckets (and nothing else):
    what provisioning applies to the S3 bucket so that `public_url` works without a CDN."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicBuckets",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": [f"arn:aws:s3:::{s3_bucket}/{prefix}{name}/*"
                         for name, bucket in BUCKETS.items() if bucket.public],
        }],
    }
