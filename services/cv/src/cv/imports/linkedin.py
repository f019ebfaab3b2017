"""LinkedIn's "Get a copy of your data" export (a ZIP of CSV files) as CV content.

Only the files that make a CV are read, by name, wherever they sit in the archive: Profile,
Positions, Education, Skills, Certifications, Languages, Projects, Honors, Publications,
Volunteering, Recommendations_Received, Email Addresses and PhoneNumbers. The CSVs are UTF-8,
often with a byte-order mark; some start with a "Notes:" paragraph before their header, so
the header is the first row that names the file's key column. Missing files and extra
columns are fine; an archive that holds none of these files is not an export."""

import csv
import io
import re
import zipfile
from collections.abc import Callable

from cv.content.fields import ENTRIES, HIGHLIGHTS, ITEM_CHARS, LONG_CHARS, SHORT_CHARS
from cv.imports.archive import check_sizes, open_zip, read_member
from cv.imports.contacts import find_emails, find_urls, profile
from cv.imports.dates import parse_date
from cv.imports.errors import ImportFailed
from cv.imports.fitting import clip, fit_content

_WHAT = "LinkedIn export"
# File (lower case, without ".csv") -> the column its header row always has.
_KEY_COLUMNS = {
    "profile": "First Name",
    "profile summary": "Profile Summary",
    "positions": "Company Name",
    "education": "School Name",
    "skills": "Name",
    "certifications": "Name",
    "languages": "Name",
    "projects": "Title",
    "honors": "Title",
    "publications": "Name",
    "volunteering": "Role",
    "recommendations_received": "Text",
    "email addresses": "Email Address",
    "phonenumbers": "Number",
    "phone numbers": "Number",
}
_LIST_MARK = re.compile(r"\s*(?:[•·▪◦‣●■►✓✔➢➤→*]|[-–—](?=\s))\s*")

Rows = list[dict[str, str]]


def content_from_export(data: bytes) -> dict:
    """The CV content of a LinkedIn data export. Raises ImportFailed for a file that is not
    one, or one that would unpack to too much."""
    files = _read_files(data)
    if not files:
        raise ImportFailed("the ZIP archive is not a LinkedIn data export (it has none of "
                           "Profile.csv, Positions.csv, Education.csv, Skills.csv, …)")
    content: dict = {"basics": _basics(files)}
    for section, (name, read) in _SECTIONS.items():
        rows = files.get(name, [])
        items = [item for item in (read(row) for row in rows[:ENTRIES]) if any(item.values())]
        if items:
            content[section] = items
    return fit_content(content)


def _read_files(data: bytes) -> dict[str, Rows]:
    archive = open_zip(data, _WHAT)
    members: dict[str, zipfile.ZipInfo] = {}
    for member in archive.infolist():
        name = member.filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
        stem = name.removesuffix(".csv")
        if name.endswith(".csv") and stem in _KEY_COLUMNS and not member.is_dir():
            members.setdefault(stem, member)
    check_sizes(list(members.values()), _WHAT)
    return {stem: _rows(read_member(archive, member, _WHAT), _KEY_COLUMNS[stem])
            for stem, member in members.items()}


