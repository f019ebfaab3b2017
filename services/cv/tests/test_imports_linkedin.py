"""Importing LinkedIn's "Get a copy of your data" export: a ZIP of CSVs written the way
LinkedIn writes them (byte-order marks, a "Notes:" preamble, quoted multi-line descriptions,
columns we do not use, a file in a folder) becomes CV content; what is not an export, or would
unpack to too much, is refused."""

import io
import zipfile

import pytest

from cv.content.schema import validate_content
from cv.imports import ImportFailed, parse_upload
from cv.imports.archive import MAX_MEMBER_BYTES

BOM = "\ufeff"
NOTES = ('Notes:\n"When exporting your connection data, you may notice that some of the email '
         'addresses are missing. You will only see email addresses for connections who have '
         'allowed their connections to see or download their email address."\n\n')

EXPORT = {
    "Profile.csv": BOM + (
        "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,"
        "Zip Code,Geo Location,Twitter Handles,Websites,Instant Messengers\n"
        'Zoë,Łukasiewicz-Núñez,,,"Mar 3, 1988",Staff Software Engineer at Kestrel Payments,'
        '"Backend engineer with twelve years of building payment and search systems.\n'
        'I care about boring, observable software.",Financial Services,00-050,'
        '"Warsaw, Mazowieckie, Poland",[zoeln],'
        '"[PORTFOLIO:https://zoe.example.dev,OTHER:https://github.com/zoeln]",\n'),
    "Email Addresses.csv": (
        "Email Address,Confirmed,Primary,Updated On\n"
        "old@example.com,Yes,No,1/1/20, 9:00 AM\n"
        "zoe.lukasiewicz@example.com,Yes,Yes,2/1/24, 10:00 AM\n"),
    "PhoneNumbers.csv": "Extension,Number,Type\n,+48 22 555 01 23,Mobile\n",
    "Positions.csv": BOM + NOTES + (
        "Company Name,Title,Description,Location,Started On,Finished On\n"
        'Kestrel Payments,Staff Software Engineer,"Lead the ledger team (6 engineers).\n'
        "• Cut settlement time from T+2 to T+0 for 40,000 merchants\n"
        "• Designed the double-entry ledger that replaced three legacy systems\n"
        '- Mentored four engineers to senior","Warsaw, Mazowieckie, Poland",Mar 2021,\n'
        'Findly GmbH,Senior Backend Engineer,"Owned indexing and query serving.",'
        '"Berlin, Germany",Sep 2016,Feb 2021\n'
        "東京データ株式会社,Software Engineer,,東京,2013,Aug 2016\n"),
    "Education.csv": (
        "School Name,Start Date,End Date,Notes,Degree Name,Activities\n"
        'Politechnika Warszawska,2011,2013,"Thesis on distributed ledgers, graded 5.0",'
        "Master of Science,Chess club\n"
        "جامعة القاهرة,2010,2010,,Exchange,\n"),
    "Skills.csv": "Name\nPython\nGo\nPostgreSQL\n\"Kubernetes, Helm\"\n",
    "Certifications.csv": (
        "Name,Url,Authority,Started On,Finished On,License Number\n"
        "Certified Kubernetes Application Developer,https://certs.example.org/ckad/ZL-1234,"
        "The Linux Foundation,Jun 2022,Jun 2025,ZL-1234\n"),
    "Languages.csv": (
        "Name,Proficiency\nPolish,Native or bilingual proficiency\n"
        "English,Full professional proficiency\n"),
    "Projects.csv": (
        "Title,Description,Url,Started On,Finished On\n"
        'pg-ledger,"An open-source double-entry ledger on PostgreSQL",'
        "https://github.com/zoeln/pg-ledger,Jan 2019,Nov 2020\n"),
    "Honors.csv": (
        "Title,Description,Issued On\n"
        "Engineer of the Year,For the ledger migration completed with zero downtime.,Dec 2023\n"),
    "Jobs/Job Seeker Preferences.csv": "Locations,Industries\nWarsaw,Fintech\n",
    "Connections.csv": NOTES + "First Name,Last Name,URL,Email Address,Company,Position,"
                               "Connected On\nAda,Lovelace,,,,,\n",
    "Archive/Recommendations_Received.csv": (
        "First Name,Last Name,Company,Job Title,Text,Creation Date,Status\n"
        'Marta,Kowalska,Kestrel Payments,VP Engineering,"Zoë is the engineer I call when '
        'something must not fail twice.",01/02/24,VISIBLE\n'
        'Hidden,Person,Acme,CEO,"Not shown.",01/02/24,HIDDEN\n'),
}


