"""The CV content model: JSON Resume kept whole, dates, links, limits and the paths of errors."""

import copy
import json
import math
import typing

import pytest
from pydantic import BaseModel

from cv.content.schema import (
    BODY_SECTIONS,
    SECTIONS,
    Content,
    ContentInvalid,
    blank_content,
    section_names_in_order,
    validate_content,
    validate_section,
)
from devstack.samples.resumes import full_resume

FULL_RESUME = full_resume()
OUR_ADDITIONS = {("custom",), ("photo",), ("meta", "sectionOrder"), ("meta", "hidden")}
PHOTO_ID = "6f9619ff-8b86-d011-b42d-00c04fc964ff"


def refusal(data: object) -> tuple[str, str]:
    with pytest.raises(ContentInvalid) as caught:
        validate_content(data)
    return caught.value.field, caught.value.message


def with_work(*entries: dict) -> dict:
    return {"work": list(entries)}


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The pydantic model a field holds (directly, in a list, or optional), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        if found := _model_in(argument):
            return found
    return None


def _json_resume_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()):
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        if path in OUR_ADDITIONS:
            continue
        yield path
        if nested := _model_in(field.annotation):
            yield from _json_resume_paths(nested, path)


def _present(document: object, path: tuple[str, ...]) -> bool:
    if not path:
        return True
    if isinstance(document, list):
        return any(_present(item, path) for item in document)
    return (
        isinstance(document, dict) and path[0] in document and _present(document[path[0]], path[1:])
    )


def test_full_resume_exercises_every_json_resume_field():
    missing = [path for path in _json_resume_paths(Content) if not _present(FULL_RESUME, path)]
    assert missing == []


def test_full_json_resume_validates_and_round_trips_unchanged():
    assert validate_content(copy.deepcopy(FULL_RESUME)) == FULL_RESUME


def test_unknown_fields_are_kept_at_every_level():
    data = copy.deepcopy(FULL_RESUME)
    data["x-theme"] = {"name": "elegant", "colors": ["#123456", None, 3, 1.5, True]}
    data["basics"]["pronouns"] = "she/her"
    data["basics"]["location"]["street2"] = "Hinterhaus"
    data["basics"]["profiles"][0]["followers"] = 1200
    data["work"][1]["team"] = {"size": 6, "remote": False}
    data["meta"]["theme"] = "stackoverflow"
    assert validate_content(copy.deepcopy(data)) == data


def test_unknown_fields_are_bounded_all_together():
    data = copy.deepcopy(FULL_RESUME)
    data["work"][0]["notes"] = "n" * 20_000
    data["skills"][1]["history"] = ["h" * 1000] * 15
    assert refusal(data) == (
        "skills[1].history", "unknown fields may take at most 32 KB together"
    )


def test_absent_fields_stay_absent():
    assert validate_content({"basics": {"name": "Ana"}}) == {"basics": {"name": "Ana"}}
    assert validate_content({}) == {}


@pytest.mark.parametrize("date", ["2019", "2019-05", "2019-05-17", "2020-02-29", ""])
def test_partial_dates_are_accepted(date):
    content = validate_content(with_work({"startDate": date}, {"endDate": date}))
    assert content["work"] == [{"startDate": date}, {"endDate": date}]


@pytest.mark.parametrize("written", ["present", "Present", "PRESENT", " present "])
def test_present_end_date_is_normalised(written):
    content = validate_content(with_work({"startDate": "2021-03", "endDate": written}))
    assert content["work"][0]["endDate"] == "present"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"startDate": "2019-13"}, "work[0].startDate"),
        ({"startDate": "2019-02-30"}, "work[0].startDate"),
        ({"startDate": "2019-00"}, "work[0].startDate"),
        ({"startDate": "19"}, "work[0].startDate"),
        ({"startDate": "2019/05"}, "work[0].startDate"),
        ({"startDate": "May 2019"}, "work[0].startDate"),
        ({"startDate": "2019-05-17T10:00:00"}, "work[0].startDate"),
        ({"startDate": "present"}, "work[0].startDate"),
        ({"endDate": "now"}, "work[0].endDate"),
    ],
)
def test_malformed_dates_are_refused_with_their_path(entry, field):
    assert refusal(with_work(entry))[0] == field


def test_start_after_end_is_refused_with_the_start_dates_path():
    data = with_work(
        {"startDate": "2018", "endDate": "2019"},
        {"startDate": "2020-06", "endDate": "2020-05-31"},
    )
    assert refusal(data) == ("work[1].startDate", "must not be after the end date (2020-05-31)")
    custom = {"custom": [{"id": "talks", "items": [{}, {"startDate": "2021", "endDate": "2020"}]}]}
    assert refusal(custom)[0] == "custom[0].items[1].startDate"
    assert refusal({"education": [{"startDate": "2013-10", "endDate": "2013-07"}]})[0] == (
        "education[0].startDate"
    )


