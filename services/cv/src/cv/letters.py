"""Cover letters in the CV's own look: the CV's header (name, headline, contact links), then
the letter, rendered by the CV's template and options as PDF or DOCX (or plain text), so a
letter and its CV go out as a pair."""

from __future__ import annotations

from dataclasses import replace

from cv.content.text import Block, Run
from cv.render.document import Document, Entry, Section, build_document
from cv.render.docx import render_docx
from cv.render.options import parse_options
from cv.render.pdf import render_pdf
from cv.render.templates import TEMPLATES
from cv.render.text import render_text


def letter_document(content: dict, letter: dict, job_title: str, options) -> Document:
    cv = build_document(content, "", options)
    name = cv.header.name
    paragraphs = [letter["greeting"], *letter["paragraphs"], letter["closing"]]
    body = tuple(Block("p", ((Run(text),),)) for text in paragraphs if text.strip())
    title = f"Cover letter — {job_title}" if job_title else "Cover letter"
    # The header without the CV's summary: a letter is its own text.
    header = replace(cv.header, summary=())
    return Document(title=f"{name} — {title}" if name else title, author=name,
                    language=cv.language, header=header,
                    sections=(Section("letter", job_title, (Entry(body=body),)),))


def render_letter(content: dict, options_data: dict, template: str, letter: dict,
                  job_title: str, export_format: str) -> bytes:
    options = parse_options({"font": TEMPLATES[template].font, **options_data})
    document = letter_document(content, letter, job_title, options)
    if export_format == "pdf":
        return render_pdf(document, options, template)
    if export_format == "docx":
        return render_docx(document, options, template)
    return render_text(document, options).encode()