def zipped(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode() if isinstance(text, str) else text)
    return buffer.getvalue()


def test_a_linkedin_export_becomes_cv_content():
    content = parse_upload(zipped(EXPORT), "zip")

    assert validate_content(content) == content
    basics = content["basics"]
    assert basics["name"] == "Zoë Łukasiewicz-Núñez"
    assert basics["label"] == "Staff Software Engineer at Kestrel Payments"
    assert basics["email"] == "zoe.lukasiewicz@example.com"  # the primary one
    assert basics["phone"] == "+48 22 555 01 23"
    assert basics["url"] == "https://zoe.example.dev"
    assert basics["summary"] == ("Backend engineer with twelve years of building payment and "
                                 "search systems.\nI care about boring, observable software.")
    assert basics["location"] == {"city": "Warsaw", "region": "Mazowieckie, Poland",
                                  "postalCode": "00-050"}
    assert [(item["network"], item["username"]) for item in basics["profiles"]] == [
        ("GitHub", "zoeln"), ("Twitter", "zoeln")]

    kestrel, findly, tokyo = content["work"]
    assert kestrel == {
        "name": "Kestrel Payments", "position": "Staff Software Engineer",
        "location": "Warsaw, Mazowieckie, Poland", "startDate": "2021-03", "endDate": "present",
        "summary": "Lead the ledger team (6 engineers).",
        "highlights": ["Cut settlement time from T+2 to T+0 for 40,000 merchants",
                       "Designed the double-entry ledger that replaced three legacy systems",
                       "Mentored four engineers to senior"],
    }
    assert (findly["startDate"], findly["endDate"]) == ("2016-09", "2021-02")
    assert (tokyo["name"], tokyo["startDate"], tokyo["endDate"]) == (
        "東京データ株式会社", "2013", "2016-08")

    assert content["education"] == [
        {"institution": "Politechnika Warszawska", "studyType": "Master of Science",
         "startDate": "2011", "endDate": "2013"},
        {"institution": "جامعة القاهرة", "studyType": "Exchange",
         "startDate": "2010", "endDate": "2010"},
    ]
    assert [skill["name"] for skill in content["skills"]] == [
        "Python", "Go", "PostgreSQL", "Kubernetes, Helm"]
    assert content["certificates"] == [{
        "name": "Certified Kubernetes Application Developer", "issuer": "The Linux Foundation",
        "url": "https://certs.example.org/ckad/ZL-1234", "date": "2022-06"}]
    assert content["languages"][0] == {"language": "Polish",
                                       "fluency": "Native or bilingual proficiency"}
    assert content["projects"][0]["url"] == "https://github.com/zoeln/pg-ledger"
    assert content["awards"] == [{
        "title": "Engineer of the Year", "date": "2023-12",
        "summary": "For the ledger migration completed with zero downtime."}]
    assert content["references"] == [{
        "name": "Marta Kowalska, VP Engineering at Kestrel Payments",
        "reference": "Zoë is the engineer I call when something must not fail twice."}]


def test_an_export_with_only_some_files_and_extra_columns_is_read():
    content = parse_upload(zipped({
        "Positions.csv": ("Company Name,Title,Description,Location,Started On,Finished On,"
                          "Something New\nAcme,Engineer,,,01/2020,,x\n"),
    }))

    assert content["work"] == [{"name": "Acme", "position": "Engineer", "startDate": "2020-01",
                                "endDate": "present"}]
    assert "basics" not in content  # no Profile.csv: nothing to say about the person


def test_a_zip_bomb_is_refused():
    bomb = zipped({"Profile.csv": EXPORT["Profile.csv"],
                   "Positions.csv": b"\0" * (MAX_MEMBER_BYTES + 1)})
    with pytest.raises(ImportFailed, match="ZIP bomb"):
        parse_upload(bomb, "zip")

    # Smaller, but packed a thousand to one: no CSV compresses like that.
    dense = zipped({"Skills.csv": b"Name\n" + b"a" * (5 * 1024 * 1024)})
    with pytest.raises(ImportFailed, match="ZIP bomb"):
        parse_upload(dense, "zip")


def test_what_is_not_a_linkedin_export_is_refused():
    with pytest.raises(ImportFailed):
        parse_upload(b"\x89PNG\r\n\x1a\n not an export", "zip")
    with pytest.raises(ImportFailed, match="not a LinkedIn data export"):
        parse_upload(zipped({"notes.txt": "hello", "../../etc/passwd.csv": "x"}), "zip")
