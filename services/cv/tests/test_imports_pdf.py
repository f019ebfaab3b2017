"""Importing PDF CVs: PDFs typeset by Typst in two layouts (a classic one, headings in larger
bold type and one line per fact; a modern one, dates right-aligned on the entry's title line
and the employer in italics below) read back into the content they were made from."""

import io
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
import noto_cjk_sans_otc
import pypdf
import pytest
import typst

from cv.content.schema import validate_content
from cv.content.text import plain_text
from cv.imports import ImportFailed, parse_upload
from cv.imports.accuracy import compare
from devstack.samples.resumes import full_resume

FONT_PATHS = [str(Path(package.__file__).parent / sub) for package, sub in (
    (fontpkg_noto_sans, "files"), (fontpkg_noto_sans_arabic, "files"), (noto_cjk_sans_otc, ""))]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
PAGE = """
#set page(paper: "a4", margin: (x: 2cm, y: 1.8cm))
#set text(font: ("Noto Sans", "Noto Sans Arabic", "Noto Sans CJK JP"), size: 10pt)
#set par(spacing: 0.9em)
"""


def s(text: str) -> str:
    """Text as a Typst string literal, so no character of it is markup."""
    return '#"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def link(url: str, label: str) -> str:
    return f'#link("{url}")[{s(label)}]'


def month_year(date: str | None) -> str:
    if not date or date == "present":
        return "Present"
    parts = date.split("-")
    return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}" if len(parts) > 1 else parts[0]


def span(item: dict) -> str:
    return f"{month_year(item.get('startDate'))} – {month_year(item.get('endDate'))}"


def compiled(source: str) -> bytes:
    return typst.compile(source.encode(), format="pdf", font_paths=FONT_PATHS,
                         ignore_system_fonts=True)


def header(basics: dict, *, centred: bool = False) -> list[str]:
    location = basics["location"]
    place = f"{location['city']}, {location['region']}, {location['countryCode']}"
    lines = [
        f'#text(size: 20pt, weight: "bold")[{s(basics["name"])}]',
        s(basics["label"]),
        " · ".join([link("mailto:" + basics["email"], basics["email"]), s(basics["phone"]),
                    link(basics["url"], basics["url"].removeprefix("https://")), s(place)]),
        " · ".join(link(item["url"], item["url"].removeprefix("https://").removeprefix("www."))
                   for item in basics["profiles"]),
    ]
    if centred:
        return [f"#align(center)[{line}]" for line in lines]
    return lines


def bullets(items: list[str]) -> list[str]:
    return [f"- {s(plain_text(item))}" for item in items]


def classic_layout(resume: dict) -> bytes:
    """Section headings 13pt bold; each entry a bold "Position — Company" line, then the
    dates and place, the description and summary, highlights as a list."""
    def heading(title: str) -> str:
        return f'#text(size: 13pt, weight: "bold")[{s(title)}]'

    def strong(text: str) -> str:
        return f"#strong[{s(text)}]"

    out = header(resume["basics"])
    out.append(heading("Summary"))
    out.extend(s(line) for line in plain_text(resume["basics"]["summary"]).split("\n"))
    out.append(heading("Experience"))
    for job in resume["work"]:
        out.append(strong(f"{job['position']} — {job['name']}"))
        out.append(s(f"{span(job)} · {job['location']}"))
        out.extend(s(job[key]) for key in ("description",) if job.get(key))
        if job.get("summary"):
            out.append(s(plain_text(job["summary"])))
        out.append("\n".join(bullets(job.get("highlights", []))))
    out.append(heading("Education"))
    for school in resume["education"]:
        out.append(strong(f"{school['studyType']}, {school['area']} — {school['institution']}"))
        out.append(s(span(school)))
        if school.get("courses"):
            out.append(s("Courses: " + ", ".join(school["courses"])))
    out.append(heading("Volunteering"))
    for item in resume["volunteer"]:
        out.append(strong(f"{item['position']} — {item['organization']}"))
        out.append(s(span(item)))
        out.append(s(item["summary"]))
        out.append("\n".join(bullets(item["highlights"])))
    out.append(heading("Projects"))
    for project in resume["projects"]:
        out.append(f"#strong[{link(project['url'], project['name'])}]")
        out.append(s(span(project)))
        out.append(s(project["description"]))
        out.append("\n".join(bullets(project["highlights"])))
        out.append(s("Keywords: " + ", ".join(project["keywords"])))
    out.append(heading("Skills"))
    for skill in resume["skills"]:
        out.append(s(f"{skill['name']} ({skill['level']}): " + ", ".join(skill["keywords"])))
    out.append(heading("Languages"))
    out.extend(s(f"{item['language']} — {item['fluency']}") for item in resume["languages"])
    out.append(heading("Certifications"))
    for certificate in resume["certificates"]:
        out.append(s(f"{certificate['name']} — {certificate['issuer']} — "
                     f"{month_year(certificate['date'])}"))
    out.append(heading("Awards"))
    for award in resume["awards"]:
        out.append(s(f"{award['title']} — {award['awarder']} — {month_year(award['date'])}"))
        out.append(s(award["summary"]))
    out.append(heading("Publications"))
    for publication in resume["publications"]:
        out.append(s(f"{publication['name']} — {publication['publisher']} — "
                     f"{month_year(publication['releaseDate'])}"))
        out.append(s(publication["summary"]))
    out.append(heading("Interests"))
    out.extend(s(f"{item['name']}: " + ", ".join(item["keywords"]))
               for item in resume["interests"])
    return compiled(PAGE + "\n\n".join(out))


