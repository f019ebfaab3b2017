"""The DOCX export read back the way Word and ATS parsers read it: python-docx for the
structure (styles, lists, hyperlinks, properties, page setup), the package's XML for what
python-docx does not show (text boxes, direction, fonts of other scripts)."""

import io
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Inches, Mm, Pt, RGBColor, Twips
from lxml import etree

from cv.content.schema import validate_content
from cv.render.document import Document, build_document
from cv.render.docx import SEPARATOR, render_docx
from cv.render.docx_styles import COMPLEX_SCRIPT_FONT, EAST_ASIAN_FONT, LOOKS, MONO_FONT
from cv.render.options import RenderOptions
from cv.render.templates import TEMPLATES
from devstack.samples import content as sample_files
from devstack.samples.resumes import full_resume, rich_cv

OPTIONS = RenderOptions()


def cv_document(content: dict | None = None, options: RenderOptions = OPTIONS) -> Document:
    return build_document(validate_content(content or full_resume()), "Backend roles", options)


def rendered(document: Document | None = None, options: RenderOptions = OPTIONS,
             template: str = "modern", photo: bytes | None = None) -> docx.Document:
    data = render_docx(document or cv_document(options=options), options, template, photo)
    return docx.Document(io.BytesIO(data))


def styled(word: docx.Document, style: str) -> list[str]:
    return [p.text for p in word.paragraphs if p.style.name == style]


def external_targets(word: docx.Document) -> set[str]:
    return {rel.target_ref for rel in word.part.rels.values()
            if rel.reltype == RT.HYPERLINK and rel.is_external}


def same_length(a: int, b: int) -> bool:
    """Equal to the twip (1/20 pt) Word stores lengths in."""
    return abs(a - b) < Twips(1)


def document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("word/document.xml").decode()


def test_every_template_has_a_look():
    assert set(LOOKS) == set(TEMPLATES)


@pytest.mark.parametrize("sample", [full_resume, rich_cv])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_sections_are_heading_1_and_entries_heading_2_in_reading_order(template, sample):
    document = cv_document(sample())
    word = rendered(document, template=template)
    assert styled(word, "Title") == [document.header.name]
    assert styled(word, "Subtitle") == [document.header.label]
    assert styled(word, "Heading 1") == ["Profile", *(s.heading for s in document.sections)]
    titles = [f"{entry.title} — {entry.subtitle}" if entry.subtitle else entry.title
              for section in document.sections if not section.compact
              for entry in section.entries]
    assert styled(word, "Heading 2") == titles
    # Compact sections (skills, languages, interests): one line per entry, in order.
    text = [p.text for p in word.paragraphs]
    compact = [e.title for s in document.sections if s.compact for e in s.entries]
    lines = [next(i for i, line in enumerate(text) if line.startswith(title))
             for title in compact]
    assert lines == sorted(lines)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_the_structure_is_the_same_for_every_template(template):
    def structure(word: docx.Document) -> list[tuple[str, list[str]]]:
        # Executive puts an entry's dates last, after a tab: the same parts, in one line.
        return [(p.style.name, sorted(part for part in p.text.replace("\t", SEPARATOR)
                                      .split(SEPARATOR) if part))
                for p in word.paragraphs]
    assert structure(rendered(template=template)) == structure(rendered(template="modern"))


def test_highlights_are_list_bullet_paragraphs_with_a_numbering_definition():
    word = rendered()
    bullets = [p for p in word.paragraphs if p.style.name == "List Bullet"]
    assert [p.text for p in bullets][:3] == [
        "Cut settlement time from T+2 to T+0 for 40,000 merchants",
        "Designed the double-entry ledger that replaced three legacy systems",
        "Mentored four engineers to senior",
    ]
    num_id = int(word.styles["List Bullet"].element.pPr.numPr.numId.val)
    numbering = word.part.numbering_part.element
    abstract_id = numbering.num_having_numId(num_id).abstractNumId.val
    abstract = numbering.find(f"{qn('w:abstractNum')}[@{qn('w:abstractNumId')}='{abstract_id}']")
    assert abstract.find(f"{qn('w:lvl')}/{qn('w:numFmt')}").get(qn("w:val")) == "bullet"


