"""Uploads through the gateway, end to end: the body streamed to the files service, checked by
its bytes, scanned by (fake) clamd, processed, stored on local disk and served back through
the gateway's /files/... — with the limits cut while the body streams."""

from __future__ import annotations

import io
import select
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from PIL import Image

from devstack.fakes.clamd import eicar
from devstack.samples import content as samples

GPS_IFD = 0x8825


def _signed_in(new_browser):
    browser = new_browser()
    browser.sign_up_and_in(f"files-{uuid.uuid4().hex[:8]}@example.com")
    return browser


def _upload(browser, bucket: str, path: Path, name: str | None = None) -> httpx.Response:
    with path.open("rb") as body:
        return browser.call("POST", f"/api/uploads/{bucket}", bearer=browser.access_token,
                            files={"file": (name or path.name, body)}, timeout=60)


def test_a_profile_image_loses_its_location_and_comes_back_in_its_sizes(new_browser, gateway,
                                                                         tmp_path) -> None:
    ada = _signed_in(new_browser)
    photo = samples.jpeg_with_gps(tmp_path / "holiday.jpg")

    response = _upload(ada, "profile-images", photo)

    assert response.status_code == 201, response.text
    file = response.json()
    assert file["kind"] == "jpeg" and file["public"] and file["scan_result"] == "clean"
    variants = {v["name"]: v for v in file["variants"]}
    assert {"512-webp", "512-jpeg", "128-webp", "128-jpeg"} <= set(variants)
    for name, variant in variants.items():
        served = gateway.get(urlsplit(variant["url"]).path)  # the gateway's /files/public/...
        assert served.status_code == 200, name
        assert "immutable" in served.headers["cache-control"]
        with Image.open(io.BytesIO(served.content)) as image:
            assert GPS_IFD not in image.getexif() and "exif" not in image.info, name
            assert image.size == (variant["width"], variant["height"]), name
    assert variants["512-jpeg"]["width"] == variants["512-jpeg"]["height"] == 512
    assert variants["128-webp"]["width"] == 128
    listed = ada.call("GET", "/api/uploads?bucket=profile-images", bearer=ada.access_token)
    assert [f["id"] for f in listed.json()["files"]] == [file["id"]]


def test_cv_files_get_previews_and_are_served_only_by_signed_links(new_browser, gateway,
                                                                   tmp_path) -> None:
    ada = _signed_in(new_browser)
    for path in (samples.pdf(tmp_path / "cv.pdf"), samples.docx(tmp_path / "cv.docx")):
        response = _upload(ada, "cv-files", path)
        assert response.status_code == 201, response.text
        file = response.json()
        assert not file["public"] and file["url"] is None
        [preview] = [v for v in file["variants"] if v["name"] == "preview"]
        link = ada.call("GET", f"/api/uploads/{file['id']}/url?variant=preview",
                        bearer=ada.access_token).json()
        served = gateway.get(link["url"].removeprefix(str(gateway.base_url).rstrip("/")))
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.width == preview["width"]
        original = ada.call("GET", f"/api/uploads/{file['id']}/url?download=true",
                            bearer=ada.access_token).json()["url"]
        assert gateway.get(urlsplit(original).path + "?" + urlsplit(original).query
                           ).content == path.read_bytes()
        forged = urlsplit(original).path + "?expires=9999999999&signature=00"
        assert gateway.get(forged).status_code == 403


def test_a_png_named_pdf_is_refused_for_what_it_is(new_browser, tmp_path) -> None:
    ada = _signed_in(new_browser)
    response = _upload(ada, "cv-files", samples.png(tmp_path / "cv.png"), name="cv.pdf")

    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detected"] == "png"


