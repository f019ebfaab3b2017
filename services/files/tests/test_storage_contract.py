"""The storage contract: one set of tests run against every backend (local disk, S3 on moto,
Supabase Storage and Cloudinary on their fakes), then focused tests of what each backend gets
right on its own (signatures, error mapping, key checks) and of the provider traps the fakes
reproduce. Every test works under a fresh user id, so tests never see each other's objects.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from devstack.fakes import cloudinary as fake_cloudinary
from devstack.fakes.cloudinary import FakeCloudinary
from devstack.fakes.s3 import MotoS3
from devstack.fakes.supabase_storage import FakeSupabaseStorage
from files.storage import InvalidKey, ObjectNotFound, Storage, StorageError, build_storage
from files.storage.cloudinary import (
    CloudinaryStorage,
    api_sign_request,
    api_string_to_sign,
    asset_for,
    delivery_signature,
)
from files.storage.local import LocalStorage, SignatureInvalid
from files.storage.s3 import S3Storage, public_read_policy
from files.storage.supabase import SupabaseStorage, auth_headers, error_for

BACKENDS = ["local", "s3", "supabase", "cloudinary"]
PAGE_SIZE = 2  # small, so that listing a handful of keys takes several pages
LARGE_SIZE = 9 * 1024 * 1024 + 4321  # over S3's 8 MB multipart threshold, not a chunk multiple
S3_BUCKET = "career-files-contract"
S3_PREFIX = "contract/"
SUPABASE_KEY = "sb_secret_contract0000000000000000"
CLOUD_NAME, CLOUD_KEY, CLOUD_SECRET = "career-demo", "614598325846195", "contract-secret"
SIGNING_KEY = b"local-signing-key-for-tests"
LOCAL_PUBLIC = "http://files.test/public"
LOCAL_SIGNED = "http://files.test/signed"


class Clock:
    """Time as the fakes see it: real time plus an offset a test can move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


# ---------------------------------------------------------------------- servers and backends

@pytest.fixture(scope="module")
def fake_clock() -> Clock:
    return Clock()


@pytest.fixture
def later(fake_clock: Clock) -> Iterator[Clock]:
    """The fakes' clock, for a test that moves it; put back afterwards."""
    yield fake_clock
    fake_clock.offset = 0.0


@pytest.fixture(scope="module")
def moto(fake_clock: Clock) -> Iterator[MotoS3]:
    with MotoS3(clock=fake_clock) as server:
        server.create_bucket(S3_BUCKET, policy=public_read_policy(S3_BUCKET, S3_PREFIX))
        yield server


@pytest.fixture(scope="module")
def supabase_fake(fake_clock: Clock) -> Iterator[FakeSupabaseStorage]:
    with FakeSupabaseStorage(SUPABASE_KEY, clock=fake_clock) as fake:
        yield fake


@pytest.fixture(scope="module")
def cloudinary_fake(fake_clock: Clock) -> Iterator[FakeCloudinary]:
    with FakeCloudinary(CLOUD_NAME, CLOUD_KEY, CLOUD_SECRET, clock=fake_clock) as fake:
        yield fake


