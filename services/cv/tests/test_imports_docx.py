"""Importing Word CVs: documents built with python-docx in three styles (Word's heading
styles in English; bold paragraphs with German headings, tab-set dates and numbered lists;
plain text in Spanish with typed bullets) read back into the content they were made from."""

import io

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from cv.content.schema import validate_content
from cv.content.text import plain_text
from cv.imports import ImportFailed, parse_upload
from cv.imports.accuracy import compare
from devstack.samples.resumes import full_resume

MONTHS_EN = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def month_year(date: str | None, *, present: str = "Present") -> str:
    if not date:
        return present
    if date == "present":
        return present
    parts = date.split("-")
    return f"{MONTHS_EN[int(parts[1]) - 1]} {parts[0]}" if len(parts) > 1 else parts[0]


def numeric(date: str | None, *, present: str = "heute") -> str:
    if not date or date == "present":
        return present
    parts = date.split("-")
    return f"{parts[1]}/{parts[0]}" if len(parts) > 1 else parts[0]


def add_link(paragraph, text: str, url: str) -> None:
    """python-docx has no API for hyperlinks: a w:hyperlink with an external relationship."""
    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def numbered(paragraph) -> None:
    """A list item the way Word writes one: numbering properties on a Normal paragraph."""
    properties = paragraph._p.get_or_add_pPr()
    numbering = OxmlElement("w:numPr")
    level, number = OxmlElement("w:ilvl"), OxmlElement("w:numId")
    level.set(qn("w:val"), "0")
    number.set(qn("w:val"), "1")
    numbering.append(level)
    numbering.append(number)
    properties.append(numbering)


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def lines_of(text: str) -> list[str]:
    return [line for line in plain_text(text).split("\n") if line.strip()]


def heading_styles_cv(resume: dict) -> bytes:
    """Title, Heading 1 per section, Heading 2 per entry ("Position at Company"), a date line
    with the place, List Bullet highlights; contact links as Word hyperlinks."""
    document = docx.Document()
    basics = resume["basics"]
    document.add_paragraph(basics["name"], style="Title")
    document.add_paragraph(basics["label"])
    contact = document.add_paragraph(f"{basics['email']} | {basics['phone']} | ")
    add_link(contact, basics["url"].removeprefix("https://"), basics["url"])
    location = basics["location"]
    contact.add_run(f" | {location['city']}, {location['countryCode']}")
    links = document.add_paragraph()
    for index, item in enumerate(basics["profiles"]):
        if index:
            links.add_run(" | ")
        add_link(links, item["url"].removeprefix("https://").removeprefix("www."), item["url"])
    document.add_heading("Summary", 1)
    for line in lines_of(basics["summary"]):
        document.add_paragraph(line)

    document.add_heading("Work Experience", 1)
    for job in resume["work"]:
        document.add_heading(f"{job['position']} at {job['name']}", 2)
        dates = f"{month_year(job.get('startDate'))} – {month_year(job.get('endDate'))}"
        document.add_paragraph(f"{dates} | {job['location']}")
        if job.get("description"):
            document.add_paragraph(job["description"])
        if job.get("summary"):
            document.add_paragraph(plain_text(job["summary"]))
        for item in job.get("highlights", []):
            document.add_paragraph(plain_text(item), style="List Bullet")

    document.add_heading("Education", 1)
    for school in resume["education"]:
        document.add_heading(f"{school['studyType']}, {school['area']} — {school['institution']}",
                             2)
        document.add_paragraph(
            f"{month_year(school['startDate'])} – {month_year(school['endDate'])}")
        if school.get("score"):
            document.add_paragraph(f"Score: {school['score']}")
        if school.get("courses"):
            document.add_paragraph("Courses: " + ", ".join(school["courses"]))

    document.add_heading("Volunteering", 1)
    for item in resume["volunteer"]:
        document.add_heading(f"{item['position']} at {item['organization']}", 2)
        document.add_paragraph(
            f"{month_year(item['startDate'])} – {month_year(item['endDate'])}")
        document.add_paragraph(item["summary"])
        for highlight in item["highlights"]:
            document.add_paragraph(highlight, style="List Bullet")

    document.add_heading("Projects", 1)
    for project in resume["projects"]:
        heading = document.add_heading("", 2)
        add_link(heading, project["name"], project["url"])
        document.add_paragraph(
            f"{month_year(project['startDate'])} – {month_year(project['endDate'])}")
        document.add_paragraph(project["description"])
        document.add_paragraph("Roles: " + ", ".join(project["roles"]))
        document.add_paragraph("Keywords: " + ", ".join(project["keywords"]))
        for highlight in project["highlights"]:
            document.add_paragraph(highlight, style="List Bullet")

    document.add_heading("Skills", 1)
    for skill in resume["skills"]:
        document.add_paragraph(f"{skill['name']} ({skill['level']}): "
                               + ", ".join(skill["keywords"]))
    document.add_heading("Languages", 1)
    for language in resume["languages"]:
        document.add_paragraph(f"{language['language']} — {language['fluency']}")
    document.add_heading("Certifications", 1)
    for certificate in resume["certificates"]:
        document.add_paragraph(f"{certificate['name']} — {certificate['issuer']} — "
                               f"{month_year(certificate['date'])}")
    document.add_heading("Awards", 1)
    for award in resume["awards"]:
        document.add_paragraph(
            f"{award['title']} — {award['awarder']} — {month_year(award['date'])}")
        document.add_paragraph(award["summary"])
    document.add_heading("Publications", 1)
    for publication in resume["publications"]:
        document.add_paragraph(f"{publication['name']} — {publication['publisher']} — "
                               f"{month_year(publication['releaseDate'])}")
        document.add_paragraph(publication["summary"])
    document.add_heading("Interests", 1)
    for interest in resume["interests"]:
        document.add_paragraph(f"{interest['name']}: " + ", ".join(interest["keywords"]))
    document.add_heading("References", 1)
    for reference in resume["references"]:
        document.add_heading(reference["name"], 2)
        document.add_paragraph(reference["reference"])
    document.add_heading("Conference Talks", 1)
    document.add_heading("Ledger design at scale", 2)
    document.add_paragraph("Nov 2022")
    document.add_paragraph("Keynote about double-entry ledgers.")
    return saved(document)