def test_markdown_emphasis_becomes_run_formatting():
    word = rendered()
    runs = [run for p in word.paragraphs for run in p.runs]
    assert any(run.text == "twelve years" and run.bold for run in runs)
    assert any(run.text == "boring" and run.italic for run in runs)
    assert any(run.text == "T+2 to T+0" and run.bold for run in runs)
    assert not any(run.text and "**" in run.text for run in runs)


def test_numbered_lists_start_where_the_user_s_do():
    content = full_resume()
    content["work"][0]["summary"] = "Steps:\n\n3. third\n4. fourth\n\n1. again"
    word = rendered(cv_document(content))
    numbered = [p for p in word.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == ["third", "fourth", "again"]
    num_ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert num_ids[0] == num_ids[1] != num_ids[2]
    numbering = word.part.numbering_part.element
    starts = [numbering.num_having_numId(n).find(f".//{qn('w:startOverride')}").get(qn("w:val"))
              for n in (num_ids[0], num_ids[2])]
    assert starts == ["3", "1"]


def test_e_mail_phone_website_profiles_and_entry_links_are_hyperlinks():
    word = rendered()
    assert {
        "mailto:zoe.lukasiewicz@example.com", "tel:+48225550123", "https://zoe.example.dev",
        "https://github.com/zoeln", "https://www.linkedin.com/in/zoe-lukasiewicz",
        "https://kestrel.example.com", "https://kestrel.example.com/blog",
        "https://github.com/zoeln/pg-ledger",
    } <= external_targets(word)
    contact = next(p for p in word.paragraphs if p.style.name == "Contact")
    assert [(link.text, link.address) for link in contact.hyperlinks][:2] == [
        ("zoe.lukasiewicz@example.com", "mailto:zoe.lukasiewicz@example.com"),
        ("+48 22 555 01 23", "tel:+48225550123"),
    ]
    blog = next(link for p in word.paragraphs for link in p.hyperlinks
                if link.address == "https://kestrel.example.com/blog")
    assert blog.text == "our engineering blog"


def test_a_link_label_with_emphasis_stays_one_hyperlink():
    content = full_resume()
    content["work"][0]["summary"] = "See [the **ledger** post](https://kestrel.example.com/l)."
    word = rendered(cv_document(content))
    links = [link for p in word.paragraphs for link in p.hyperlinks
             if link.address == "https://kestrel.example.com/l"]
    assert [link.text for link in links] == ["the ledger post"]
    assert [run.bold for run in links[0].runs] == [None, True, None]


def test_core_properties_carry_title_author_and_language():
    document = cv_document(options=RenderOptions(language="de"))
    properties = rendered(document, RenderOptions(language="de")).core_properties
    assert properties.title == "Zoë Łukasiewicz-Núñez — Backend roles"
    assert properties.author == "Zoë Łukasiewicz-Núñez"
    assert properties.language == "de-DE"
    assert properties.comments == ""
    assert properties.created is not None


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_nothing_an_ats_skips_holds_text(template):
    data = render_docx(cv_document(), OPTIONS, template)
    word = docx.Document(io.BytesIO(data))
    xml = document_xml(data)
    assert word.tables == []
    for skipped in ("w:txbxContent", "<w:tbl", "v:textbox", "wps:wsp", "w:headerReference",
                    "w:footerReference", "w:fldSimple", "w:instrText"):
        assert skipped not in xml
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
    assert not [name for name in names if "header" in name or "footer" in name]
    # The template's thumbnail would be shown as this CV's preview.
    assert not [name for name in names if "thumbnail" in name]


@pytest.mark.parametrize("options", [
    RenderOptions(),
    RenderOptions(font="Noto Serif", font_size=12.5, margin_mm=25, page_size="letter"),
    RenderOptions(font_size=8, margin_mm=8),
])
def test_fonts_size_margins_and_page_size_follow_the_options(options):
    word = rendered(options=options)
    normal = word.styles["Normal"]
    assert normal.font.name == options.font
    assert normal.font.size == Pt(round(options.font_size * 2) / 2)
    fonts = normal.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == EAST_ASIAN_FONT
    assert fonts.get(qn("w:cs")) == COMPLEX_SCRIPT_FONT
    assert word.styles["Heading 1"].font.size > normal.font.size
    section = word.sections[0]
    width, height = (Inches(8.5), Inches(11)) if options.page_size == "letter" else (
        Mm(210), Mm(297))
    assert same_length(section.page_width, width)
    assert same_length(section.page_height, height)
    for margin in (section.top_margin, section.bottom_margin, section.left_margin,
                   section.right_margin):
        assert same_length(margin, Mm(options.margin_mm))


def test_the_document_language_is_set_on_the_styles():
    word = rendered(cv_document(options=RenderOptions(language="fr")),
                    RenderOptions(language="fr"))
    for rpr in (word.styles["Normal"].element.rPr,
                word.styles.element.find(f"{qn('w:docDefaults')}//{qn('w:rPr')}")):
        assert rpr.find(qn("w:lang")).get(qn("w:val")) == "fr-FR"


@pytest.mark.parametrize("template", sorted(set(TEMPLATES) - {"minimal", "creative"}))
def test_section_headings_take_the_accent(template):
    options = RenderOptions(accent="#8a1538")
    heading = rendered(options=options, template=template).styles["Heading 1"]
    assert heading.font.color.rgb == RGBColor.from_string("8A1538")


def test_creative_section_headings_are_a_band_of_the_accent():
    heading = rendered(options=RenderOptions(accent="#8a1538"), template="creative")
    shading = heading.styles["Heading 1"].element.pPr.find(qn("w:shd"))
    assert shading.get(qn("w:fill")) == "8A1538"
    assert heading.styles["Heading 1"].font.color.rgb == RGBColor.from_string("FFFFFF")


def test_minimal_keeps_colour_to_the_name():
    word = rendered(options=RenderOptions(accent="#8a1538"), template="minimal")
    assert word.styles["Heading 1"].font.color.rgb is None
    assert word.styles["Title"].font.color.rgb == RGBColor.from_string("8A1538")


def test_templates_change_fonts_and_alignment():
    classic = rendered(template="classic")
    assert classic.styles["Heading 1"].font.name == "Noto Serif"
    assert classic.styles["Title"].paragraph_format.alignment == 1  # centred
    tech = rendered(template="tech")
    assert tech.styles["Heading 1"].font.name == MONO_FONT
    assert tech.styles["Keywords"].font.name == MONO_FONT
    executive = rendered(template="executive")
    (stop,) = executive.styles["Entry Details"].paragraph_format.tab_stops
    assert same_length(stop.position, Mm(210) - 2 * Mm(OPTIONS.margin_mm))
    assert any(p.text.endswith("\tMar 2021 – Present") for p in executive.paragraphs)


def test_an_entry_heading_is_kept_with_its_first_line():
    word = rendered()
    assert word.styles["Heading 1"].paragraph_format.keep_with_next
    assert word.styles["Heading 2"].paragraph_format.keep_with_next
    paragraphs = word.paragraphs
    for index, paragraph in enumerate(paragraphs[:-1]):
        following = paragraphs[index + 1].style.name
        if paragraph.style.name == "Entry Details" and following not in ("Heading 1",
                                                                         "Heading 2"):
            assert paragraph.paragraph_format.keep_with_next


def test_japanese_and_arabic_text_is_kept_and_arabic_runs_are_right_to_left():
    data = render_docx(cv_document(), OPTIONS, "modern")
    word = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "東京データ株式会社" in text and "جامعة القاهرة" in text
    arabic = next(run for p in word.paragraphs for run in p.runs if run.text == "جامعة القاهرة")
    assert arabic.font.rtl
    heading = next(p for p in word.paragraphs if "جامعة القاهرة" in p.text)
    assert heading._p.pPr.find(qn("w:bidi")) is None  # mostly English: left to right
    japanese = next(run for p in word.paragraphs for run in p.runs if "東京" in run.text)
    assert not japanese.font.rtl


def test_a_mainly_arabic_paragraph_is_right_to_left():
    content = full_resume()
    content["education"][1]["area"] = "الرياضيات"
    content["education"][1]["studyType"] = "تبادل"
    content["awards"][0]["summary"] = "جائزة **المهندس** لعام 2023 (Kestrel)"
    word = rendered(cv_document(content))
    for text in ("تبادل, الرياضيات — جامعة القاهرة", "جائزة المهندس لعام 2023 (Kestrel)"):
        paragraph = next(p for p in word.paragraphs if p.text == text)
        assert paragraph._p.pPr.find(qn("w:bidi")) is not None
    bold = next(run for p in word.paragraphs for run in p.runs if run.text == "المهندس")
    assert bold.bold and bold.font.cs_bold and bold.font.rtl


MARKUP = [
    "<script>alert(1)</script>",
    "]]><w:p/><![CDATA[",
    "Tom & Jerry &amp; &#x41; &lt;b&gt;",
    '"quoted" \'single\' <w:t>injected</w:t>',
    "{{7+7}} ${7+7} <%= 7+7 %>",
]


def with_text(payload: str) -> dict:
    content = full_resume()
    content["basics"]["name"] = payload
    content["basics"]["label"] = payload
    content["work"][0]["highlights"] = [payload]
    content["skills"][0]["keywords"] = [payload]
    content["work"][0]["url"] = "https://kestrel.example.com/?a=1&b=<2>"
    return content


@pytest.mark.parametrize("payload", MARKUP)
def test_markup_in_text_is_kept_literally(payload):
    data = render_docx(cv_document(with_text(payload)), OPTIONS, "modern")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(package.read(name))  # well-formed, or this raises
    word = docx.Document(io.BytesIO(data))
    assert styled(word, "Title") == [payload]
    assert styled(word, "Subtitle") == [payload]
    assert payload in styled(word, "List Bullet")
    assert any(payload in p.text for p in word.paragraphs if p.style.name == "Normal")
    assert "https://kestrel.example.com/?a=1&b=<2>" in external_targets(word)
    # No paragraph injected.
    assert len(word.paragraphs) == len(rendered(cv_document(with_text("text"))).paragraphs)


def test_characters_xml_cannot_hold_are_left_out():
    content = validate_content(full_resume())
    content["basics"]["label"] = "Engineer\ufffe\uffff"  # past validation, which refuses them
    word = rendered(build_document(content, "CV", OPTIONS))
    assert styled(word, "Subtitle") == ["Engineer"]


def test_a_photo_is_an_inline_picture_above_the_name(tmp_path):
    photo = sample_files.png(tmp_path / "photo.png", size=(300, 300)).read_bytes()
    data = render_docx(cv_document(), OPTIONS, "modern", photo)
    word = docx.Document(io.BytesIO(data))
    assert len(word.inline_shapes) == 1
    assert word.inline_shapes[0].width == Mm(28)
    first = word.paragraphs[0]
    assert first.text == "" and first._p.xpath(".//pic:pic")
    assert word.paragraphs[1].style.name == "Title"
    assert "wp:anchor" not in document_xml(data)  # inline, not floating over text


def test_an_unknown_template_is_refused():
    with pytest.raises(ValueError, match="unknown template"):
        render_docx(cv_document(), OPTIONS, "fancy")


def test_an_almost_empty_cv_renders():
    word = rendered(cv_document({"basics": {"name": "A"}}))
    assert [p.text for p in word.paragraphs] == ["A"]
