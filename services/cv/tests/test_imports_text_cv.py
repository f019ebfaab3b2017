"""The format-independent part of importing a CV: dates, section headings and entries in
English, Spanish, German and French, read from lines with layout hints; and content that
always fits the content model, whatever the lines were."""

import random

import pytest

from cv.content.fields import ENTRIES, HIGHLIGHTS, ITEM_CHARS
from cv.content.schema import validate_content
from cv.imports.dates import find_date_range, parse_date
from cv.imports.headings import section_of_heading
from cv.imports.lines import Line
from cv.imports.text_cv import content_from_lines


@pytest.mark.parametrize(("text", "start", "end"), [
    ("Mar 2019 – Present", "2019-03", "present"),
    ("March 2019 - present", "2019-03", "present"),
    ("03/2019 - 2021", "2019-03", "2021"),
    ("2019–2021", "2019", "2021"),
    ("since 2019", "2019", "present"),
    ("seit 03/2019", "2019-03", "present"),
    ("Jan. 2020 – heute", "2020-01", "present"),
    ("März 2018 bis Dez. 2020", "2018-03", "2020-12"),
    ("01.10.2011 - 31.07.2013", "2011-10-01", "2013-07-31"),
    ("marzo 2019 – actualidad", "2019-03", "present"),
    ("desde septiembre de 2020", "2020-09", "present"),
    ("de enero de 2018 a diciembre de 2020", "2018-01", "2020-12"),
    ("sept. 2016 – aujourd'hui", "2016-09", "present"),
    ("févr. 2020 – présent", "2020-02", "present"),
    ("depuis 2021", "2021", "present"),
    ("2016-09-01 – 2021-02-28", "2016-09-01", "2021-02-28"),
    ("Staff Engineer\tJan 2020 – Now", "2020-01", "present"),
])
def test_date_ranges_are_read_in_four_languages(text, start, end):
    found = find_date_range(text)
    assert (found.start, found.end) == (start, end)


@pytest.mark.parametrize(("text", "date"), [
    ("Dec 2023", "2023-12"), ("2019", "2019"), ("17. Mai 2019", "2019-05-17"),
    ("May 17, 2019", "2019-05-17"), ("1er mai 2019", "2019-05-01"), ("05/17/2019", "2019-05-17"),
    ("31/02/2019", None), ("13/2019", None), ("Studio", None),
])
def test_one_date_is_read_or_refused(text, date):
    assert parse_date(text) == date


def test_a_range_that_runs_backwards_keeps_only_its_start():
    found = find_date_range("2021 – 2019")
    assert (found.start, found.end) == ("2021", None)


@pytest.mark.parametrize(("heading", "section"), [
    ("Work Experience", "work"), ("EXPERIENCE", "work"), ("Berufserfahrung", "work"),
    ("Expérience professionnelle", "work"), ("Experiencia laboral", "work"),
    ("E X P E R I E N C E", "work"), ("Education:", "education"), ("Ausbildung", "education"),
    ("Formation", "education"), ("Educación", "education"), ("Skills", "skills"),
    ("Kenntnisse", "skills"), ("Compétences", "skills"), ("Habilidades", "skills"),
    ("Sprachen", "languages"), ("Idiomas", "languages"), ("Langues", "languages"),
    ("Projekte", "projects"), ("Certifications", "certificates"),
    ("Licenses & Certifications", "certificates"), ("Auszeichnungen", "awards"),
    ("Publications", "publications"), ("Ehrenamt", "volunteer"), ("Bénévolat", "volunteer"),
    ("Hobbies & Interests", "interests"), ("Centres d’intérêt", "interests"),
    ("Referenzen", "references"), ("Profil", "summary"), ("Sobre mí", "summary"),
    ("Staff Software Engineer", None),
])
def test_section_headings_are_known_in_four_languages(heading, section):
    assert section_of_heading(heading) == section


def work_of(*heads: Line) -> dict:
    return content_from_lines([Line("Ada Example", 4), Line("Experience", 3), *heads])["work"][0]


@pytest.mark.parametrize("lines", [
    [Line("Staff Engineer, Kestrel Payments", 1)],
    [Line("Kestrel Payments — Staff Engineer", 1)],
    [Line("Staff Engineer at Kestrel Payments", 1)],
    [Line("Staff Engineer", 1), Line("Kestrel Payments", 1)],
    [Line("Kestrel Payments", 1), Line("Staff Engineer", 1)],
    [Line("Kestrel Payments", 1), Line("Staff Engineer, Warsaw")],
])
def test_position_and_employer_are_told_apart_however_they_are_written(lines):
    job = work_of(*lines, Line("2019 – 2021"))
    assert (job["position"], job["name"]) == ("Staff Engineer", "Kestrel Payments")
    assert (job["startDate"], job["endDate"]) == ("2019", "2021")


