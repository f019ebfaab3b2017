"""What an upload is, from its bytes; and what the dispatcher does with what was found."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from devstack.samples import content as samples
from files.buckets import BUCKETS
from files.content.model import ContentRefused, Detected, Processed
from files.content.process import PROFILES, process
from files.content.sniff import detect

BUILDERS = [
    (samples.jpeg, "a.jpg", "jpeg", "image/jpeg", "jpg"),
    (samples.png, "a.png", "png", "image/png", "png"),
    (samples.gif, "a.gif", "gif", "image/gif", "gif"),
    (samples.animated_gif, "b.gif", "gif", "image/gif", "gif"),
    (samples.webp, "a.webp", "webp", "image/webp", "webp"),
    (samples.pdf, "a.pdf", "pdf", "application/pdf", "pdf"),
    (samples.docx, "a.docx", "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    (samples.zip_archive, "a.zip", "zip", "application/zip", "zip"),
    (samples.svg, "a.svg", "svg", "image/svg+xml", "svg"),
    (samples.avi, "a.avi", "avi", "video/x-msvideo", "avi"),
    (samples.iso_media, "a.mp4", "mp4", "video/mp4", "mp4"),
    (samples.exe, "a.exe", "exe", "application/vnd.microsoft.portable-executable", "exe"),
    (samples.elf, "a.bin", "elf", "application/x-elf", "elf"),
    (samples.html, "a.html", "html", "text/html", "html"),
    (samples.gzip_file, "a.gz", "gzip", "application/gzip", "gz"),
    (samples.text, "a.txt", "text", "text/plain", "txt"),
]


@pytest.mark.parametrize(("build", "name", "kind", "mime", "extension"), BUILDERS,
                         ids=[entry[2] + "-" + entry[1] for entry in BUILDERS])
def test_each_kind_is_told_by_its_bytes(tmp_path: Path, build, name, kind, mime, extension):
    assert detect(build(tmp_path / name)) == Detected(kind=kind, mime=mime, extension=extension)


def test_a_png_named_pdf_is_a_png(tmp_path: Path):
    assert detect(samples.png(tmp_path / "cv.pdf")).kind == "png"


def test_a_pdf_named_jpg_is_a_pdf(tmp_path: Path):
    assert detect(samples.pdf(tmp_path / "photo.jpg")).kind == "pdf"


def test_quicktime_brand_is_mov_and_heif_brands_are_not_video(tmp_path: Path):
    assert detect(samples.iso_media(tmp_path / "a.mov", b"qt  ")).kind == "mov"
    assert detect(samples.iso_media(tmp_path / "b.mp4", b"mp42")).kind == "mp4"
    assert detect(samples.iso_media(tmp_path / "c.heic", b"heic")).kind == "heic"
    assert detect(samples.iso_media(tmp_path / "d.avif", b"avif")).kind == "avif"


def test_a_macro_enabled_document_is_detected_as_docx_for_the_check_to_refuse(tmp_path: Path):
    assert detect(samples.docx_with_macros(tmp_path / "cv.docx")).kind == "docx"


def test_a_zip_with_a_document_but_no_word_content_type_is_a_zip(tmp_path: Path):
    path = samples.docx(tmp_path / "a.docx", main_type="application/xml")
    assert detect(path).kind == "zip"


def test_a_pdf_header_within_the_first_kilobyte_counts(tmp_path: Path):
    data = samples.pdf(tmp_path / "a.pdf").read_bytes()
    (tmp_path / "junk.pdf").write_bytes(b"\x00junk" * 100 + data)
    (tmp_path / "late.pdf").write_bytes(b"\x00junk" * 300 + data)
    assert detect(tmp_path / "junk.pdf").kind == "pdf"
    assert detect(tmp_path / "late.pdf").kind == "unknown"


@pytest.mark.parametrize("prologue", [
    "\ufeff",
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n',
    "<!-- Generator: Adobe Illustrator 27.0 -->\n  \n",
    '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n',
    '<!DOCTYPE svg [<!ENTITY ns "http://example.com/">]><!-- > -->',
], ids=["bom", "declaration", "comment", "doctype", "internal-subset"])
def test_an_svg_root_after_any_prologue_is_svg(tmp_path: Path, prologue: str):
    assert detect(samples.svg(tmp_path / "logo.svg", prologue=prologue)).kind == "svg"


def test_xml_that_is_not_svg_and_an_empty_file_have_names(tmp_path: Path):
    (tmp_path / "a.svg").write_text('<?xml version="1.0"?><feed><title>x</title></feed>')
    (tmp_path / "empty.png").write_bytes(b"")
    assert detect(tmp_path / "a.svg").kind == "xml"
    assert detect(tmp_path / "empty.png").kind == "empty"


def test_two_byte_signatures_need_their_header(tmp_path: Path):
    (tmp_path / "a.txt").write_text("BMW and MZ are letters before they are signatures\n")
    (tmp_path / "b.bin").write_bytes(b"MZ" + bytes(200))
    assert detect(tmp_path / "a.txt").kind == "text"
    assert detect(tmp_path / "b.bin").kind == "unknown"


# The dispatcher


def test_every_kind_a_bucket_accepts_has_exactly_one_profile():
    accepted = {(bucket.name, kind) for bucket in BUCKETS.values() for kind in bucket.accepted}
    assert set(PROFILES) == accepted


def test_a_kind_the_bucket_does_not_accept_is_refused_with_415_naming_both(tmp_path: Path):
    source = samples.pdf(tmp_path / "me.jpg")
    with pytest.raises(ContentRefused) as refused:
        process("profile-images", detect(source), source, tmp_path / "out")
    assert refused.value.status == 415
    assert refused.value.detected == "pdf"
    assert refused.value.detail == ("profile-images accepts jpeg, png, webp; this file is pdf "
                                    "(application/pdf), whatever its name says.")


def test_a_png_renamed_pdf_is_refused_by_cv_files_as_a_png(tmp_path: Path):
    source = samples.png(tmp_path / "cv.pdf")
    with pytest.raises(ContentRefused) as refused:
        process("cv-files", detect(source), source, tmp_path / "out")
    assert (refused.value.status, refused.value.detected) == (415, "png")
    assert "this file is png" in refused.value.detail


def test_a_kind_over_its_own_limit_in_its_bucket_is_refused_with_413(tmp_path: Path):
    # social-media takes 50 MB videos but images only up to 8 MB.
    source = samples.jpeg(tmp_path / "big.jpg")
    with source.open("ab") as file:
        file.write(bytes(9 * 1024 * 1024))
    with pytest.raises(ContentRefused) as refused:
        process("social-media", detect(source), source, tmp_path / "out")
    assert refused.value.status == 413
    assert "jpeg files up to 8 MB" in refused.value.detail


def test_an_accepted_upload_goes_to_its_bucket_profile(tmp_path: Path):
    source = samples.png(tmp_path / "logo.png")
    processed = process("company-logos", detect(source), source, tmp_path / "out")
    assert [output.name for output in processed.outputs] == ["original", "256", "128"]
    assert all(output.path.parent == tmp_path / "out" for output in processed.outputs)


def test_videos_go_to_process_video_with_their_kind(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch):
    calls = []

    def process_video(source: Path, workdir: Path, kind: str) -> Processed:
        calls.append((source, workdir, kind))
        return Processed(outputs=[], metadata={"duration_seconds": 1.0})

    video = types.ModuleType("files.content.video")
    video.process_video = process_video
    monkeypatch.setitem(sys.modules, "files.content.video", video)
    source = samples.iso_media(tmp_path / "clip.mov", b"qt  ")
    processed = process("social-media", detect(source), source, tmp_path / "out")
    assert calls == [(source, tmp_path / "out", "mov")]
    assert processed.metadata == {"duration_seconds": 1.0}
