"""CV-to-job matching without a model: each part's score and reason, the overall score moving
the way the CV or the job changes, weights renormalised over the parts that are known, and
the same inputs giving the same report."""

import dataclasses
import datetime
import json
import random

import pytest

from cv.analysis.match import WEIGHTS, Job, match, required_years, vector_similarity
from cv.content.fields import ENTRIES, HIGHLIGHTS, MAX_CONTENT_BYTES
from cv.content.schema import validate_content
from devstack.samples.resumes import full_resume

TODAY = datetime.date(2024, 6, 1)
SKILLS = ["Go", "Python", "PostgreSQL", "Kubernetes", "Kafka", "Terraform"]
DESCRIPTION = """We run the ledger behind payouts for European merchants.

Requirements
- 5+ years of experience with distributed systems
- Go, Python, PostgreSQL, Kubernetes, Kafka and Terraform
- Experience with Prometheus and Grafana
"""
JOB = Job(title="Senior Backend Engineer", description=DESCRIPTION, skills=SKILLS,
          location="Warsaw, Poland", remote=False, seniority="Senior",
          salary_min=20_000, salary_max=26_000, currency="PLN")


def sample() -> dict:
    return validate_content(full_resume())


def run(content: dict | None = None, job: Job = JOB, **options) -> dict:
    options.setdefault("today", TODAY)
    return match(sample() if content is None else content, job, **options).to_dict()


def parts(result: dict) -> dict[str, dict]:
    return {part["name"]: part for part in result["parts"]}


def test_the_same_cv_and_job_give_the_same_report_byte_for_byte():
    first = json.dumps(run(expected_salary=24_000, embedding_similarity=0.8),
                       ensure_ascii=False)
    again = json.dumps(run(expected_salary=24_000, embedding_similarity=0.8),
                       ensure_ascii=False)
    assert first == again


def test_the_order_of_the_jobs_skills_changes_nothing():
    expected = run()
    shuffler = random.Random(7)
    for _ in range(5):
        skills = SKILLS[:]
        shuffler.shuffle(skills)
        listed = ", ".join(skills)
        job = dataclasses.replace(JOB, skills=skills, description=DESCRIPTION.replace(
            "Go, Python, PostgreSQL, Kubernetes, Kafka and Terraform", listed))
        assert run(job=job) == expected


def test_every_part_has_a_score_a_weight_and_a_reason():
    result = run(expected_salary=24_000)
    assert list(parts(result)) == ["skills", "title", "seniority", "location", "salary"]
    for part in result["parts"]:
        assert 0 <= part["score"] <= 1 and part["reason"]
    assert sum(part["weight"] for part in result["parts"]) == pytest.approx(1.0, abs=0.01)
    assert 0 <= result["score"] <= 100
    assert "Apache Kafka" in result["missing_skills"]
    assert "Kubernetes" in result["matched_skills"]
    assert "Apache Kafka" in parts(result)["skills"]["reason"]


def test_adding_a_missing_skill_raises_the_match():
    before = run()
    content = sample()
    content["skills"][0]["keywords"].append("Apache Kafka")
    after = run(content)
    assert "Apache Kafka" in after["matched_skills"]
    assert parts(after)["skills"]["score"] > parts(before)["skills"]["score"]
    assert after["score"] > before["score"]


def test_a_skill_named_only_in_the_text_counts_less_than_a_listed_one():
    content = sample()
    content["work"][0]["highlights"].append("Moved settlement onto Kafka")
    in_text = run(content)
    content = sample()
    content["skills"][0]["keywords"].append("Kafka")
    listed = run(content)
    assert parts(run())["skills"]["score"] < parts(in_text)["skills"]["score"] < parts(
        listed)["skills"]["score"]
    assert "only in your text" in parts(in_text)["skills"]["reason"]


@pytest.mark.parametrize(("job_skill", "cv_keyword"), [
    ("k8s", "Kubernetes"), ("Kubernetes", "k8s"), ("postgres", "PostgreSQL"),
    ("Golang", "Go"), ("js", "JavaScript"), ("Kafka Streams", "kafka streams"),
])
def test_aliases_match(job_skill, cv_keyword):
    content = sample()
    content["skills"] = [{"name": "Tools", "keywords": [cv_keyword]}]
    result = run(content, Job(title="Engineer", skills=[job_skill]))
    assert parts(result)["skills"]["score"] == 1.0
    assert result["missing_skills"] == []


def test_a_job_in_another_country_that_is_not_remote_lowers_location_fit():
    here = parts(run())["location"]
    assert here["score"] == 1.0  # "Warsaw" is the CV's "Warszawa"
    abroad = parts(run(job=dataclasses.replace(JOB, location="Berlin, Germany")))["location"]
    unstated = parts(run(job=dataclasses.replace(JOB, location="Berlin", remote=None)))[
        "location"]
    remote = parts(run(job=dataclasses.replace(JOB, location="Berlin", remote=True)))[
        "location"]
    same_country = parts(run(job=dataclasses.replace(JOB, location="Kraków, PL")))["location"]
    assert abroad["score"] == 0.0 and "not remote" in abroad["reason"]
    assert 0 < unstated["score"] < same_country["score"] < here["score"]
    assert remote["score"] == 1.0
    assert parts(run(job=dataclasses.replace(JOB, location="Remote (EU)", remote=None)))[
        "location"]["score"] == 1.0
    assert run(job=dataclasses.replace(JOB, location="Berlin, Germany"))["score"] < run()[
        "score"]