def modern_layout(resume: dict) -> bytes:
    """A centred header; section headings in small capitals-like upper case 11pt; each entry
    a bold title with its dates right-aligned on the same line, the employer or school in
    italics below."""
    def heading(title: str) -> str:
        return f'#text(size: 11.5pt, weight: "bold")[#upper({s(title)[1:]})]'

    def titled(title: str, dates: str) -> str:
        return f"#grid(columns: (1fr, auto), [#strong[{s(title)}]], [{s(dates)}])"

    out = header(resume["basics"], centred=True)
    out.append(heading("Professional Experience"))
    for job in resume["work"]:
        out.append(titled(job["position"], span(job)))
        out.append(f"#emph[{s(job['name'] + ', ' + job['location'])}]")
        if job.get("summary"):
            out.append(s(plain_text(job["summary"])))
        out.append("\n".join(bullets(job.get("highlights", []))))
    out.append(heading("Education"))
    for school in resume["education"]:
        out.append(titled(school["institution"], span(school)))
        out.append(s(f"{school['studyType']} in {school['area']}"))
    out.append(heading("Skills"))
    for skill in resume["skills"]:
        out.append(s(f"{skill['name']} ({skill['level']}): " + ", ".join(skill["keywords"])))
    out.append(heading("Languages"))
    out.append(s(" · ".join(f"{item['language']}: {item['fluency']}"
                            for item in resume["languages"])))
    out.append(heading("Certificates"))
    for certificate in resume["certificates"]:
        out.append(titled(certificate["name"], month_year(certificate["date"])))
        out.append(f"#emph[{s(certificate['issuer'])}]")
    out.append(heading("Awards"))
    for award in resume["awards"]:
        out.append(titled(award["title"], month_year(award["date"])))
        out.append(f"#emph[{s(award['awarder'])}]")
        out.append(s(award["summary"]))
    return compiled(PAGE + "\n\n".join(out))


