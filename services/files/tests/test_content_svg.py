"""Company-logo SVGs: rebuilt from what is safe, or refused when nothing safe is left or the
document is a bomb."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from xml.etree.ElementTree import Element, fromstring

import pytest
from PIL import Image

from devstack.samples import content as samples
from files.content.model import ContentRefused, Processed
from files.content.svg import company_logo_svg

SVG = "{http://www.w3.org/2000/svg}"


def logo(source: Path, workdir: Path) -> tuple[Processed, str, Element]:
    processed = company_logo_svg(source, workdir)
    text = processed.outputs[0].path.read_text(encoding="utf-8")
    return processed, text, fromstring(text)


def names(root: Element) -> list[str]:
    return [element.tag.removeprefix(SVG) for element in root.iter()]


def refusal(source: Path, workdir: Path) -> ContentRefused:
    with pytest.raises(ContentRefused) as refused:
        company_logo_svg(source, workdir)
    return refused.value


def test_a_clean_logo_keeps_its_drawing(tmp_path: Path):
    processed, _, root = logo(samples.svg(tmp_path / "logo.svg"), tmp_path)
    output = processed.outputs[0]
    assert (output.name, output.mime, output.width, output.height) == (
        "original", "image/svg+xml", 200, 80)
    assert output.size == output.path.stat().st_size
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 200 80"
    assert names(root) == ["svg", "title", "defs", "linearGradient", "stop", "stop", "rect",
                           "circle", "text"]
    assert root.find(f"{SVG}rect").get("fill") == "url(#g)"
    assert root.find(f"{SVG}text").text == "Example"
    assert processed.metadata == {"format": "svg", "elements": 9, "width": 200, "height": 80}


def test_scripts_are_removed(tmp_path: Path):
    _, text, root = logo(samples.svg_with_script(tmp_path / "logo.svg"), tmp_path)
    assert "script" not in names(root)
    assert "alert" not in text and "evil.example" not in text


def test_event_handlers_are_removed_everywhere(tmp_path: Path):
    _, text, root = logo(samples.svg_with_event_handlers(tmp_path / "logo.svg"), tmp_path)
    assert not [name for element in root.iter() for name in element.attrib
                if name.lower().startswith("on")]
    assert "alert" not in text
    assert "circle" in names(root)


def test_external_references_are_removed_and_local_ones_kept(tmp_path: Path):
    _, text, root = logo(samples.svg_with_external_references(tmp_path / "logo.svg"), tmp_path)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text)
    assert "javascript" not in text and "@import" not in text
    assert "image" not in names(root) and "use" not in names(root) and "a" not in names(root)
    assert "set" not in names(root)  # it set an href
    assert root.find(f".//{SVG}rect[@id='link']") is not None  # a link's content stays
    assert root.find(f"{SVG}rect").get("fill") == "url(#g)"


def test_a_local_use_is_kept(tmp_path: Path):
    body = '<defs><circle id="dot" r="4"/></defs><use href="#dot" x="5"/><use xlink:href="#dot"/>'
    _, _, root = logo(samples.svg(tmp_path / "logo.svg", body), tmp_path)
    assert [use.get("href") for use in root.iter(f"{SVG}use")] == ["#dot", "#dot"]


def test_foreign_object_and_embeds_are_removed(tmp_path: Path):
    _, text, root = logo(samples.svg_with_foreign_object(tmp_path / "logo.svg"), tmp_path)
    assert not {"foreignObject", "embed", "iframe", "body"} & set(names(root))
    assert "evil.example" not in text and "xhtml" not in text


def test_safe_css_is_kept_and_css_that_fetches_or_escapes_is_dropped(tmp_path: Path):
    body = ('<style>.st0{fill:#036;stroke:url(#g)}</style>'
            '<style>.st1{fill:url(https://tracker.example/a.svg#p)}</style>'
            '<style>.st2{background:image-set("https://tracker.example/b.png" 1x)}</style>'
            '<style>.st3{fill:\\75rl(https://tracker.example/c.svg)}</style>'
            '<rect class="st0" width="10" height="10" style="fill: rgb(0, 51, 102)"/>'
            '<rect width="10" height="10" style="behavior: url(x.htc)"/>')
    _, text, root = logo(samples.svg(tmp_path / "logo.svg", body), tmp_path)
    styles = [style.text for style in root.iter(f"{SVG}style")]
    assert styles == [".st0{fill:#036;stroke:url(#g)}"]
    assert "tracker" not in text and "htc" not in text
    assert [rect.get("style") for rect in root.iter(f"{SVG}rect")] == [
        "fill: rgb(0, 51, 102)", None]


def test_a_dark_mode_media_query_is_kept(tmp_path: Path):
    css = "@media (prefers-color-scheme: dark) { svg { fill: white; } }"
    _, _, root = logo(samples.svg(tmp_path / "logo.svg", f"<style>{css}</style>"
                                  + samples.LOGO_BODY), tmp_path)
    assert root.find(f"{SVG}style").text == css


def test_css_hidden_after_a_child_of_style_is_checked_too(tmp_path: Path):
    body = '<style>.a{fill:red}<g/>@import url(https://evil.example/x.css);</style>' + \
        samples.LOGO_BODY
    _, text, root = logo(samples.svg(tmp_path / "logo.svg", body), tmp_path)
    assert "evil" not in text and "style" not in names(root)


def test_an_embedded_jpeg_is_re_encoded_without_its_exif(tmp_path: Path):
    _, _, root = logo(samples.svg_with_embedded_jpeg(tmp_path / "logo.svg"), tmp_path)
    href = root.find(f"{SVG}image").get("href")
    assert href.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))) as image:
        assert image.size == (40, 30)
        assert "exif" not in image.info and samples.GPS_IFD not in image.getexif()


def test_an_illustrator_doctype_without_entities_is_accepted_and_dropped(tmp_path: Path):
    prologue = ('<?xml version="1.0" encoding="utf-8"?>\n<!-- Generator: Adobe Illustrator -->\n'
                '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n')
    _, text, _ = logo(samples.svg(tmp_path / "logo.svg", prologue=prologue), tmp_path)
    assert "DOCTYPE" not in text and "Illustrator" not in text


def test_an_svg_without_its_namespace_is_written_with_it(tmp_path: Path):
    (tmp_path / "logo.svg").write_text('<svg viewBox="0 0 10 10"><rect width="10" '
                                       'height="10"/></svg>')
    processed, _, root = logo(tmp_path / "logo.svg", tmp_path)
    assert names(root) == ["svg", "rect"] and root.tag == f"{SVG}svg"
    assert (processed.outputs[0].width, processed.outputs[0].height) == (10, 10)


def test_entities_are_refused_with_422(tmp_path: Path):
    refused = refusal(samples.svg_billion_laughs(tmp_path / "bomb.svg"), tmp_path)
    assert refused.status == 422 and "entities" in refused.detail


def test_a_use_expansion_bomb_is_refused_with_413(tmp_path: Path):
    refused = refusal(samples.svg_use_blowup(tmp_path / "bomb.svg"), tmp_path)
    assert refused.status == 413 and "<use>" in refused.detail


def test_a_use_that_refers_to_its_own_group_is_refused(tmp_path: Path):
    body = '<g id="loop"><rect width="1" height="1"/><use href="#loop"/></g>'
    refused = refusal(samples.svg(tmp_path / "loop.svg", body), tmp_path)
    assert refused.status == 422 and "itself" in refused.detail


def test_too_many_elements_are_refused_with_413(tmp_path: Path):
    body = '<rect width="1" height="1"/>' * 20_001
    refused = refusal(samples.svg(tmp_path / "many.svg", body), tmp_path)
    assert refused.status == 413 and "20000 elements" in refused.detail


def test_nesting_deeper_than_any_drawing_needs_is_refused(tmp_path: Path):
    body = "<g>" * 150 + '<rect width="1" height="1"/>' + "</g>" * 150
    refused = refusal(samples.svg(tmp_path / "deep.svg", body), tmp_path)
    assert refused.status == 422 and "deeper" in refused.detail


def test_nothing_left_to_draw_is_refused_with_422(tmp_path: Path):
    refused = refusal(samples.svg_without_drawing(tmp_path / "empty.svg"), tmp_path)
    assert refused.status == 422 and "nothing left to draw" in refused.detail


def test_broken_xml_and_other_roots_are_refused_with_422(tmp_path: Path):
    (tmp_path / "broken.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect>')
    (tmp_path / "html.svg").write_text('<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>')
    assert "well-formed" in refusal(tmp_path / "broken.svg", tmp_path).detail
    assert "not <svg>" in refusal(tmp_path / "html.svg", tmp_path).detail
