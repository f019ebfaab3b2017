"""ATS analysis without a model: the same CV and ad give the same report byte for byte, the
score moves the way the CV changes, and each finding names the field to fix."""

import copy
import datetime
import json
import random

import pytest

from cv.analysis.ats import WEIGHTS, analyse
from cv.analysis.keywords import fold, job_terms, line_skills, runs, skill_key
from cv.content.fields import ENTRIES, HIGHLIGHTS, KEYWORDS, MAX_CONTENT_BYTES
from cv.content.schema import validate_content
from devstack.samples.resumes import full_resume

TODAY = datetime.date(2024, 6, 1)
TITLE = "Senior Backend Engineer"
REQUIREMENTS = ["Python", "Go", "PostgreSQL", "Kubernetes", "Apache Kafka", "Terraform"]
BULLETS = [
    "- 5+ years of experience building distributed systems in production",
    "- Experience with observability: Prometheus and Grafana",
    "- You write clear design documents and review code with care",
    "- Experience with payment systems and double-entry ledgers",
]


def ad(requirements: list[str] = REQUIREMENTS, bullets: list[str] = BULLETS) -> str:
    return "\n".join([
        "About us",
        "We build the ledger behind payouts for European merchants. Our ledger settles "
        "payments every day.",
        "",
        "Requirements:",
        ", ".join(requirements),
        *bullets,
        "",
        "Nice to have",
        "- Familiarity with PCI DSS",
        "",
        "What we offer",
        "- A laptop, Slack and Notion, and a learning budget",
    ])


def sample() -> dict:
    return validate_content(full_resume())


def report(content: dict | None = None, text: str | None = None, **options) -> dict:
    options.setdefault("today", TODAY)
    options.setdefault("job_title", TITLE)
    return analyse(sample() if content is None else content,
                   ad() if text is None else text, **options).to_dict()