def test_location_is_unknown_when_either_side_does_not_say():
    assert parts(run(job=dataclasses.replace(JOB, location="")))["location"]["score"] is None
    content = sample()
    del content["basics"]["location"]
    assert parts(run(content))["location"]["score"] is None


def test_title_similarity_prefers_the_same_line_of_work():
    same = parts(run())["title"]
    other = parts(run(job=dataclasses.replace(JOB, title="Senior Pastry Chef")))["title"]
    assert same["score"] > other["score"]
    assert "Senior Backend Engineer" in same["reason"]
    developer = parts(run(job=dataclasses.replace(JOB, title="Back-end Developer (m/w/d)")))[
        "title"]
    assert developer["score"] == pytest.approx(same["score"])  # the same words, spelled apart


def test_seniority_compares_levels_and_years_computed_from_work_dates():
    result = run()
    assert result["years_of_experience"] == 11.5  # 2013-01 to today, with no gaps
    senior = parts(result)["seniority"]
    junior = parts(run(job=dataclasses.replace(JOB, title="Junior Engineer", seniority=None)))[
        "seniority"]
    assert junior["score"] < senior["score"]
    assert "below" not in senior["reason"] and "above" in junior["reason"]
    content = sample()
    content["basics"]["label"] = "Engineer"
    content["work"][0]["position"] = "Engineer"
    years_only = parts(run(content, dataclasses.replace(JOB, seniority="Principal")))
    assert "11.5 years of experience" in years_only["seniority"]["reason"]
    assert required_years("3-5 Jahre Berufserfahrung mit Go") == 3
    assert required_years("We were founded 12 years ago.\n2+ years of experience") == 2


def test_salary_fits_up_to_the_jobs_maximum_and_is_unknown_without_both_numbers():
    assert parts(run(expected_salary=24_000))["salary"]["score"] == 1.0
    over = parts(run(expected_salary=28_600))["salary"]
    assert over["score"] == pytest.approx(0.8) and "10% more" in over["reason"]
    assert parts(run())["salary"]["score"] is None
    other = parts(run(expected_salary=6_000, expected_currency="EUR"))["salary"]
    assert other["score"] is None and "not compared" in other["reason"]
    unknown = dataclasses.replace(JOB, salary_min=None, salary_max=None)
    assert parts(run(job=unknown, expected_salary=24_000))["salary"]["score"] is None


def test_weights_are_renormalised_over_the_parts_that_are_known():
    result = run(job=Job(title="Software Engineer"))
    known = {name: part["weight"] for name, part in parts(result).items()
             if part["score"] is not None}
    assert set(known) == {"title"}
    assert known["title"] == 1.0
    assert result["score"] == round(100 * parts(result)["title"]["score"])


def test_an_embedding_similarity_becomes_one_more_part():
    without = run()
    assert "embedding" not in parts(without)
    close = run(embedding_similarity=0.95)
    far = run(embedding_similarity=-0.3)
    assert parts(close)["embedding"]["weight"] == pytest.approx(
        WEIGHTS["embedding"] / (sum(WEIGHTS.values()) - WEIGHTS["salary"]), abs=0.001)
    assert parts(far)["embedding"]["score"] == 0.0  # a negative cosine is no similarity
    assert far["score"] < without["score"] < close["score"]


def test_vector_similarity_is_the_cosine():
    assert vector_similarity([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == pytest.approx(1.0)
    assert vector_similarity([1.0, 0.0], [0.0, 1.0]) == 0.0
    assert vector_similarity([1.0, 1.0], [-1.0, -1.0]) == pytest.approx(-1.0)
    assert vector_similarity([0.0, 0.0], [1.0, 1.0]) == 0.0
    vector = [random.Random(3).uniform(-1, 1) for _ in range(1536)]
    assert vector_similarity(vector, list(reversed(vector))) == vector_similarity(
        list(reversed(vector)), vector)
    with pytest.raises(ValueError, match="differ in length"):
        vector_similarity([1.0], [1.0, 2.0])


def test_unicode_in_the_job_does_not_break_matching():
    job = Job(title="バックエンドエンジニア (Go)", description="要件：Kubernetes、PostgreSQL。",
              skills=["Kubernetes", "日本語"], location="東京", remote=False)
    result = run(job=job)
    assert "Kubernetes" in result["matched_skills"]
    assert parts(result)["location"]["score"] == 0.0  # Tokyo, Japan; the CV is in Poland


def test_a_cv_at_its_largest_is_matched():
    highlight = "Rebuilt the settlement ledger in Go and PostgreSQL on Kubernetes for merchants"
    work = [{"name": f"Company {n}", "position": "Senior Backend Engineer",
             "startDate": f"{1975 + n}-01", "endDate": f"{1975 + n}-12",
             "highlights": [f"{highlight} {n}.{k}" for k in range(HIGHLIGHTS)]}
            for n in range(ENTRIES)]
    content = {"basics": {"name": "Max", "location": {"city": "Warszawa", "countryCode": "PL"}},
               "work": work}
    while len(json.dumps(content).encode()) > MAX_CONTENT_BYTES * 0.98:
        content["work"].pop()
    result = run(validate_content(content), dataclasses.replace(
        JOB, description=DESCRIPTION * 200))
    assert 0 <= result["score"] <= 100
    assert result["years_of_experience"] > 30