def bold(paragraph, text: str, size: float | None = None):
    run = paragraph.add_run(text)
    run.bold = True
    if size:
        run.font.size = Pt(size)
    return run


def bold_paragraphs_cv(resume: dict) -> bytes:
    """No heading styles: the name in large bold type, capitalised German section headings
    in bold, the employer in bold with the dates after a tab, the position and place on the
    next line, highlights as numbered (numPr) paragraphs, skills with the name on one line
    and its keywords on the next."""
    document = docx.Document()
    basics = resume["basics"]
    bold(document.add_paragraph(), basics["name"], 22)
    document.add_paragraph(basics["label"])
    document.add_paragraph(f"E-Mail: {basics['email']} · Telefon: {basics['phone']}")
    sites = document.add_paragraph()
    add_link(sites, basics["url"], basics["url"])
    for item in basics["profiles"]:
        sites.add_run(" · ")
        add_link(sites, item["url"], item["url"])

    def section(title: str) -> None:
        bold(document.add_paragraph(), title.upper(), 14)

    section("Profil")
    document.add_paragraph(" ".join(lines_of(basics["summary"])))
    section("Berufserfahrung")
    for job in resume["work"]:
        title = document.add_paragraph()
        bold(title, f"{job['name']}\t{numeric(job.get('startDate'))} – "
                    f"{numeric(job.get('endDate'))}")
        document.add_paragraph(f"{job['position']}, {job['location']}")
        if job.get("summary"):
            document.add_paragraph(plain_text(job["summary"]))
        for item in job.get("highlights", []):
            numbered(document.add_paragraph(plain_text(item)))
    section("Ausbildung")
    for school in resume["education"]:
        bold(document.add_paragraph(), f"{school['institution']}\t"
                                      f"{numeric(school['startDate'])} – "
                                      f"{numeric(school['endDate'])}")
        document.add_paragraph(f"{school['studyType']} in {school['area']}")
    section("Kenntnisse")
    for skill in resume["skills"]:
        bold(document.add_paragraph(), f"{skill['name']} — {skill['level']}")
        document.add_paragraph(", ".join(skill["keywords"]))
    section("Sprachen")
    document.add_paragraph(", ".join(f"{item['language']} ({item['fluency']})"
                                     for item in resume["languages"]))
    section("Zertifikate")
    for certificate in resume["certificates"]:
        document.add_paragraph(f"{certificate['name']}, {certificate['issuer']}, "
                               f"{numeric(certificate['date'])}")
    section("Ehrenamt")
    for item in resume["volunteer"]:
        bold(document.add_paragraph(), f"{item['organization']}\t{numeric(item['startDate'])} – "
                                      f"{numeric(item['endDate'])}")
        document.add_paragraph(item["position"])
        document.add_paragraph(item["summary"])
    section("Hobbys")
    document.add_paragraph(", ".join(item["name"] for item in resume["interests"]))
    return saved(document)