def _rows(raw: bytes, key_column: str) -> Rows:
    """The CSV's rows as dicts by header, the header being the first row with `key_column`
    (rows before it are LinkedIn's notes)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), strict=False))
    except csv.Error:
        return []
    for index, row in enumerate(table):
        header = [cell.strip().lstrip("\ufeff") for cell in row]
        if key_column in header:
            return [
                {column: (cells[position] if position < len(cells) else "").strip()
                 for position, column in enumerate(header) if column}
                for cells in table[index + 1:] if any(cell.strip() for cell in cells)
            ]
    return []


def _date(text: str | None) -> str | None:
    return parse_date(text) if text else None


def _dated(item: dict, start: str | None, end: str | None, *, current_if_open: bool) -> dict:
    item["startDate"] = _date(start)
    item["endDate"] = _date(end) or ("present" if current_if_open and item["startDate"] else None)
    return item


def _summary_and_highlights(text: str) -> tuple[str | None, list[str]]:
    """A LinkedIn description: its lines that start with a list mark become highlights."""
    summary, highlights = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if mark := _LIST_MARK.match(line):
            if line[mark.end():].strip():
                highlights.append(clip(line[mark.end():], ITEM_CHARS))
        elif line.strip() or summary:
            summary.append(line.rstrip())
    joined = "\n".join(summary).strip()
    return (clip(joined, LONG_CHARS) if joined else None), highlights[:HIGHLIGHTS]


def _basics(files: dict[str, Rows]) -> dict:
    basics: dict = {}
    profile_row = (files.get("profile") or [{}])[0]
    name = f"{profile_row.get('First Name', '')} {profile_row.get('Last Name', '')}".strip()
    basics["name"] = clip(name)
    basics["label"] = clip(profile_row.get("Headline", ""))
    summary = profile_row.get("Summary") or (files.get("profile summary") or [{}])[0].get(
        "Profile Summary", "")
    basics["summary"] = clip(summary, LONG_CHARS)
    basics["location"] = _location(profile_row)
    emails = files.get("email addresses") or []
    primary = [row for row in emails if row.get("Primary", "").lower() == "yes"] + emails
    for row in primary:
        if found := find_emails(row.get("Email Address", "")):
            basics["email"] = found[0]
            break
    for row in files.get("phonenumbers") or files.get("phone numbers") or []:
        if number := row.get("Number"):
            extension = row.get("Extension")
            basics["phone"] = clip(f"{number} ext. {extension}" if extension else number,
                                   SHORT_CHARS)
            break
    profiles = []
    # Websites look like "[PORTFOLIO:https://zoe.example.dev,COMPANY:https://x.example]".
    for url in find_urls(re.sub(r"[A-Z_]+:(?=https?://)", " ", profile_row.get("Websites", ""))):
        if found := profile(url):
            profiles.append(found)
        elif "url" not in basics:
            basics["url"] = url
    for handle in re.findall(r"[A-Za-z0-9_]{1,15}", profile_row.get("Twitter Handles", "")):
        profiles.append({"network": "Twitter", "username": handle,
                         "url": f"https://twitter.com/{handle}"})
    basics["profiles"] = profiles
    return basics


def _location(row: dict[str, str]) -> dict:
    """"Warsaw, Mazowieckie, Poland" (Geo Location), the postcode and address beside it."""
    parts = [part.strip() for part in row.get("Geo Location", "").split(",") if part.strip()]
    location = {
        "city": clip(parts[0]) if parts else None,
        "region": clip(", ".join(parts[1:])) if len(parts) > 1 else None,
        "postalCode": clip(row.get("Zip Code", ""), SHORT_CHARS),
        "address": clip(row.get("Address", ""), LONG_CHARS),
    }
    return location


def _position(row: dict[str, str]) -> dict:
    summary, highlights = _summary_and_highlights(row.get("Description", ""))
    return _dated({
        "name": clip(row.get("Company Name", "")), "position": clip(row.get("Title", "")),
        "location": clip(row.get("Location", "")), "summary": summary, "highlights": highlights,
    }, row.get("Started On"), row.get("Finished On"), current_if_open=True)


def _education(row: dict[str, str]) -> dict:
    area = row.get("Field Of Study") or row.get("Fields of Study") or row.get("Field of Study")
    return _dated({
        "institution": clip(row.get("School Name", "")),
        "studyType": clip(row.get("Degree Name", "")),
        "area": clip(area or ""),
        "score": clip(row.get("Grade", ""), SHORT_CHARS),
    }, row.get("Start Date") or row.get("Started On"),
        row.get("End Date") or row.get("Finished On"), current_if_open=False)


def _skill(row: dict[str, str]) -> dict:
    return {"name": clip(row.get("Name", ""))}


def _certificate(row: dict[str, str]) -> dict:
    return {"name": clip(row.get("Name", "")), "issuer": clip(row.get("Authority", "")),
            "url": _url(row.get("Url")), "date": _date(row.get("Started On"))}


def _language(row: dict[str, str]) -> dict:
    return {"language": clip(row.get("Name", "")),
            "fluency": clip(row.get("Proficiency", ""), SHORT_CHARS)}


def _project(row: dict[str, str]) -> dict:
    description, highlights = _summary_and_highlights(row.get("Description", ""))
    return _dated({"name": clip(row.get("Title", "")), "description": description,
                   "highlights": highlights, "url": _url(row.get("Url"))},
                  row.get("Started On"), row.get("Finished On"), current_if_open=False)


def _award(row: dict[str, str]) -> dict:
    return {"title": clip(row.get("Title", "")), "awarder": clip(row.get("Issuer", "")),
            "date": _date(row.get("Issued On")),
            "summary": clip(row.get("Description", ""), LONG_CHARS)}


def _publication(row: dict[str, str]) -> dict:
    return {"name": clip(row.get("Name", "")), "publisher": clip(row.get("Publisher", "")),
            "releaseDate": _date(row.get("Published On")), "url": _url(row.get("Url")),
            "summary": clip(row.get("Description", ""), LONG_CHARS)}


def _volunteering(row: dict[str, str]) -> dict:
    summary, highlights = _summary_and_highlights(row.get("Description", ""))
    cause = row.get("Cause", "")
    return _dated({
        "organization": clip(row.get("Company Name") or row.get("Organization") or ""),
        "position": clip(row.get("Role", "")),
        "summary": clip("\n".join(part for part in (cause, summary) if part), LONG_CHARS),
        "highlights": highlights,
    }, row.get("Started On"), row.get("Finished On"), current_if_open=True)


def _recommendation(row: dict[str, str]) -> dict:
    if row.get("Status", "VISIBLE").upper() not in ("VISIBLE", ""):
        return {}  # a recommendation the member hid from their profile stays hidden
    name = f"{row.get('First Name', '')} {row.get('Last Name', '')}".strip()
    role = " at ".join(part for part in (row.get("Job Title"), row.get("Company")) if part)
    return {"name": clip(", ".join(part for part in (name, role) if part)),
            "reference": clip(row.get("Text", ""), LONG_CHARS)}


def _url(text: str | None) -> str | None:
    found = find_urls(text or "")
    return found[0] if found else None


_SECTIONS: dict[str, tuple[str, Callable[[dict[str, str]], dict]]] = {
    "work": ("positions", _position),
    "volunteer": ("volunteering", _volunteering),
    "education": ("education", _education),
    "awards": ("honors", _award),
    "certificates": ("certifications", _certificate),
    "publications": ("publications", _publication),
    "skills": ("skills", _skill),
    "languages": ("languages", _language),
    "projects": ("projects", _project),
    "references": ("recommendations_received", _recommendation),
}