def test_a_german_entry_with_the_dates_right_aligned():
    job = work_of(Line("Softwareentwickler bei Findly GmbH\t09/2016 – heute", 1),
                  Line("Berlin, Deutschland"), Line("• Suchindex neu gebaut"))
    assert job == {"position": "Softwareentwickler", "name": "Findly GmbH",
                   "location": "Berlin, Deutschland", "startDate": "2016-09",
                   "endDate": "present", "highlights": ["Suchindex neu gebaut"]}


def test_a_french_cv_reads_into_its_sections():
    content = content_from_lines([
        Line("Camille Martin", 4),
        Line("camille.martin@example.fr · 06 12 34 56 78 · Lyon, FR"),
        Line("Expérience professionnelle", 3),
        Line("Développeuse, Banque Rhône", 1),
        Line("sept. 2016 – aujourd'hui"),
        Line("Refonte du moteur de paiement", bullet=True),
        Line("Formation", 3),
        Line("Université Lyon 1", 1),
        Line("Master en informatique"),
        Line("2014 – 2016"),
        Line("Compétences", 3),
        Line("Langages : Python, Rust"),
        Line("Langues", 3),
        Line("Français (langue maternelle), Anglais (C1)"),
    ])

    assert content["basics"]["phone"] == "06 12 34 56 78"
    assert content["work"] == [{"position": "Développeuse", "name": "Banque Rhône",
                                "startDate": "2016-09", "endDate": "present",
                                "highlights": ["Refonte du moteur de paiement"]}]
    assert content["education"] == [{"institution": "Université Lyon 1", "studyType": "Master",
                                     "area": "informatique", "startDate": "2014",
                                     "endDate": "2016"}]
    assert content["skills"] == [{"name": "Langages", "keywords": ["Python", "Rust"]}]
    assert content["languages"] == [{"language": "Français", "fluency": "langue maternelle"},
                                    {"language": "Anglais", "fluency": "C1"}]


def test_a_list_on_one_line_of_the_header_opens_its_section():
    content = content_from_lines([Line("Ada Example", 4), Line("ada@example.com"),
                                  Line("Languages: English (native), French (B2)")])

    assert content["languages"] == [{"language": "English", "fluency": "native"},
                                    {"language": "French", "fluency": "B2"}]


def test_a_section_nobody_named_is_kept_as_a_custom_section():
    content = content_from_lines([
        Line("Ada Example", 4), Line("Experience", 3), Line("Engineer, Acme", 1),
        Line("2020 – 2021"), Line("Open Source Talks", 3), Line("Ledgers in practice", 1),
        Line("Jun 2022"), Line("What two ledgers taught us."), Line("Slides online", bullet=True),
    ])

    assert content["custom"] == [{"id": "open-source-talks", "title": "Open Source Talks",
                                  "items": [{"title": "Ledgers in practice", "date": "2022-06",
                                             "summary": "What two ledgers taught us.",
                                             "highlights": ["Slides online"]}]}]
    assert content["meta"]["sectionOrder"] == ["work", "custom:open-source-talks"]


def test_what_exceeds_the_limits_is_cut_to_fit():
    lines = [Line("Ada Example", 4), Line("Experience", 3)]
    for number in range(ENTRIES + 20):
        lines += [Line(f"Engineer, Acme {number}", 1), Line("2019 – 2020"),
                  *[Line("x " * 450, bullet=True)] * (HIGHLIGHTS + 10)]
    content = content_from_lines(lines)

    assert validate_content(content) == content
    assert len(content["work"]) <= ENTRIES
    assert all(len(job["highlights"]) <= HIGHLIGHTS for job in content["work"])
    assert all(len(item) <= ITEM_CHARS for job in content["work"] for item in job["highlights"])


def test_odd_input_never_raises():
    generator = random.Random(20240517)
    alphabet = "abcXYZ 0123456789.,:;–-•|@/()\t\u0000\u202e\ud800éß東ج"
    for _ in range(200):
        lines = [Line("".join(generator.choice(alphabet) for _ in range(generator.randint(0, 60))),
                      generator.randint(0, 4), generator.random() < 0.2,
                      tuple(generator.choice(["javascript:alert(1)", "mailto:x", "https://a.b",
                                              "tel:+1", "http://"]) for _ in range(2)))
                 for _ in range(generator.randint(0, 40))]
        content = content_from_lines(lines)
        assert validate_content(content) == content