@pytest.mark.parametrize(
    ("start", "end"), [("2019-05", "2019"), ("2019", "2019-01"), ("2019-05", "2019-05"),
                       ("2030", "present"), ("2019", "")],
)
def test_start_before_or_within_end_is_accepted(start, end):
    validate_content(with_work({"startDate": start, "endDate": end}))


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "ftp://files.example.com",
        "//evil.example.com",
        "https://",
        "example.com",
        "https://exa mple.com",
        "https://[::1",
    ],
)
def test_non_web_urls_are_refused_with_their_path(url):
    data = {"basics": {"profiles": [{"url": "https://ok.example.com"}, {"url": url}]}}
    assert refusal(data)[0] == "basics.profiles[1].url"
    field, message = refusal(with_work({}, {}, {"url": url}))
    assert field == "work[2].url"
    assert message.startswith("must be a web address")


@pytest.mark.parametrize(
    "url", ["https://example.com", "http://example.com/a?b=c#d", "HTTPS://EXAMPLE.COM", ""],
)
def test_web_urls_are_accepted(url):
    assert validate_content({"meta": {"canonical": url}}) == {"meta": {"canonical": url}}


@pytest.mark.parametrize("email", ["ana@example.com", "a.b+cv@mail.example.co.uk", ""])
def test_plain_email_addresses_are_accepted(email):
    validate_content({"basics": {"email": email}})


@pytest.mark.parametrize("email", ["ana", "ana@", "@example.com", "ana@example", "a b@x.com",
                                   "a@b@example.com"])
def test_malformed_email_addresses_are_refused(email):
    assert refusal({"basics": {"email": email}}) == (
        "basics.email", "must be an e-mail address like name@example.com"
    )


def test_phone_is_free_text_but_bounded():
    validate_content({"basics": {"phone": "+1 (555) 010-9999 ext. 12, mornings only"}})
    assert refusal({"basics": {"phone": "5" * 101}}) == (
        "basics.phone", "must be at most 100 characters"
    )


@pytest.mark.parametrize(
    ("data", "field", "limit"),
    [
        ({"basics": {"name": "N" * 201}}, "basics.name", 200),
        (with_work({"summary": "s" * 5001}), "work[0].summary", 5000),
        (with_work({"highlights": ["ok", "ok", "ok", "h" * 501]}), "work[0].highlights[3]", 500),
        ({"skills": [{"keywords": ["k" * 101]}]}, "skills[0].keywords[0]", 100),
        ({"meta": {"canonical": "https://example.com/" + "a" * 2000}}, "meta.canonical", 2000),
    ],
)
def test_over_long_text_is_refused_with_its_path(data, field, limit):
    assert refusal(data) == (field, f"must be at most {limit} characters")


def test_limits_are_inclusive():
    validate_content({"basics": {"name": "N" * 200, "summary": "s" * 5000}})


@pytest.mark.parametrize(
    ("data", "field", "limit"),
    [
        (with_work(*[{}] * 51), "work", 50),
        (with_work({}, {"highlights": ["h"] * 31}), "work[1].highlights", 30),
        ({"skills": [{"keywords": ["k"] * 101}]}, "skills[0].keywords", 100),
        ({"basics": {"profiles": [{}] * 21}}, "basics.profiles", 20),
        ({"custom": [{"id": f"s{i}"} for i in range(21)]}, "custom", 20),
        ({"custom": [{"id": "a", "items": [{}] * 51}]}, "custom[0].items", 50),
    ],
)
def test_too_many_entries_are_refused_with_their_path(data, field, limit):
    assert refusal(data) == (field, f"must have at most {limit} entries")


def test_a_megabyte_payload_is_refused():
    # Every field within its own limit: only the size of the whole gives it away.
    entry = {"summary": "s" * 5000, "highlights": ["h" * 500] * 30}
    data = with_work(*[copy.deepcopy(entry) for _ in range(50)])
    assert len(json.dumps(data)) > 1_000_000
    field, message = refusal(data)
    assert field == ""
    assert "at most 200 KB" in message


def test_a_content_just_under_the_size_limit_is_accepted():
    entry = {"summary": "s" * 5000, "highlights": ["h" * 500] * 20}
    validate_content({"work": [copy.deepcopy(entry) for _ in range(13)]})


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\ufffe",
                                  "\uffff"])
def test_control_characters_are_refused(char):
    field, message = refusal(with_work({}, {"position": f"Engineer{char}"}))
    assert field == "work[1].position"
    assert message.startswith("must not contain control characters")


def test_line_breaks_and_tabs_are_kept_and_carriage_returns_normalised():
    content = validate_content({"basics": {"summary": "one\r\ntwo\rthree\n\tfour"}})
    assert content["basics"]["summary"] == "one\ntwo\nthree\n\tfour"


def test_control_characters_in_unknown_fields_are_refused():
    assert refusal({"basics": {"x-note": ["fine", {"deep": "bad\x00"}]}})[0] == (
        "basics.x-note[1].deep"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "must be a finite number"),
        (math.inf, "must be a finite number"),
        (10**30, "is a number too large to keep exactly"),
        ({1, 2}, "must be JSON (text, number, true/false, null, list, object)"),
        (b"bytes", "must be JSON (text, number, true/false, null, list, object)"),
    ],
)
def test_values_json_cannot_hold_are_refused(value, message):
    assert refusal({"meta": {"x-extra": value}}) == ("meta.x-extra", message)