def test_one_byte_over_the_limit_is_413(new_browser, tmp_path) -> None:
    ada = _signed_in(new_browser)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * (5 * 1024 * 1024 - 3))

    response = ada.call("POST", "/api/uploads/profile-images", bearer=ada.access_token,
                        content=big.read_bytes(), headers={"X-File-Name": "big.jpg"})

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_a_huge_body_is_cut_off_after_about_the_limit(stack, new_browser) -> None:
    """60 MB sent chunked (no Content-Length) to the 5 MB bucket: the 413 arrives while the
    client is still sending, long before it has sent everything."""
    ada = _signed_in(new_browser)
    host, port = urlsplit(stack.gateway_url).hostname, urlsplit(stack.gateway_url).port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall((f"POST /api/uploads/profile-images HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: Bearer {ada.access_token}\r\n"
                      f"X-Forwarded-For: {ada.ip}\r\nContent-Type: application/octet-stream\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n").encode())
        chunk = b"\xff" * (256 * 1024)
        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        sent, pending, answer = 0, b"", b""
        deadline = time.monotonic() + 60
        while not answer and time.monotonic() < deadline:
            if not pending and sent < 60 * 1024 * 1024:
                pending, sent = framed, sent + len(chunk)
            readable, writable, _ = select.select([sock], [sock] if pending else [], [], 0.05)
            if readable:
                answer = sock.recv(65536)
                break
            if writable:
                try:
                    pending = pending[sock.send(pending):]
                except ConnectionError:  # closed after its answer: read what it sent
                    break
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer:
            try:
                more = sock.recv(65536)
            except (ConnectionError, TimeoutError):
                break
            if not more:
                break
            answer += more

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 20 * 1024 * 1024, f"sent {sent} bytes before the answer"


def test_eicar_is_refused_and_recorded(new_browser, tmp_path) -> None:
    ada = _signed_in(new_browser)
    infected = tmp_path / "cv.pdf"
    infected.write_bytes(eicar())

    response = _upload(ada, "cv-files", infected)

    assert response.status_code == 422
    assert "malware" in response.json()["detail"]
    assert ada.call("GET", "/api/uploads", bearer=ada.access_token).json()["files"] == []


def test_another_users_file_is_not_found_anywhere(new_browser, tmp_path) -> None:
    ada, bob = _signed_in(new_browser), _signed_in(new_browser)
    file = _upload(ada, "cv-files", samples.pdf(tmp_path / "cv.pdf")).json()

    for method, path in (("GET", f"/api/uploads/{file['id']}"),
                         ("GET", f"/api/uploads/{file['id']}/url"),
                         ("DELETE", f"/api/uploads/{file['id']}")):
        response = bob.call(method, path, bearer=bob.access_token)
        assert response.status_code == 404, (method, path, response.text)
    assert ada.call("GET", f"/api/uploads/{file['id']}",
                    bearer=ada.access_token).status_code == 200
    assert ada.call("DELETE", f"/api/uploads/{file['id']}",
                    bearer=ada.access_token).status_code == 204
    assert ada.call("GET", f"/api/uploads/{file['id']}",
                    bearer=ada.access_token).status_code == 404


def test_an_uploaded_picture_becomes_the_profile_image(new_browser, gateway, tmp_path) -> None:
    ada = _signed_in(new_browser)
    first = _upload(ada, "profile-images", samples.jpeg_with_gps(tmp_path / "a.jpg")).json()
    second = _upload(ada, "profile-images", samples.png(tmp_path / "b.png")).json()

    changed = ada.call("PATCH", "/auth/me", bearer=ada.access_token,
                       json={"profile_image_file_id": first["id"]})

    assert changed.status_code == 200, changed.text
    me = ada.call("GET", "/auth/me", bearer=ada.access_token).json()
    urls = {v["name"]: v["url"] for v in first["variants"]}
    assert me["profile_image"] == {"file_id": first["id"], "urls": urls}
    assert me["profile_image_url"] == urls["512-jpeg"]
    assert gateway.get(urlsplit(me["profile_image_url"]).path).status_code == 200
    # In use: not deletable. Replaced: released, and then deletable.
    assert ada.call("DELETE", f"/api/uploads/{first['id']}",
                    bearer=ada.access_token).status_code == 412
    assert ada.call("PATCH", "/auth/me", bearer=ada.access_token,
                    json={"profile_image_file_id": second["id"]}).status_code == 200
    assert ada.call("DELETE", f"/api/uploads/{first['id']}",
                    bearer=ada.access_token).status_code == 204
    # Another bucket's file, or someone else's, is refused.
    cv = _upload(ada, "cv-files", samples.pdf(tmp_path / "cv.pdf")).json()
    assert ada.call("PATCH", "/auth/me", bearer=ada.access_token,
                    json={"profile_image_file_id": cv["id"]}).status_code == 400
    bob = _signed_in(new_browser)
    assert bob.call("PATCH", "/auth/me", bearer=bob.access_token,
                    json={"profile_image_file_id": second["id"]}).status_code == 404
    removed = ada.call("PATCH", "/auth/me", bearer=ada.access_token,
                       json={"profile_image_file_id": None})
    assert removed.json()["profile_image"] is None and removed.json()["profile_image_url"] is None
