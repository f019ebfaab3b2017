"""The TXT export: every field's text, in the Document's reading order, with links written
out and no Markdown syntax left."""

import pytest

from cv.content.schema import validate_content
from cv.render.document import Document, build_document
from cv.render.options import RenderOptions
from cv.render.text import render_text
from devstack.samples.resumes import full_resume

OPTIONS = RenderOptions()


def cv_document(content: dict | None = None, options: RenderOptions = OPTIONS) -> Document:
    return build_document(validate_content(content or full_resume()), "Backend roles", options)


def in_order(text: str, parts: list[str]) -> bool:
    """Each of `parts` found in `text`, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            raise AssertionError(f"{part!r} not found after position {position}")
        position = found + len(part)
    return True


def test_the_header_comes_first_with_links_written_out():
    text = render_text(cv_document(), OPTIONS)
    assert text.splitlines()[:4] == [
        "Zoë Łukasiewicz-Núñez",
        "Staff Software Engineer",
        "Warszawa, Mazowieckie, PL",
        "zoe.lukasiewicz@example.com · +48 22 555 01 23 · https://zoe.example.dev · "
        "https://github.com/zoeln · https://www.linkedin.com/in/zoe-lukasiewicz",
    ]


def test_every_field_appears_in_the_document_s_reading_order():
    document = cv_document()
    text = render_text(document, OPTIONS)
    parts = ["PROFILE\n=======", "Backend engineer with twelve years"]
    for section in document.sections:
        heading = section.heading.upper()
        parts.append(f"{heading}\n{'=' * len(heading)}")
        for entry in section.entries:
            parts += [part for part in (entry.title, entry.subtitle, entry.dates,
                                        entry.location, entry.url) if part]
            parts += [block_run.text for block in entry.body for item in block.items
                      for block_run in item if not block_run.url]
            parts += ["• " + "".join(run.text for run in bullet) for bullet in entry.bullets]
            parts += list(entry.tags)
    assert in_order(text, parts)


def test_entries_read_title_subtitle_then_dates_location_and_url():
    text = render_text(cv_document(), OPTIONS)
    assert ("Staff Software Engineer — Kestrel Payments\n"
            "Mar 2021 – Present · Warsaw, Poland (hybrid) · https://kestrel.example.com\n"
            "Card acquiring for small merchants\n"
            "Lead the ledger team (6 engineers). See our engineering blog "
            "(https://kestrel.example.com/blog).\n"
            "• Cut settlement time from T+2 to T+0 for 40,000 merchants\n") in text
    assert ("pg-ledger — Personal, application\n"
            "Jan 2019 – Nov 2020 · https://github.com/zoeln/pg-ledger\n"
            "An open-source double-entry ledger on PostgreSQL\n"
            "• 1,200 stars on GitHub\n"
            "• Used in production by three payment companies\n"
            "Maintainer, Author, PostgreSQL, accounting, open source\n") in text


def test_skills_languages_and_interests_are_one_line_each():
    text = render_text(cv_document(), OPTIONS)
    assert ("SKILLS\n======\n"
            "Backend development — Master: Python, Go, PostgreSQL, gRPC, NATS\n"
            "Operations — Advanced: Kubernetes, Prometheus, Terraform\n") in text
    assert "Polish — Native speaker\nEnglish — Fluent (C2)\n" in text
    assert "Climbing: bouldering, route setting\n" in text


def test_entries_are_a_blank_line_apart_and_sections_too():
    text = render_text(cv_document(), OPTIONS)
    assert "• Mentored four engineers to senior\n\nSenior Backend Engineer — Findly GmbH" in text
    assert "2013 – Aug 2016 · 東京\n\nVOLUNTEERING\n" in text
    assert "\n\n\n" not in text
    assert text.endswith("open source\n")


def test_markdown_syntax_is_gone():
    text = render_text(cv_document(), OPTIONS)
    assert "**" not in text and "*boring*" not in text and "](" not in text
    assert "twelve years" in text and "boring" in text


def test_headings_follow_the_cv_language_and_dates_its_format():
    options = RenderOptions(language="de", date_format="MM/YYYY")
    text = render_text(cv_document(options=options), options)
    assert "PROFIL\n======\n" in text
    assert "BERUFSERFAHRUNG\n===============\n" in text
    assert "03/2021 – heute · Warsaw, Poland (hybrid)" in text


def test_japanese_and_arabic_text_is_kept_and_underlines_fit_wide_characters():
    content = full_resume()
    content["custom"] = [{"id": "talks", "title": "講演", "items": [{"title": "مؤتمر"}]}]
    text = render_text(cv_document(content), OPTIONS)
    assert "東京データ株式会社" in text and "جامعة القاهرة" in text
    assert "講演\n====\n" in text  # two columns a character
    assert "\nمؤتمر" in text


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", "]]> & &amp; <b>"])
def test_markup_is_kept_as_typed(payload):
    content = full_resume()
    content["basics"]["label"] = payload
    content["work"][0]["highlights"] = [payload]
    text = render_text(cv_document(content), OPTIONS)
    assert text.splitlines()[1] == payload
    assert f"• {payload}\n" in text


def test_an_almost_empty_cv_is_its_name():
    assert render_text(cv_document({"basics": {"name": "A"}}), OPTIONS) == "A\n"