def test_runaway_nesting_is_refused():
    deep: object = "bottom"
    for _ in range(20):
        deep = [deep]
    field, message = refusal({"x-deep": deep})
    assert field.startswith("x-deep[0]")
    assert "nested more than" in message


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"basics": {"name": 42}}, "basics.name", "must be text"),
        ({"basics": "Ana"}, "basics", "must be an object"),
        ({"work": {"name": "Kestrel"}}, "work", "must be a list"),
        (with_work({"highlights": "one"}), "work[0].highlights", "must be a list"),
        ({"custom": [{"title": "Talks"}]}, "custom[0].id", "is required"),
    ],
)
def test_wrong_types_are_named_in_plain_english(data, field, message):
    assert refusal(data) == (field, message)


def test_the_first_problem_is_reported():
    data = with_work({"url": "https://ok.example.com"}, {"url": "javascript:x", "name": 3})
    data["education"] = [{"startDate": "soon"}]
    assert refusal(data)[0] == "work[1].name"


def test_content_must_be_an_object():
    assert refusal(["work"]) == ("", "the content must be a JSON object")


def test_custom_sections_validate_their_items():
    section = {
        "id": "talks-2024",
        "title": "Talks",
        "items": [{
            "title": "Ledgers at scale", "subtitle": "QCon", "date": "2024-04",
            "startDate": "2024-04-10", "endDate": "2024-04-11", "summary": "**Keynote**",
            "highlights": ["400 attendees"], "url": "https://qcon.example.com/talk",
        }],
    }
    assert validate_content({"custom": [section]}) == {"custom": [section]}


def test_custom_section_ids_are_checked_and_unique():
    assert refusal({"custom": [{"id": "has space"}]})[0] == "custom[0].id"
    assert refusal({"custom": [{"id": "a"}, {"id": "b"}, {"id": "a"}]}) == (
        "custom[2].id", "'a' is already the id of custom[0]"
    )


def test_section_order_and_hidden_name_known_sections_once():
    meta = {"sectionOrder": ["skills", "custom:talks", "work"], "hidden": ["references"]}
    assert validate_content({"meta": meta}) == {"meta": meta}
    assert refusal({"meta": {"sectionOrder": ["work", "basics"]}})[0] == "meta.sectionOrder[1]"
    assert refusal({"meta": {"hidden": ["photos"]}})[0] == "meta.hidden[0]"
    assert refusal({"meta": {"hidden": ["custom:"]}})[0] == "meta.hidden[0]"
    assert refusal({"meta": {"sectionOrder": ["work", "skills", "work"]}}) == (
        "meta.sectionOrder[2]", "'work' is listed twice"
    )


def test_photo_is_a_files_id_or_null():
    assert validate_content({"photo": PHOTO_ID.upper()}) == {"photo": PHOTO_ID}
    assert validate_content({"photo": None}) == {"photo": None}
    assert refusal({"photo": "https://images.example.com/me.png"}) == (
        "photo", "must be a files id (a UUID)"
    )


def test_sections_name_every_part_of_the_content():
    assert set(SECTIONS) == set(Content.model_fields)
    assert {"basics", "custom", "meta", "photo"} <= set(SECTIONS)


def test_one_section_validates_with_its_name_in_the_path():
    assert validate_section("work", [{"endDate": "Present"}]) == [{"endDate": "present"}]
    assert validate_section("photo", PHOTO_ID) == PHOTO_ID
    with pytest.raises(ContentInvalid) as caught:
        validate_section("work", [{}, {"url": "javascript:alert(1)"}])
    assert caught.value.field == "work[1].url"


def test_an_unknown_section_name_is_refused():
    with pytest.raises(ContentInvalid) as caught:
        validate_section("hobbies", [])
    assert caught.value.field == "hobbies"


def test_blank_content_is_valid_and_has_every_section():
    content = blank_content("Zoë Núñez", "zoe@example.com")
    assert set(content) == set(SECTIONS)
    assert content["basics"]["name"] == "Zoë Núñez"
    assert validate_content(content) == content
    with pytest.raises(ContentInvalid):
        blank_content("Ana", "not-an-address")


def test_section_names_follow_the_order_and_leave_out_hidden_ones():
    content = {
        "custom": [{"id": "talks"}, {"id": "patents"}],
        "meta": {
            "sectionOrder": ["skills", "custom:patents", "custom:gone", "work"],
            "hidden": ["references", "custom:talks"],
        },
    }
    rest = [name for name in BODY_SECTIONS if name not in ("skills", "work", "references")]
    assert section_names_in_order(content) == ["skills", "custom:patents", "work", *rest]


def test_section_names_default_to_the_json_resume_order():
    assert section_names_in_order({}) == list(BODY_SECTIONS)
    assert section_names_in_order(blank_content()) == list(BODY_SECTIONS)