def test_a_classic_pdf_reads_back_field_by_field():
    resume = full_resume()
    content = parse_upload(classic_layout(resume), "pdf")

    assert validate_content(content) == content
    basics = content["basics"]
    assert basics["name"] == "Zoë Łukasiewicz-Núñez"
    assert basics["label"] == "Staff Software Engineer"
    assert basics["email"] == "zoe.lukasiewicz@example.com"
    assert basics["phone"] == "+48 22 555 01 23"
    assert basics["url"] == "https://zoe.example.dev"
    assert basics["location"] == {"city": "Warszawa", "region": "Mazowieckie",
                                  "countryCode": "PL"}
    assert basics["profiles"] == resume["basics"]["profiles"]
    assert " ".join(basics["summary"].split()) == " ".join(
        plain_text(resume["basics"]["summary"]).split())

    kestrel, findly, tokyo = content["work"]
    assert (kestrel["position"], kestrel["name"]) == ("Staff Software Engineer",
                                                      "Kestrel Payments")
    assert (kestrel["startDate"], kestrel["endDate"]) == ("2021-03", "present")
    assert kestrel["location"] == "Warsaw, Poland (hybrid)"
    assert kestrel["description"] == "Card acquiring for small merchants"
    # Wrapped lines of one list item are one highlight again.
    assert kestrel["highlights"] == [plain_text(item) for item in resume["work"][0]["highlights"]]
    assert (findly["startDate"], findly["endDate"]) == ("2016-09", "2021-02")
    assert (tokyo["name"], tokyo["position"], tokyo["startDate"], tokyo["endDate"]) == (
        "東京データ株式会社", "Software Engineer", "2013", "2016-08")
    politechnika = content["education"][0]
    assert (politechnika["institution"], politechnika["studyType"], politechnika["area"]) == (
        "Politechnika Warszawska", "Master of Science", "Computer Science")
    assert politechnika["courses"] == resume["education"][0]["courses"]
    project = content["projects"][0]
    assert (project["name"], project["url"]) == ("pg-ledger", "https://github.com/zoeln/pg-ledger")
    assert project["keywords"] == resume["projects"][0]["keywords"]
    assert content["skills"][0] == resume["skills"][0]
    assert content["languages"] == resume["languages"]
    assert content["certificates"][0]["issuer"] == "The Linux Foundation"
    assert content["interests"] == resume["interests"]


def test_a_pdf_with_right_aligned_dates_reads_back_field_by_field():
    resume = full_resume()
    content = parse_upload(modern_layout(resume))

    basics = content["basics"]
    assert (basics["name"], basics["email"], basics["phone"]) == (
        "Zoë Łukasiewicz-Núñez", "zoe.lukasiewicz@example.com", "+48 22 555 01 23")
    kestrel = content["work"][0]
    assert (kestrel["position"], kestrel["name"], kestrel["location"]) == (
        "Staff Software Engineer", "Kestrel Payments", "Warsaw, Poland (hybrid)")
    assert (kestrel["startDate"], kestrel["endDate"]) == ("2021-03", "present")
    assert len(kestrel["highlights"]) == 3
    assert content["work"][2]["name"] == "東京データ株式会社"
    # The second school's name is Arabic: pypdf reads Typst's right-to-left runs out of order
    # (it ignores /ReversedChars and /ActualText), so only its dates are checked.
    assert [(school["startDate"], school["endDate"], school.get("studyType"))
            for school in content["education"]] == [
        ("2011-10", "2013-07", "Master of Science"), ("2010-02", "2010-06", "Exchange")]
    assert content["education"][0]["institution"] == "Politechnika Warszawska"
    assert content["languages"] == resume["languages"]
    assert content["certificates"] == [{
        "name": "Certified Kubernetes Application Developer", "issuer": "The Linux Foundation",
        "date": "2022-06"}]
    assert content["awards"][0]["awarder"] == "Kestrel Payments"


@pytest.mark.parametrize("layout", [classic_layout, modern_layout])
def test_pdf_import_accuracy_on_the_full_sample(layout):
    resume = full_resume()
    content = parse_upload(layout(resume), "pdf")
    sections = ("work", "education", "skills", "languages", "certificates", "awards")
    if layout is classic_layout:
        sections += ("volunteer", "publications", "interests", "projects")
    accuracy = compare(resume, content, sections)
    print(f"PDF {layout.__name__}: {accuracy.right}/{accuracy.total} = {accuracy.fraction:.3f}")
    assert accuracy.fraction >= 0.9, accuracy.misses