def make_backend(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if name == "local":
        return LocalStorage(tmp_path / "objects", public_base_url=LOCAL_PUBLIC,
                            signed_base_url=LOCAL_SIGNED, signing_key=SIGNING_KEY,
                            clock=request.getfixturevalue("fake_clock"))
    if name == "s3":
        moto: MotoS3 = request.getfixturevalue("moto")
        return S3Storage(S3_BUCKET, endpoint_url=moto.url, region=moto.region,
                         access_key_id=moto.access_key_id,
                         secret_access_key=moto.secret_access_key, public_base_url=None,
                         prefix=S3_PREFIX, list_page_size=PAGE_SIZE)
    if name == "supabase":
        fake: FakeSupabaseStorage = request.getfixturevalue("supabase_fake")
        return SupabaseStorage(fake.url, SUPABASE_KEY, public_base_url=None,
                               list_page_size=PAGE_SIZE)
    fake_cdn: FakeCloudinary = request.getfixturevalue("cloudinary_fake")
    return CloudinaryStorage(CLOUD_NAME, CLOUD_KEY, CLOUD_SECRET, api_base_url=fake_cdn.url,
                             delivery_base_url=fake_cdn.url, list_page_size=PAGE_SIZE)


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    backend = make_backend(request.param, request, tmp_path)
    yield backend
    await backend.close()


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A client with no credentials at all: what a browser given a URL has."""
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def new_key(user: str, name: str) -> str:
    return f"{user}/{uuid.uuid4()}/{name}"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / f"upload-{uuid.uuid4().hex}"
    path.write_bytes(data)
    return path


def tampered(url: str) -> str:
    """The URL with one character of its signature changed."""
    parts = urlsplit(url)
    for name in ("signature", "X-Amz-Signature", "token"):
        query = dict(parse_qsl(parts.query))
        if name in query:
            value = query[name]
            query[name] = ("A" if value[0] != "A" else "B") + value[1:]
            return parts._replace(query=str(httpx.QueryParams(query))).geturl()
    raise AssertionError(f"no signature in {url}")


# ---------------------------------------------------------------------- the contract

async def test_put_then_read_and_open_give_back_the_same_bytes(storage: Storage, user: str,
                                                               tmp_path: Path) -> None:
    small, large = os.urandom(2048), os.urandom(LARGE_SIZE)
    small_key, large_key = new_key(user, "original.png"), new_key(user, "original.pdf")
    await storage.put("profile-images", small_key, write(tmp_path, small),
                      content_type="image/png")
    await storage.put("cv-files", large_key, write(tmp_path, large),
                      content_type="application/pdf")

    assert await storage.read("profile-images", small_key) == small
    chunks = [chunk async for chunk in storage.open("cv-files", large_key)]
    assert len(chunks) > 1, "a large object is streamed in several chunks"
    assert b"".join(chunks) == large


async def test_signed_url_serves_the_bytes_and_content_type_without_credentials(
        storage: Storage, user: str, tmp_path: Path, http: httpx.AsyncClient) -> None:
    if storage.name == "local":
        pytest.skip("the service's own route serves local files: see the local tests below")
    data = os.urandom(4096)
    key = new_key(user, "original.pdf")
    await storage.put("cv-files", key, write(tmp_path, data), content_type="application/pdf")

    url = await storage.signed_url("cv-files", key, expires_in=300,
                                   download_name="Ann Lee \u2013 CV.pdf")
    response = await http.get(url)

    assert response.status_code == 200, response.text
    assert response.content == data
    assert response.headers["content-type"].startswith("application/pdf")
    assert "attachment" in response.headers["content-disposition"]
    assert "CV.pdf" in response.headers["content-disposition"]
    assert (await http.get(tampered(url))).status_code in (400, 401, 403)


async def test_signed_url_stops_working_once_expired(storage: Storage, user: str,
                                                     tmp_path: Path, http: httpx.AsyncClient,
                                                     later: Clock) -> None:
    key = new_key(user, "original.pdf")
    await storage.put("cv-files", key, write(tmp_path, b"%PDF-1.7 cv"),
                      content_type="application/pdf")
    url = await storage.signed_url("cv-files", key, expires_in=60)

    later.offset = 120
    if isinstance(storage, LocalStorage):
        query = dict(parse_qsl(urlsplit(url).query))
        with pytest.raises(SignatureInvalid):
            storage.verify("cv-files", key, query["expires"], query["signature"], None)
    else:
        assert (await http.get(url)).status_code in (400, 401, 403)


async def test_public_url_of_a_public_bucket_serves_without_credentials(
        storage: Storage, user: str, tmp_path: Path, http: httpx.AsyncClient) -> None:
    data = os.urandom(1024)
    key = new_key(user, "512-webp.webp")
    await storage.put("profile-images", key, write(tmp_path, data), content_type="image/webp")

    url = storage.public_url("profile-images", key)

    if isinstance(storage, LocalStorage):  # the service's public route serves this URL
        assert url == f"{LOCAL_PUBLIC}/profile-images/{key}"
        assert storage.public_path("profile-images", key).read_bytes() == data
        return
    response = await http.get(url)
    assert response.status_code == 200
    assert response.content == data
    if not isinstance(storage, CloudinaryStorage):  # Cloudinary's CDN sets its own
        assert "immutable" in response.headers["cache-control"]


async def test_private_objects_are_not_served_at_a_public_url(
        storage: Storage, user: str, tmp_path: Path, http: httpx.AsyncClient) -> None:
    key = new_key(user, "original.pdf")
    await storage.put("cv-files", key, write(tmp_path, b"%PDF-1.7 secret"),
                      content_type="application/pdf")

    if isinstance(storage, LocalStorage):
        with pytest.raises(ObjectNotFound):
            storage.public_path("cv-files", key)
        return
    response = await http.get(storage.public_url("cv-files", key))
    assert response.status_code in (400, 401, 403, 404)
    assert b"secret" not in response.content


async def test_put_overwrites_an_existing_object(storage: Storage, user: str,
                                                 tmp_path: Path) -> None:
    key = new_key(user, "original.png")
    await storage.put("blog-images", key, write(tmp_path, b"first version"),
                      content_type="image/png")
    await storage.put("blog-images", key, write(tmp_path, b"second, longer version"),
                      content_type="image/png")

    assert await storage.read("blog-images", key) == b"second, longer version"
    assert await storage.list("blog-images", f"{user}/") == [key]


async def test_a_missing_object_is_object_not_found(storage: Storage, user: str) -> None:
    key = new_key(user, "original.pdf")
    with pytest.raises(ObjectNotFound):
        await storage.read("cv-files", key)
    with pytest.raises(ObjectNotFound):
        await anext(storage.open("social-media", new_key(user, "original.mp4")))


async def test_delete_removes_several_keys_and_ignores_missing_ones(
        storage: Storage, user: str, tmp_path: Path) -> None:
    keys = [new_key(user, "original.png"), new_key(user, "original.mp4"),
            new_key(user, "thumbnail.jpg")]
    for key in keys:
        await storage.put("social-media", key, write(tmp_path, key.encode()),
                          content_type="application/octet-stream")

    await storage.delete("social-media", [keys[0], new_key(user, "never-stored.png"), keys[1]])

    assert await storage.list("social-media", f"{user}/") == [keys[2]]
    with pytest.raises(ObjectNotFound):
        await storage.read("social-media", keys[0])
    await storage.delete("social-media", [])


async def test_list_returns_every_nested_key_under_the_prefix_across_pages(
        storage: Storage, user: str, tmp_path: Path) -> None:
    first, second = f"{user}/{uuid.uuid4()}", f"{user}/{uuid.uuid4()}"
    keys = sorted([f"{first}/original.png", f"{first}/512-webp.webp", f"{first}/thumbnail.jpg",
                   f"{second}/original.mp4", f"{second}/poster.png",
                   f"{second}/frames/deep/first.gif"])
    neighbour = new_key(str(uuid.uuid4()), "original.png")
    for key in [*keys, neighbour]:
        await storage.put("social-media", key, write(tmp_path, b"x"), content_type="image/png")

    assert await storage.list("social-media", f"{user}/") == keys
    assert await storage.list("social-media", f"{first}/") == [k for k in keys
                                                                if k.startswith(first)]
    assert await storage.list("social-media", f"{user}/{uuid.uuid4()}/") == []


async def test_deleting_everything_under_a_user_leaves_nothing(storage: Storage, user: str,
                                                                tmp_path: Path) -> None:
    """What the service does on user.deleted: list each bucket under the user, delete it all."""
    stored = {"cv-files": [new_key(user, "original.pdf"), new_key(user, "original.docx")],
              "profile-images": [new_key(user, "original.png"), new_key(user, "256-webp.webp")],
              "social-media": [new_key(user, "original.mp4"), new_key(user, "poster.jpg")]}
    other = new_key(str(uuid.uuid4()), "original.pdf")
    await storage.put("cv-files", other, write(tmp_path, b"someone else"),
                      content_type="application/pdf")
    for bucket, keys in stored.items():
        for key in keys:
            await storage.put(bucket, key, write(tmp_path, b"data"),
                              content_type="application/octet-stream")

    for bucket in stored:
        await storage.delete(bucket, await storage.list(bucket, f"{user}/"))

    for bucket in stored:
        assert await storage.list(bucket, f"{user}/") == []
    assert await storage.read("cv-files", other) == b"someone else"


async def test_check_passes_when_the_backend_is_reachable(storage: Storage) -> None:
    await storage.check()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_check_raises_storage_error_when_the_backend_is_unreachable(
        backend: str, tmp_path: Path) -> None:
    closed = "http://127.0.0.1:9"  # discard port: nothing listens there
    (tmp_path / "not-a-folder").write_text("")
    storages: dict[str, Storage] = {
        "local": LocalStorage(tmp_path / "not-a-folder" / "objects",
                              public_base_url=LOCAL_PUBLIC, signed_base_url=LOCAL_SIGNED,
                              signing_key=SIGNING_KEY),
        "s3": S3Storage(S3_BUCKET, endpoint_url=closed, region="us-east-1",
                        access_key_id="x", secret_access_key="y", public_base_url=None),
        "supabase": SupabaseStorage(closed, SUPABASE_KEY, public_base_url=None),
        "cloudinary": CloudinaryStorage(CLOUD_NAME, CLOUD_KEY, CLOUD_SECRET,
                                        api_base_url=closed, delivery_base_url=closed),
    }
    storage = storages.pop(backend)
    for unused in storages.values():
        await unused.close()
    try:
        with pytest.raises(StorageError):
            await storage.check()
    finally:
        await storage.close()


# ---------------------------------------------------------------------- local backend

@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "objects", public_base_url=LOCAL_PUBLIC,
                        signed_base_url=LOCAL_SIGNED, signing_key=SIGNING_KEY)


@pytest.mark.parametrize("key", ["../escape.pdf", "u/../../escape.pdf", "/etc/passwd",
                                 "u\\f\\x.pdf", "u/f/x\x00.pdf", "u//x.pdf", "u/./x.pdf",
                                 "u/f/", "", "u/.part-x", "u/f/x\n.pdf"])
async def test_local_refuses_keys_that_could_escape_its_folder(local: LocalStorage,
                                                                tmp_path: Path,
                                                                key: str) -> None:
    with pytest.raises(InvalidKey):
        await local.put("cv-files", key, write(tmp_path, b"x"), content_type="text/plain")
    with pytest.raises(InvalidKey):
        await local.read("cv-files", key)
    with pytest.raises(SignatureInvalid):
        local.verify("cv-files", key, str(int(time.time()) + 60), "0" * 64, None)
    assert not (tmp_path / "escape.pdf").exists()


async def test_local_signed_url_is_served_through_a_route_that_calls_verify(
        local: LocalStorage, user: str, tmp_path: Path) -> None:
    async def serve(request: Request) -> Response:
        query = request.query_params
        try:
            path = local.verify(request.path_params["bucket"], request.path_params["key"],
                                query.get("expires", ""), query.get("signature", ""),
                                query.get("download"))
        except SignatureInvalid:
            return Response(status_code=403)
        if not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, media_type="application/pdf",
                            filename=query.get("download"))

    app = Starlette(routes=[Route("/signed/{bucket}/{key:path}", serve)])
    data = os.urandom(3000)
    key = new_key(user, "original.pdf")
    await local.put("cv-files", key, write(tmp_path, data), content_type="application/pdf")
    url = await local.signed_url("cv-files", key, expires_in=60, download_name="My CV.pdf")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://files.test") as client:
        response = await client.get(url)
        assert response.status_code == 200
        assert response.content == data
        assert "My%20CV.pdf" in response.headers["content-disposition"]
        assert (await client.get(tampered(url))).status_code == 403
        assert (await client.get(url.replace("My%20CV", "Other"))).status_code == 403
        other = url.replace(key, new_key(user, "original.pdf"))
        assert (await client.get(other)).status_code == 403


async def test_local_writes_leave_no_partial_files_and_deletes_prune_folders(
        local: LocalStorage, user: str, tmp_path: Path) -> None:
    key = new_key(user, "original.pdf")
    await local.put("cv-files", key, write(tmp_path, b"data"), content_type="application/pdf")
    folder = local.path("cv-files", key).parent
    assert [path.name for path in folder.iterdir()] == ["original.pdf"]

    await local.delete("cv-files", [key])

    assert not (local.root / "cv-files" / user).exists()


# ---------------------------------------------------------------------- S3 backend

async def test_s3_stores_large_files_as_multipart_uploads_with_their_content_type(
        moto: MotoS3, user: str, tmp_path: Path) -> None:
    storage = S3Storage(S3_BUCKET, endpoint_url=moto.url, region=moto.region,
                        access_key_id=moto.access_key_id,
                        secret_access_key=moto.secret_access_key,
                        public_base_url="https://cdn.test", prefix=S3_PREFIX)
    key = new_key(user, "original.mp4")
    await storage.put("social-media", key, write(tmp_path, os.urandom(LARGE_SIZE)),
                      content_type="video/mp4")

    head = moto.client().head_object(Bucket=S3_BUCKET, Key=f"{S3_PREFIX}social-media/{key}")
    assert head["ContentType"] == "video/mp4"
    assert head["CacheControl"] == "private, no-store"
    assert head["ETag"].strip('"').endswith("-2")  # a two-part multipart upload
    assert storage.public_url("social-media", key) == f"https://cdn.test/social-media/{key}"
    await storage.close()


async def test_moto_refuses_presigned_urls_signed_with_another_secret(
        moto: MotoS3, http: httpx.AsyncClient) -> None:
    forger = S3Storage(S3_BUCKET, endpoint_url=moto.url, region=moto.region,
                       access_key_id=moto.access_key_id, secret_access_key="not-the-secret",
                       public_base_url=None, prefix=S3_PREFIX)
    response = await http.get(await forger.signed_url("cv-files", "u/f/original.pdf",
                                                      expires_in=60))
    assert response.status_code == 403
    assert b"SignatureDoesNotMatch" in response.content
    await forger.close()


# ---------------------------------------------------------------------- Supabase backend

def test_supabase_legacy_jwt_goes_in_both_headers_and_a_secret_key_only_in_apikey() -> None:
    legacy = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJl"
    assert auth_headers(legacy) == {"apikey": legacy, "Authorization": f"Bearer {legacy}"}
    assert auth_headers("sb_secret_abc") == {"apikey": "sb_secret_abc"}
    with pytest.raises(ValueError):
        SupabaseStorage("http://x", "sb_publishable_abc", public_base_url=None)


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, {"statusCode": "404", "error": "not_found", "code": "NoSuchKey",
           "message": "Object not found"}, ObjectNotFound),
    (404, {"statusCode": "404", "error": "not_found", "message": "Object not found"},
     ObjectNotFound),
    (400, {"statusCode": "404", "error": "Bucket not found", "code": "NoSuchBucket",
           "message": "Bucket not found"}, StorageError),
    (400, {"statusCode": "409", "error": "Duplicate", "message": "The resource already exists"},
     StorageError),
    (400, {"statusCode": "403", "error": "Unauthorized", "message": "Invalid Compact JWS"},
     StorageError),
    (401, {"message": "Invalid API key"}, StorageError),
    (500, {"statusCode": "500", "error": "Internal", "message": "Internal Server Error"},
     StorageError),
    (502, "<html>Bad Gateway</html>", StorageError),
])
def test_supabase_errors_are_read_from_the_body_not_the_status(
        status: int, body: object, expected: type[Exception]) -> None:
    response = (httpx.Response(status, json=body) if isinstance(body, dict)
                else httpx.Response(status, text=str(body)))
    assert type(error_for(response, "cv-files", "u/f/original.pdf")) is expected


async def test_supabase_with_a_legacy_service_role_jwt_sends_it_as_bearer_too(
        user: str, tmp_path: Path) -> None:
    legacy = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJl"
    with FakeSupabaseStorage(legacy) as fake:
        storage = SupabaseStorage(fake.url, legacy, public_base_url=None)
        key = new_key(user, "original.pdf")
        await storage.put("cv-files", key, write(tmp_path, b"cv"), content_type="application/pdf")
        assert await storage.read("cv-files", key) == b"cv"
        assert fake.object("cv-files", key).content_type == "application/pdf"
        await storage.close()
        async with httpx.AsyncClient(base_url=f"{fake.url}/storage/v1") as client:
            response = await client.get(f"/object/cv-files/{key}", headers={"apikey": legacy})
        assert response.status_code == 400
        assert response.json()["statusCode"] == "403"


# ---------------------------------------------------------------------- Cloudinary backend

def test_cloudinary_signature_matches_the_documented_example() -> None:
    # cloudinary.com/documentation/authentication_signatures: secret "abcd".
    params = {"eager": "w_400,h_300,c_pad|w_260,h_200,c_crop", "public_id": "sample_image",
              "timestamp": "1315060510", "api_key": "1234", "file": "ignored"}
    assert api_string_to_sign(params) == ("eager=w_400,h_300,c_pad|w_260,h_200,c_crop"
                                          "&public_id=sample_image&timestamp=1315060510")
    assert api_sign_request(params, "abcd") == "bfd09f95f331f558cbd1320e67aa8d488770583e"
    # The fake checks with its own implementation; both must agree with the docs.
    assert fake_cloudinary.sign(params, "abcd") == "bfd09f95f331f558cbd1320e67aa8d488770583e"


def test_cloudinary_signature_version_2_escapes_ampersands_in_values() -> None:
    assert api_string_to_sign({"context": "a=1&b=2", "timestamp": "1", "tags": ["x", "y"],
                               "folder": ""}) == "context=a=1%26b=2&tags=x,y&timestamp=1"


def test_cloudinary_delivery_signature_leaves_the_version_out() -> None:
    # pycloudinary's own test vector: "image.jpg", secret "b" -> s----SjmNDA--.
    assert delivery_signature("image.jpg", "b") == "s----SjmNDA--"


@pytest.mark.parametrize(("bucket", "key", "expected"), [
    ("profile-images", "u/f/original.png", ("image", "upload", "profile-images/u/f/original",
                                            "png")),
    ("cv-files", "u/f/original.pdf", ("raw", "authenticated", "cv-files/u/f/original.pdf",
                                      None)),
    ("cv-files", "u/f/original.DOCX", ("raw", "authenticated", "cv-files/u/f/original.DOCX",
                                       None)),
    ("social-media", "u/f/original.mp4", ("video", "authenticated",
                                          "social-media/u/f/original", "mp4")),
    ("company-logos", "u/f/original.svg", ("image", "upload", "company-logos/u/f/original",
                                           "svg")),
])
def test_cloudinary_asset_follows_from_bucket_and_key(bucket: str, key: str,
                                                      expected: tuple[object, ...]) -> None:
    asset = asset_for(bucket, key)
    assert (asset.resource_type, asset.type, asset.public_id, asset.format) == expected


async def test_cloudinary_uploads_images_without_extension_and_documents_as_raw(
        cloudinary_fake: FakeCloudinary, user: str, tmp_path: Path) -> None:
    storage = CloudinaryStorage(CLOUD_NAME, CLOUD_KEY, CLOUD_SECRET,
                                api_base_url=cloudinary_fake.url,
                                delivery_base_url=cloudinary_fake.url)
    image, document = new_key(user, "original.png"), new_key(user, "original.pdf")
    await storage.put("profile-images", image, write(tmp_path, b"png"), content_type="image/png")
    await storage.put("cv-files", document, write(tmp_path, b"pdf"),
                      content_type="application/pdf")

    stored = cloudinary_fake.asset("image", "upload", f"profile-images/{image[:-4]}")
    assert (stored.format, stored.data) == ("png", b"png")
    stored = cloudinary_fake.asset("raw", "authenticated", f"cv-files/{document}")
    assert (stored.format, stored.data) == (None, b"pdf")
    await storage.close()


# ---------------------------------------------------------------------- the fakes' traps

async def test_fake_supabase_reproduces_the_documented_traps(
        supabase_fake: FakeSupabaseStorage, user: str, later: Clock) -> None:
    key = new_key(user, "original.pdf")
    headers = {"apikey": SUPABASE_KEY}
    async with httpx.AsyncClient(base_url=f"{supabase_fake.url}/storage/v1") as client:
        upload = {**headers, "Content-Type": "application/pdf"}
        assert (await client.post(f"/object/cv-files/{key}", content=b"1",
                                  headers=upload)).status_code == 200
        # x-upsert must be exactly "true": "True" inserts, and the key exists.
        response = await client.post(f"/object/cv-files/{key}", content=b"2",
                                     headers={**upload, "x-upsert": "True"})
        assert response.status_code == 400
        assert response.json()["statusCode"] == "409"

        # expiresIn as a string (storage3) is accepted; signedURL is relative.
        response = await client.post(f"/object/sign/cv-files/{key}", json={"expiresIn": "60"},
                                     headers=headers)
        signed = response.json()["signedURL"]
        assert signed.startswith(f"/object/sign/cv-files/{key}?token=")
        assert (await client.get(signed)).content == b"1"
        later.offset = 61
        response = await client.get(signed)
        assert response.status_code == 400
        assert response.json()["error"] == "InvalidJWT"
        later.offset = 0

        # A missing object: HTTP 400, the 404 as a string in the body.
        response = await client.get(f"/object/cv-files/{new_key(user, 'x.pdf')}",
                                    headers=headers)
        assert (response.status_code, response.json()["statusCode"]) == (400, "404")
        # Keys: the gateway refuses a wrong apikey; a secret key is no Bearer token.
        wrong = await client.get("/bucket", headers={"apikey": "sb_secret_wrong"})
        assert wrong.status_code == 401
        bearer = await client.get("/bucket", headers={
            **headers, "Authorization": f"Bearer {SUPABASE_KEY}"})
        assert (bearer.status_code, bearer.json()["statusCode"]) == (400, "403")
        # Public GETs only in public buckets.
        assert (await client.get(f"/object/public/cv-files/{key}")).status_code == 400


async def test_fake_cloudinary_checks_signatures_and_timestamps(
        cloudinary_fake: FakeCloudinary, later: Clock) -> None:
    upload = f"{cloudinary_fake.url}/v1_1/{CLOUD_NAME}/image/upload"
    params = {"public_id": "blog-images/x", "timestamp": str(int(time.time()))}
    files = {"file": ("x.png", b"png", "image/png")}
    async with httpx.AsyncClient() as client:
        signed = {**params, "api_key": CLOUD_KEY,
                  "signature": api_sign_request(params, CLOUD_SECRET)}
        assert (await client.post(upload, data=signed, files=files)).status_code == 200

        tampered_params = {**signed, "public_id": "blog-images/y"}
        response = await client.post(upload, data=tampered_params, files=files)
        assert response.status_code == 401
        assert response.json()["error"]["message"].startswith("Invalid Signature")
        unsigned = {**params, "api_key": CLOUD_KEY}
        assert (await client.post(upload, data=unsigned, files=files)).status_code == 401
        # An image upload of something that is not an image is refused.
        response = await client.post(upload, data=signed,
                                     files={"file": ("x.pdf", b"pdf", "application/pdf")})
        assert response.status_code == 400

        later.offset = 3601
        response = await client.post(upload, data=signed, files=files)
        assert response.status_code == 400
        assert "Stale request" in response.json()["error"]["message"]
        later.offset = 0

        destroy = {"public_id": "blog-images/never", "timestamp": str(int(time.time()))}
        response = await client.post(
            f"{cloudinary_fake.url}/v1_1/{CLOUD_NAME}/image/destroy",
            data={**destroy, "api_key": CLOUD_KEY,
                  "signature": api_sign_request(destroy, CLOUD_SECRET)})
        assert (response.status_code, response.json()) == (200, {"result": "not found"})

        basic = base64.b64encode(f"{CLOUD_KEY}:wrong".encode()).decode()
        response = await client.get(f"{cloudinary_fake.url}/v1_1/{CLOUD_NAME}/ping",
                                    headers={"Authorization": f"Basic {basic}"})
        assert response.status_code == 401


async def test_fake_cloudinary_serves_authenticated_assets_only_with_a_signature(
        cloudinary_fake: FakeCloudinary, user: str, tmp_path: Path,
        http: httpx.AsyncClient) -> None:
    storage = CloudinaryStorage(CLOUD_NAME, CLOUD_KEY, CLOUD_SECRET,
                                api_base_url=cloudinary_fake.url,
                                delivery_base_url=cloudinary_fake.url)
    key = new_key(user, "original.mp4")
    await storage.put("social-media", key, write(tmp_path, b"video"), content_type="video/mp4")
    asset = cloudinary_fake.asset("video", "authenticated", f"social-media/{key[:-4]}")
    signed = cloudinary_fake.delivery_url(asset)
    unsigned = signed.replace(signed.split("/")[6] + "/", "")

    assert (await http.get(signed)).content == b"video"
    assert (await http.get(unsigned)).status_code == 401
    assert (await http.get(signed.replace("original.mp4", "other.mp4"))).status_code == 401
    await storage.close()


# ---------------------------------------------------------------------- the factory

def settings(**values: object) -> SimpleNamespace:
    base = {"storage_backend": "local", "data_dir": Path("/tmp/files-test"),
            "public_base_url": "", "local_public_base_url": "http://files.test/public",
            "signed_base_url": "http://files.test/signed", "url_signing_key": "k",
            "s3_bucket": "", "s3_endpoint_url": "", "s3_region": "us-east-1",
            "s3_access_key_id": "", "s3_secret_access_key": "", "s3_prefix": "",
            "supabase_url": "", "supabase_service_key": "", "cloudinary_cloud_name": "",
            "cloudinary_api_key": "", "cloudinary_api_secret": "",
            "cloudinary_api_base_url": "", "cloudinary_delivery_base_url": ""}
    return SimpleNamespace(**{**base, **values})


class Secret:
    """Stands in for pydantic's SecretStr."""

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value


async def test_build_storage_builds_the_chosen_backend() -> None:
    local = build_storage(settings(url_signing_key=Secret("k")))
    assert isinstance(local, LocalStorage)
    assert local.root == Path("/tmp/files-test/objects")
    assert local.public_url("blog-images", "u/a.png") == f"{LOCAL_PUBLIC}/blog-images/u/a.png"
    behind_cdn = build_storage(settings(public_base_url="https://cdn.test"))
    assert behind_cdn.public_url("blog-images", "u/a.png") == "https://cdn.test/blog-images/u/a.png"
    built = [build_storage(settings(storage_backend="s3", s3_bucket="b")),
             build_storage(settings(storage_backend="supabase", supabase_url="http://s",
                                    supabase_service_key=Secret("sb_secret_x"))),
             build_storage(settings(storage_backend="cloudinary", cloudinary_cloud_name="c",
                                    cloudinary_api_key="k",
                                    cloudinary_api_secret=Secret("s")))]
    assert [storage.name for storage in built] == ["s3", "supabase", "cloudinary"]
    for storage in built:
        await storage.close()


@pytest.mark.parametrize(("values", "missing"), [
    ({"url_signing_key": ""}, "url_signing_key"),
    ({"local_public_base_url": ""}, "local_public_base_url"),
    ({"storage_backend": "s3"}, "s3_bucket"),
    ({"storage_backend": "s3", "s3_bucket": "b", "s3_access_key_id": "id"},
     "s3_secret_access_key"),
    ({"storage_backend": "supabase", "supabase_url": "http://s"}, "supabase_service_key"),
    ({"storage_backend": "cloudinary", "cloudinary_cloud_name": "c",
      "cloudinary_api_key": "k"}, "cloudinary_api_secret"),
    ({"storage_backend": "ftp"}, "ftp"),
])
def test_build_storage_names_the_missing_setting(values: dict[str, object],
                                                 missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        build_storage(settings(**values))


def test_the_public_read_policy_covers_exactly_the_public_buckets() -> None:
    policy = public_read_policy("career", "prod/")
    assert json.loads(json.dumps(policy))["Statement"][0]["Resource"] == [
        "arn:aws:s3:::career/prod/profile-images/*", "arn:aws:s3:::career/prod/company-logos/*",
        "arn:aws:s3:::career/prod/blog-images/*"]