def plain_spanish_cv() -> bytes:
    """No emphasis at all, typed bullets, Spanish headings and dates."""
    document = docx.Document()
    for text in [
        "Lucía Fernández Ruiz",
        "Ingeniera de datos",
        "lucia.fernandez@example.es | +34 612 345 678 | Madrid, ES",
        "Experiencia laboral",
        "Ingeniera de datos sénior, Datos Claros S.L.",
        "marzo 2019 – actualidad",
        "• Diseñé el almacén de datos de la empresa",
        "• Reduje el coste de la nube un 30 %",
        "Desarrolladora backend, Banco Sur",
        "sept. 2015 – feb. 2019",
        "Analista de datos, Estudio 2000",
        "2013 – 2015",
        "Educación",
        "Universidad Politécnica de Madrid",
        "Grado en Ingeniería Informática",
        "2009 – 2013",
        "Habilidades",
        "Python, SQL, Spark",
        "Idiomas",
        "Español: nativo",
        "Inglés: C1",
    ]:
        document.add_paragraph(text)
    return saved(document)


def test_a_cv_in_word_heading_styles_reads_back_field_by_field():
    resume = full_resume()
    content = parse_upload(heading_styles_cv(resume), "docx")

    assert validate_content(content) == content
    basics = content["basics"]
    assert basics["name"] == "Zoë Łukasiewicz-Núñez"
    assert basics["label"] == "Staff Software Engineer"
    assert basics["email"] == "zoe.lukasiewicz@example.com"
    assert basics["phone"] == "+48 22 555 01 23"
    assert basics["url"] == "https://zoe.example.dev"
    assert basics["location"] == {"city": "Warszawa", "countryCode": "PL"}
    assert basics["profiles"] == resume["basics"]["profiles"]
    assert basics["summary"].startswith("Backend engineer with twelve years")

    kestrel, findly, tokyo = content["work"]
    assert kestrel["position"] == "Staff Software Engineer"
    assert kestrel["name"] == "Kestrel Payments"
    assert (kestrel["startDate"], kestrel["endDate"]) == ("2021-03", "present")
    assert kestrel["location"] == "Warsaw, Poland (hybrid)"
    assert kestrel["description"] == "Card acquiring for small merchants"
    assert kestrel["summary"].startswith("Lead the ledger team (6 engineers).")
    assert kestrel["highlights"] == [plain_text(item) for item in resume["work"][0]["highlights"]]
    assert (findly["startDate"], findly["endDate"]) == ("2016-09", "2021-02")
    assert tokyo == {"name": "東京データ株式会社", "position": "Software Engineer",
                     "location": "東京", "startDate": "2013", "endDate": "2016-08"}

    politechnika, cairo = content["education"]
    assert politechnika["institution"] == "Politechnika Warszawska"
    assert (politechnika["studyType"], politechnika["area"]) == ("Master of Science",
                                                                 "Computer Science")
    assert politechnika["score"] == "5.0/5.0"
    assert politechnika["courses"] == resume["education"][0]["courses"]
    assert cairo["institution"] == "جامعة القاهرة"
    assert (cairo["studyType"], cairo["area"]) == ("Exchange", "Exchange semester, Mathematics")

    assert content["skills"][0] == resume["skills"][0]
    assert content["languages"] == resume["languages"]
    assert content["certificates"] == [{
        "name": "Certified Kubernetes Application Developer", "issuer": "The Linux Foundation",
        "date": "2022-06"}]
    assert content["awards"][0]["summary"] == resume["awards"][0]["summary"]
    project = content["projects"][0]
    assert project["url"] == "https://github.com/zoeln/pg-ledger"
    assert project["roles"] == ["Maintainer", "Author"]
    assert project["keywords"] == resume["projects"][0]["keywords"]
    assert content["interests"] == resume["interests"]
    assert content["references"] == resume["references"]
    assert content["custom"] == [{
        "id": "conference-talks", "title": "Conference Talks",
        "items": [{"title": "Ledger design at scale", "date": "2022-11",
                   "summary": "Keynote about double-entry ledgers."}]}]
    assert content["meta"]["sectionOrder"][:3] == ["work", "education", "volunteer"]


