"""CVs: PDFs and DOCX files stored unchanged with a preview, or refused for what they carry."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PIL import Image

from devstack.samples import content as samples
from files.content.docx import cv_docx
from files.content.model import ContentRefused
from files.content.pdf import cv_pdf


def refusal(check, source: Path, workdir: Path) -> ContentRefused:
    with pytest.raises(ContentRefused) as refused:
        check(source, workdir)
    return refused.value


def dark_pixels(path: Path) -> int:
    with Image.open(path) as image:
        return sum(image.convert("L").point(lambda value: 255 if value < 128 else 0)
                   .histogram()[255:])


# PDF


def test_a_pdf_is_stored_unchanged_with_a_600_px_preview_of_its_first_page(tmp_path: Path):
    source = samples.pdf(tmp_path / "cv.pdf", pages=2)
    processed = cv_pdf(source, tmp_path)
    original, preview = processed.outputs
    assert (original.name, original.mime) == ("original", "application/pdf")
    assert original.path.read_bytes() == source.read_bytes()
    assert (preview.name, preview.mime) == ("preview", "image/png")
    with Image.open(preview.path) as image:
        assert image.format == "PNG"
        assert image.size == (preview.width, preview.height) == (600, 850)  # A4 at 600 px
    assert dark_pixels(preview.path) > 100  # the page's line of text was drawn
    assert processed.metadata == {"pages": 2, "title": "Jane Doe - CV"}


@pytest.mark.parametrize(("build", "reason"), [
    (samples.pdf_with_javascript, "JavaScript run on opening (/OpenAction)"),
    (samples.pdf_with_document_javascript, "JavaScript"),
    (samples.pdf_with_launch_action, "Launch action"),
    (samples.pdf_with_embedded_file, "embedded files"),
])
def test_a_pdf_with_active_content_is_refused_naming_it(tmp_path: Path, build, reason: str):
    refused = refusal(cv_pdf, build(tmp_path / "cv.pdf"), tmp_path)
    assert refused.status == 422
    assert reason in refused.detail


def test_a_password_protected_pdf_is_refused(tmp_path: Path):
    refused = refusal(cv_pdf, samples.encrypted_pdf(tmp_path / "cv.pdf"), tmp_path)
    assert (refused.status, "password-protected" in refused.detail) == (422, True)


def test_a_pdf_encrypted_with_an_empty_password_only_restricts_and_is_accepted(tmp_path: Path):
    processed = cv_pdf(samples.encrypted_pdf(tmp_path / "cv.pdf", user_password=""), tmp_path)
    assert processed.metadata["pages"] == 1
    assert processed.outputs[1].width == 600


def test_an_open_action_that_only_shows_the_first_page_is_fine(tmp_path: Path):
    processed = cv_pdf(samples.pdf_with_goto_open_action(tmp_path / "cv.pdf"), tmp_path)
    assert [output.name for output in processed.outputs] == ["original", "preview"]


def test_a_pdf_without_pages_or_that_is_no_pdf_is_refused(tmp_path: Path):
    empty = refusal(cv_pdf, samples.pdf_without_pages(tmp_path / "empty.pdf"), tmp_path)
    assert (empty.status, empty.detail) == (422, "The PDF has no pages.")
    broken = refusal(cv_pdf, samples.png(tmp_path / "cv.pdf"), tmp_path)
    assert broken.status == 422 and "PDF" in broken.detail


# DOCX


def test_a_docx_is_stored_unchanged_with_its_text_drawn_as_preview(tmp_path: Path):
    source = samples.docx(tmp_path / "cv.docx")
    processed = cv_docx(source, tmp_path)
    original, preview = processed.outputs
    assert original.mime == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert original.path.read_bytes() == source.read_bytes()
    with Image.open(preview.path) as image:
        assert image.format == "PNG" and image.size == (600, 849)
    assert dark_pixels(preview.path) > 500
    assert processed.metadata == {"paragraphs": 7, "words": 49, "title": "Jane Doe - CV"}


def test_a_docx_thumbnail_is_the_preview_re_encoded(tmp_path: Path):
    processed = cv_docx(samples.docx_with_thumbnail(tmp_path / "cv.docx"), tmp_path)
    preview = processed.outputs[1]
    with Image.open(preview.path) as image:
        assert image.format == "PNG" and image.size == (150, 212)
        assert samples.GPS_IFD not in image.getexif() and "exif" not in image.info
    assert b"SampleCam" not in preview.path.read_bytes()


def test_a_long_paragraph_is_wrapped_and_the_preview_stops_at_its_page(tmp_path: Path):
    paragraphs = ["https://example.com/" + "x" * 300, "word " * 2000, *["line"] * 100]
    processed = cv_docx(samples.docx(tmp_path / "cv.docx", paragraphs), tmp_path)
    with Image.open(processed.outputs[1].path) as image:
        assert image.size == (600, 849)
    assert processed.metadata["paragraphs"] == 102


def test_hyperlinks_to_profiles_are_allowed(tmp_path: Path):
    processed = cv_docx(samples.docx_with_hyperlink(tmp_path / "cv.docx"), tmp_path)
    assert processed.metadata["words"] == 3


@pytest.mark.parametrize("target", ["file://///attacker.example/share/x",
                                    "\\\\attacker.example\\share", "javascript:alert(1)"])
def test_a_hyperlink_that_is_not_web_mail_or_phone_is_refused(tmp_path: Path, target: str):
    refused = refusal(cv_docx, samples.docx_with_hyperlink(tmp_path / "cv.docx", target),
                      tmp_path)
    assert refused.status == 422 and "hyperlink" in refused.detail


@pytest.mark.parametrize(("build", "status", "reason"), [
    (samples.docx_with_macros, 422, "macros"),
    (samples.docx_with_external_template, 422, "attachedTemplate"),
    (samples.docx_with_external_image, 422, "outside image"),
    (samples.docx_with_dde_field, 422, "DDE field"),
    (samples.docx_with_dtd, 422, "DTD"),
    (samples.docx_with_path_traversal, 422, "outside the package"),
    (samples.zip_bomb_docx, 413, "inflates"),
    (samples.docx_inflating_past_limit, 413, "unpacks to 101 MB"),
    (samples.docx_with_many_parts, 413, "parts"),
])
def test_a_dangerous_docx_is_refused_naming_the_reason(tmp_path: Path, build, status: int,
                                                        reason: str):
    refused = refusal(cv_docx, build(tmp_path / "cv.docx"), tmp_path)
    assert refused.status == status
    assert reason in refused.detail


def test_a_dtd_in_a_part_the_check_does_not_otherwise_read_is_refused(tmp_path: Path):
    source = samples.docx(tmp_path / "cv.docx", parts={
        "customXml/item1.xml": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
                               b'"file:///etc/passwd">]><r>&x;</r>'})
    refused = refusal(cv_docx, source, tmp_path)
    assert refused.status == 422 and "customXml/item1.xml" in refused.detail


def test_a_vba_project_is_refused_even_under_a_plain_document_type(tmp_path: Path):
    source = samples.docx(tmp_path / "cv.docx", parts={"word/vbaProject.bin": b"\xd0\xcf"})
    assert "macros" in refusal(cv_docx, source, tmp_path).detail


def test_a_macro_content_type_is_refused_without_a_vba_part(tmp_path: Path):
    source = samples.docx(tmp_path / "cv.docx", main_type=samples.DOCM_MAIN)
    assert "macros" in refusal(cv_docx, source, tmp_path).detail


def test_an_ole_object_inside_the_package_is_refused(tmp_path: Path):
    source = samples.docx(tmp_path / "cv.docx", relationships=[
        (f"{samples.R}/oleObject", "embeddings/oleObject1.bin", False)])
    assert "OLE object" in refusal(cv_docx, source, tmp_path).detail


def test_a_simple_field_that_fetches_a_picture_is_refused(tmp_path: Path):
    body = ('<w:p><w:fldSimple w:instr=" INCLUDEPICTURE &quot;http://tracker.example/p.png'
            '&quot; \\d "><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>')
    refused = refusal(cv_docx, samples.docx(tmp_path / "cv.docx", body=body), tmp_path)
    assert "INCLUDEPICTURE" in refused.detail


def test_a_page_number_field_is_fine(tmp_path: Path):
    body = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE '
            '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    assert cv_docx(samples.docx(tmp_path / "cv.docx", body=body), tmp_path).outputs


def test_a_zip_that_is_not_a_document_is_refused(tmp_path: Path):
    source = tmp_path / "cv.docx"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    refused = refusal(cv_docx, source, tmp_path)
    assert (refused.status, refused.detail) == (422, "The DOCX has no word/document.xml.")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    assert refusal(cv_docx, tmp_path / "broken.docx", tmp_path).status == 422