def test_lines_wrapped_inside_a_paragraph_or_list_item_are_joined_again():
    long_summary = ("Built settlement, reconciliation and reporting for card payments across "
                    "nine European markets, from the first prototype to a platform that moves "
                    "four billion euros a year, with a team that grew from two to twelve.")
    long_highlight = ("Replaced a nightly batch that reconciled acquirer files by hand with a "
                      "streaming pipeline that matches every transaction within a minute and "
                      "flags the rest for review")
    source = PAGE + "\n\n".join([
        f'#text(size: 20pt, weight: "bold")[{s("Ada Example")}]',
        f'#text(size: 13pt, weight: "bold")[{s("Experience")}]',
        f"#strong[{s('Principal Engineer, Kestrel Payments')}]",
        s("2019 – 2024"),
        s(long_summary),
        s("A second, short paragraph."),
        f"- {s(long_highlight)}\n- {s('Short item')}",
    ])
    content = parse_upload(compiled(source), "pdf")

    job = content["work"][0]
    assert job["summary"] == long_summary + "\nA second, short paragraph."
    assert job["highlights"] == [long_highlight, "Short item"]


def test_a_sidebar_is_read_apart_from_the_main_column():
    sidebar = "\n\n".join([
        f'#text(size: 18pt, weight: "bold")[{s("Ada Example")}]',
        s("ada@example.com"), s("+44 20 7946 0000"), s("London, GB"),
        f'#text(size: 12pt, weight: "bold")[{s("Languages")}]',
        s("English: native"), s("French: B2"),
    ])
    main = "\n\n".join([
        f'#text(size: 12pt, weight: "bold")[{s("Experience")}]',
        f"#strong[{s('Principal Engineer, Kestrel Payments')}]",
        s("Jan 2019 – Present"),
        s("Leads the platform group that runs settlement, ledgers and payouts for Europe."),
        "\n".join(f"- {s(item)}" for item in (
            "Cut settlement from two days to same day", "Hired and grew a team of nine")),
        f"#strong[{s('Senior Engineer, Findly GmbH')}]",
        s("Sep 2015 – Dec 2018"),
        s("Built the search index and the query service behind the product catalogue."),
    ])
    source = PAGE + f"#grid(columns: (5.5cm, 1fr), column-gutter: 1cm, [{sidebar}], [{main}])"
    content = parse_upload(compiled(source), "pdf")

    assert content["basics"]["name"] == "Ada Example"
    assert content["basics"]["email"] == "ada@example.com"
    assert content["basics"]["phone"] == "+44 20 7946 0000"
    assert content["languages"] == [{"language": "English", "fluency": "native"},
                                    {"language": "French", "fluency": "B2"}]
    assert [(job["name"], job["startDate"]) for job in content["work"]] == [
        ("Kestrel Payments", "2019-01"), ("Findly GmbH", "2015-09")]
    assert content["work"][0]["highlights"] == ["Cut settlement from two days to same day",
                                                "Hired and grew a team of nine"]


def test_section_headings_in_the_margin_open_their_sections():
    def row(margin: str, text: str) -> str:
        return f"#grid(columns: (3cm, 1fr), [{margin}], [{text}])"

    source = PAGE + "\n\n".join([
        f'#text(size: 20pt, weight: "bold")[{s("Ada Example")}]',
        s("ada@example.com"),
        row(f"#strong[{s('EXPERIENCE')}]", f"#strong[{s('Principal Engineer, Kestrel')}]"),
        row("", s("2019 – 2024")),
        row("", s("Ran the payments platform for nine markets.")),
        row("", f"#strong[{s('Engineer, Findly GmbH')}]"),
        row("", s("2015 – 2018")),
        row(f"#strong[{s('SKILLS')}]", s("Languages: Python, Go")),
        row("", s("Data: PostgreSQL, Kafka")),
    ])
    content = parse_upload(compiled(source), "pdf")

    assert [(job["position"], job["name"]) for job in content["work"]] == [
        ("Principal Engineer", "Kestrel"), ("Engineer", "Findly GmbH")]
    assert content["skills"] == [{"name": "Languages", "keywords": ["Python", "Go"]},
                                 {"name": "Data", "keywords": ["PostgreSQL", "Kafka"]}]


def test_a_pdf_without_text_is_refused():
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ImportFailed, match="no text"):
        parse_upload(buffer.getvalue(), "pdf")


def test_a_damaged_pdf_is_refused():
    with pytest.raises(ImportFailed):
        parse_upload(b"%PDF-1.7\n this is not really a PDF", "pdf")