def test_bold_paragraphs_with_german_headings_and_tab_set_dates_read_back():
    resume = full_resume()
    content = parse_upload(bold_paragraphs_cv(resume), "docx")

    basics = content["basics"]
    assert (basics["name"], basics["email"], basics["phone"]) == (
        "Zoë Łukasiewicz-Núñez", "zoe.lukasiewicz@example.com", "+48 22 555 01 23")
    assert basics["url"] == "https://zoe.example.dev"
    assert [item["network"] for item in basics["profiles"]] == ["GitHub", "LinkedIn"]
    kestrel = content["work"][0]
    assert (kestrel["name"], kestrel["position"], kestrel["location"]) == (
        "Kestrel Payments", "Staff Software Engineer", "Warsaw, Poland (hybrid)")
    assert (kestrel["startDate"], kestrel["endDate"]) == ("2021-03", "present")
    assert len(kestrel["highlights"]) == 3
    assert content["work"][2]["startDate"] == "2013"
    cairo = content["education"][1]
    assert (cairo["institution"], cairo["studyType"], cairo["area"]) == (
        "جامعة القاهرة", "Exchange", "Exchange semester, Mathematics")
    assert content["skills"][1] == {"name": "Operations", "level": "Advanced",
                                    "keywords": ["Kubernetes", "Prometheus", "Terraform"]}
    assert content["languages"] == resume["languages"]
    assert content["certificates"][0]["issuer"] == "The Linux Foundation"
    assert content["volunteer"][0]["position"] == "Coach"
    assert [item["name"] for item in content["interests"]] == ["Climbing", "Typography"]


def test_a_plain_spanish_cv_without_emphasis_is_cut_at_its_dates():
    data = plain_spanish_cv()
    content = parse_upload(data)

    assert parse_upload(data, "zip") == content  # what is inside tells a DOCX from an export
    assert content["basics"]["name"] == "Lucía Fernández Ruiz"
    assert content["basics"]["phone"] == "+34 612 345 678"
    assert content["basics"]["location"] == {"city": "Madrid", "countryCode": "ES"}
    assert [(job["position"], job["name"], job["startDate"], job.get("endDate"))
            for job in content["work"]] == [
        ("Ingeniera de datos sénior", "Datos Claros S.L.", "2019-03", "present"),
        ("Desarrolladora backend", "Banco Sur", "2015-09", "2019-02"),
        ("Analista de datos", "Estudio 2000", "2013", "2015"),
    ]
    assert content["work"][0]["highlights"] == ["Diseñé el almacén de datos de la empresa",
                                                "Reduje el coste de la nube un 30 %"]
    assert content["education"] == [{
        "institution": "Universidad Politécnica de Madrid", "studyType": "Grado",
        "area": "Ingeniería Informática", "startDate": "2009", "endDate": "2013"}]
    assert [skill["name"] for skill in content["skills"]] == ["Python", "SQL", "Spark"]
    assert content["languages"] == [{"language": "Español", "fluency": "nativo"},
                                    {"language": "Inglés", "fluency": "C1"}]


@pytest.mark.parametrize("build", [heading_styles_cv, bold_paragraphs_cv])
def test_docx_import_accuracy_on_the_full_sample(build):
    resume = full_resume()
    content = parse_upload(build(resume), "docx")
    sections = ("work", "education", "skills", "languages") if build is bold_paragraphs_cv else (
        "work", "volunteer", "education", "awards", "certificates", "publications", "skills",
        "languages", "interests", "projects")
    accuracy = compare(resume, content, sections)
    print(f"DOCX {build.__name__}: {accuracy.right}/{accuracy.total} = {accuracy.fraction:.3f}")
    assert accuracy.fraction >= 0.9, accuracy.misses


def test_a_zip_that_is_not_a_word_document_or_export_is_refused():
    with pytest.raises(ImportFailed):
        parse_upload(b"PK\x03\x04 not really a zip", "docx")
    with pytest.raises(ImportFailed):
        parse_upload(b"plain text, not a CV file", "docx")