def codes(result: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in result["findings"]:
        found.setdefault(finding["code"], []).append(finding["where"])
    return found


def part(result: dict, name: str) -> float | None:
    return next(p["score"] for p in result["parts"] if p["name"] == name)


def test_the_same_cv_and_ad_give_the_same_report_byte_for_byte():
    first = json.dumps(report(template="creative"), ensure_ascii=False)
    again = json.dumps(report(copy.deepcopy(sample()), template="creative"), ensure_ascii=False)
    assert first == again
    assert 0 <= json.loads(first)["score"] <= 100


def test_the_order_the_ad_lists_its_skills_in_changes_nothing():
    expected = report()
    shuffler = random.Random(20240601)
    for _ in range(5):
        requirements, bullets = REQUIREMENTS[:], BULLETS[:]
        shuffler.shuffle(requirements)
        shuffler.shuffle(bullets)
        assert report(text=ad(requirements, bullets)) == expected


def test_the_report_has_every_part_its_weights_and_the_terms_heaviest_first():
    result = report()
    assert [p["name"] for p in result["parts"]] == list(WEIGHTS)
    assert sum(p["weight"] for p in result["parts"]) == pytest.approx(1.0)
    assert result["score"] == round(sum(p["points"] for p in result["parts"]))
    weights = [term["weight"] for term in result["keywords"]["matched"]]
    assert weights == sorted(weights, reverse=True)
    matched = {term["name"] for term in result["keywords"]["matched"]}
    missing = {term["name"] for term in result["keywords"]["missing"]}
    assert {"Python", "Go", "PostgreSQL", "Kubernetes", "Terraform"} <= matched
    assert {"Apache Kafka", "Grafana"} <= missing


def test_adding_a_missing_skill_raises_the_score():
    before = report()
    content = sample()
    content["skills"][0]["keywords"].append("Kafka")
    after = report(content)
    assert "Apache Kafka" in after["skills"]["matched"]
    assert "Apache Kafka" in {t["name"] for t in after["keywords"]["matched"]}
    assert part(after, "keywords") > part(before, "keywords")
    assert part(after, "skills") > part(before, "skills")
    assert after["score"] > before["score"]


def test_a_skill_only_in_the_text_counts_for_keywords_but_not_the_skills_section():
    content = sample()
    content["work"][0]["highlights"].append("Moved settlement events onto Apache Kafka")
    result = report(content)
    assert "Apache Kafka" in {t["name"] for t in result["keywords"]["matched"]}
    assert "Apache Kafka" in result["skills"]["in_text_only"]
    assert "Apache Kafka" in result["skills"]["missing"]
    assert codes(result)["skills.not_listed"] == ["skills"]


@pytest.mark.parametrize(("in_ad", "in_cv"), [
    ("k8s", "Kubernetes"), ("Kubernetes", "K8s"), ("Postgres", "PostgreSQL"),
    ("golang", "Go"), ("JS", "JavaScript"), ("ReactJS", "React.js"), ("CI/CD", "ci-cd"),
    ("Machine-Learning", "machine learning"), ("Deutsch", "German"),
])
def test_aliases_and_spellings_of_one_skill_match(in_ad, in_cv):
    assert skill_key(in_ad) == skill_key(in_cv)
    content = sample()
    content["skills"] = [{"name": "Tools", "keywords": [in_cv, "Python"]}]
    result = report(content, f"Requirements:\n- {in_ad}, Python\n", job_title="")
    assert result["skills"]["missing"] == []


def test_ambiguous_words_count_as_skills_only_when_written_as_skills():
    assert line_skills("You go above and beyond and excel at talking to users.",
                       strict=True) == []
    assert line_skills("Go above and beyond.", strict=True) == []
    assert sorted(line_skills("Our services are written in Go and Rust.", strict=True)) == [
        "go", "rust"]
    assert sorted(line_skills("Go, Python and Rust", strict=True)) == ["go", "python", "rust"]
    # In a CV the candidate named them: they always count.
    assert line_skills("go above and beyond", strict=False) == ["go"]


def test_repeated_words_and_pairs_become_terms_and_title_words_count_once():
    terms = {t.key: t for t in job_terms(
        "We settle payments. Settlement pipeline work.\nThe settlement pipeline is ours.\n"
        "Gardening is not our business.", "Ledger Engineer")}
    assert terms["settlement pipeline"].skill is False
    assert terms["ledger"].required and terms["engineer"].required
    assert "gardening" not in terms  # said once, and not in the title
    assert "our" not in terms and "the" not in terms


def test_requirements_weigh_more_than_what_the_company_offers():
    terms = {t.key: t for t in job_terms(
        "Requirements:\n- Terraform\n\nWhat we offer\n- Notion for docs, Slack, Docker")}
    assert terms["terraform"].required
    assert not terms["docker"].required
    assert terms["terraform"].weight > terms["docker"].weight


def test_skills_alone_on_lines_under_a_heading_stay_requirements():
    terms = {t.key: t for t in job_terms("Requirements\nPython\nGo\nKubernetes\n\n"
                                         "How we work\nWe use Docker every day.")}
    assert all(terms[key].required for key in ("python", "go", "kubernetes"))
    assert not terms["docker"].required  # "How we work" ended the requirements


def test_a_cv_without_any_date_leaves_the_dates_part_unknown():
    result = report({"basics": {"name": "Ana", "email": "ana@example.com"}})
    assert part(result, "dates") is None
    assert next(p["weight"] for p in result["parts"] if p["name"] == "dates") == 0


def test_removing_dates_lowers_completeness_and_names_the_field():
    before = report()
    content = sample()
    del content["work"][1]["startDate"], content["work"][1]["endDate"]
    after = report(validate_content(content))
    assert part(after, "completeness") < part(before, "completeness")
    assert codes(after)["completeness.work_dates"] == ["work[1].startDate"]
    checks = {check["name"]: check for check in after["completeness"]["checks"]}
    assert checks["work dates"]["score"] == pytest.approx(2 / 3, abs=0.001)
    assert checks["work dates"]["where"] == "work[1].startDate"


def test_missing_basics_are_findings_on_their_fields():
    content = sample()
    for name in ("email", "phone", "summary"):
        del content["basics"][name]
    content["education"] = []
    found = codes(report(content))
    assert found["completeness.email"] == ["basics.email"]
    assert found["completeness.phone"] == ["basics.phone"]
    assert found["completeness.summary"] == ["basics.summary"]
    assert found["completeness.education"] == ["education"]


def test_date_findings_name_the_entry_and_field():
    content = sample()
    work = content["work"]
    work[1]["endDate"] = "present"  # a second current job, and it overlaps work[0]
    work[2]["startDate"], work[2]["endDate"] = "2010-01", "2012-01"  # then 4 years of nothing
    work.append({"name": "Later Co", "position": "Engineer", "startDate": "2025-01",
                 "endDate": "2026-01"})
    content["awards"][0]["date"] = "2030"
    result = report(validate_content(content))
    found = codes(result)
    assert found["dates.several_current"] == ["work[1].endDate"]
    assert "work[0].startDate" in found["dates.overlap"]
    assert found["dates.gap"] == ["work[1].startDate"]
    assert found["dates.future_start"] == ["work[3].startDate"]
    assert found["dates.future_end"] == ["work[3].endDate"]
    assert found["dates.future_date"] == ["awards[0].date"]
    severities = {f["code"]: f["severity"] for f in result["findings"]}
    assert severities["dates.overlap"] == "info"  # overlapping jobs are only worth knowing
    assert part(result, "dates") < part(report(), "dates")


def test_start_after_end_is_a_problem_even_in_content_validation_would_refuse():
    content = sample()
    content["volunteer"][0]["startDate"], content["volunteer"][0]["endDate"] = "2022", "2018"
    found = codes(report(content))
    assert found["dates.start_after_end"] == ["volunteer[0].startDate"]


def test_an_expected_graduation_is_information_not_a_warning():
    content = sample()
    content["education"][0]["endDate"] = "2026-07"
    result = report(validate_content(content))
    finding = next(f for f in result["findings"] if f["code"] == "dates.future_end")
    assert (finding["where"], finding["severity"]) == ("education[0].endDate", "info")


def test_a_template_ats_cannot_read_and_a_photo_are_findings():
    assert "format.template" not in codes(report(template="modern"))
    unsafe = report(template="creative")
    assert codes(unsafe)["format.template"] == ["template"]
    assert unsafe["findings"][0]["severity"] == "problem"  # problems come first
    assert part(unsafe, "formats") < part(report(template="modern"), "formats")
    with pytest.raises(ValueError, match="not a template"):
        report(template="baroque")
    content = sample()
    content["photo"] = "8d2f6a0e-1f4b-4c7e-9a51-3c1f0e6b2d77"
    assert codes(report(validate_content(content)))["format.photo"] == ["photo"]


def test_contact_details_only_in_the_summary_are_a_problem_on_basics():
    content = sample()
    del content["basics"]["email"], content["basics"]["phone"]
    content["basics"]["summary"] += "\nWrite to zoe@example.com or call +48 22 555 01 23."
    found = codes(report(validate_content(content)))
    assert sorted(found["format.contact_in_text"]) == ["basics.email", "basics.phone"]


def test_custom_sections_with_unusual_or_missing_headings_are_named():
    content = sample()
    item = {"title": "Ran a marathon", "summary": "Berlin, 3:58"}
    content["custom"] = [
        {"id": "journey", "title": "My Journey", "items": [item]},
        {"id": "certs", "title": "Certifications", "items": [item]},
        {"id": "untitled", "title": "", "items": [item]},
        {"id": "contact", "title": "Contact details", "items": [item]},
    ]
    found = codes(report(validate_content(content)))
    assert found["format.custom_heading_unusual"] == ["custom[0].title"]
    assert found["format.custom_heading_standard"] == ["custom[1].title"]
    assert found["format.custom_heading_missing"] == ["custom[2].title"]
    assert found["format.custom_heading_contact"] == ["custom[3].title"]


def test_a_hidden_section_is_not_read_and_is_a_finding():
    content = sample()
    content["meta"]["hidden"] = ["skills", "projects"]
    result = report(validate_content(content))
    assert codes(result)["format.section_hidden"] == ["meta.hidden[0]", "meta.hidden[1]"]
    assert codes(result)["completeness.skills"] == ["skills"]
    assert result["skills"]["matched"] == []


def test_length_counts_words_and_flags_long_bullets():
    content = sample()
    content["work"][0]["highlights"][1] = " ".join(["word"] * 45)
    result = report(validate_content(content))
    assert result["length"]["long_bullets"] == 1
    assert codes(result)["length.long_bullet"] == ["work[0].highlights[1]"]
    short = report({"basics": {"name": "A", "summary": "Engineer."}})
    assert short["length"]["words"] == 2
    assert codes(short)["length.short"] == [""]


def test_without_an_ad_the_coverage_is_unknown_and_the_rest_share_the_points():
    result = report(text="", job_title="")
    assert part(result, "keywords") is None and part(result, "skills") is None
    weights = {p["name"]: p["weight"] for p in result["parts"]}
    assert weights["keywords"] == 0 and weights["skills"] == 0
    assert sum(weights.values()) == pytest.approx(1.0, abs=0.01)  # each share is rounded
    assert weights["completeness"] == pytest.approx(15 / 45, abs=0.001)


def test_unicode_is_folded_and_other_scripts_do_not_break_tokenising():
    full_width_python = "\uff30\uff39\uff34\uff28\uff2f\uff2e"
    assert fold(f"Zoë Łukasiewicz-Núñez, Straße, {full_width_python}") == (
        "zoe lukasiewicz-nunez, strasse, python")
    assert fold("データ") == "データ"  # Japanese voicing marks are part of the letters
    assert runs("東京データ株式会社でPythonを使う。経験3年以上") == [
        ["東京データ株式会社で", "python", "を使う"], ["経験", "3", "年以上"]]
    assert runs("C++, C#, .NET, node.js, R&D") == [["c++"], ["c#"], [".net"], ["node.js"],
                                                   ["r&d"]]
    arabic = "\u062c\u0627\u0645\u0639\u0629"  # "university", escaped: it looks like Latin
    text = f"要件：Kubernetes、Go言語、PostgreSQL\n{arabic} 🚀 Ελληνικά ñandú \u200b"
    result = report(text=text, job_title="バックエンドエンジニア")
    assert "Kubernetes" in {t["name"] for t in result["keywords"]["matched"]}
    assert 0 <= result["score"] <= 100


def max_size_content() -> dict:
    """A CV at the content model's limits: every work entry and highlight the model allows,
    filled until the document is just under its byte limit."""
    highlight = ("Rebuilt the settlement ledger in Go and PostgreSQL on Kubernetes, cutting "
                 "payout time for merchants across twelve countries")
    work = [{"name": f"Company {n}", "position": "Senior Backend Engineer",
             "startDate": f"{1975 + n // 2}-{(n % 2) * 6 + 1:02d}",
             "endDate": f"{1975 + n // 2}-{(n % 2) * 6 + 6:02d}",
             "highlights": [f"{highlight} {n}.{k}" for k in range(HIGHLIGHTS)]}
            for n in range(ENTRIES)]
    content = {"basics": {"name": "Max", "email": "max@example.com"}, "work": work,
               "skills": [{"name": "Backend", "keywords": [f"skill {k}" for k in range(KEYWORDS)]}]}
    while len(json.dumps(content, ensure_ascii=False).encode()) > MAX_CONTENT_BYTES * 0.98:
        content["work"].pop()
    return validate_content(content)


def test_a_cv_and_an_ad_at_their_largest_are_analysed():
    content = max_size_content()
    text = ad() + "\n" + "\n".join(f"- Experience with Kubernetes, service {n} and Go"
                                   for n in range(2000))
    result = report(content, text)
    assert result["length"]["words"] > 20_000
    assert "length.long" in codes(result)
    assert 0 <= result["score"] <= 100
