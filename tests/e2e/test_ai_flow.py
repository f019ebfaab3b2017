"""AI on a CV through the gateway, against the dev stack's fake OpenAI: a free plan's three AI
requests, the fourth refused with the plan that allows more, more after upgrading; a provider
outage or timeout answered with a 502/504 problem and no request used; a suggestion that
invents an employer dropped."""

from __future__ import annotations

import io
import uuid

import docx
import pypdf

from .test_billing_flow import _subscribe, _until

WORK = [{"name": "Kestrel Payments", "position": "Backend Engineer", "startDate": "2021-03",
         "highlights": ["Made settlement faster for 40,000 merchants",
                        "Wrote the ledger service"]}]


def _signed_in_with_cv(new_browser):
    browser = new_browser()
    browser.sign_up_and_in(f"ai-{uuid.uuid4().hex[:8]}@example.com")
    cv = browser.call("POST", "/cvs", bearer=browser.access_token, json={
        "content": {"basics": {"name": "Ada"}, "work": WORK}}).json()
    return browser, cv["id"]


def _used(browser) -> int:
    entitlements = browser.call("GET", "/api/plans/entitlements",
                                bearer=browser.access_token).json()
    return next(x["used"] for x in entitlements["limits"] if x["feature"] == "ai_requests")


def _enhance(browser, cv_id: str):
    return browser.call("POST", "/ai/enhance", bearer=browser.access_token,
                        json={"cv_id": cv_id, "section": "work", "tone": "confident"})


def test_a_free_plan_has_three_ai_requests_and_pro_has_more(stack, new_browser) -> None:
    ada, cv_id = _signed_in_with_cv(new_browser)
    for _ in range(3):
        enhanced = _enhance(ada, cv_id)
        assert enhanced.status_code == 200, enhanced.text
        assert enhanced.json()["cv_version"] == 1

    refused = _enhance(ada, cv_id)

    assert refused.status_code == 429, refused.text
    problem = refused.json()
    assert problem["type"].endswith("ai-quota-exceeded") and "Pro" in problem["detail"]
    usage = ada.call("GET", "/ai/usage", bearer=ada.access_token).json()["calls"]
    assert [c["outcome"] for c in usage] == ["ok"] * 3
    assert all(c["provider"] == "openai" and c["input_tokens"] > 0 for c in usage)

    _subscribe(stack, ada, "pro")
    _until(lambda: _used(ada) == 0 and ada.call(
        "GET", "/api/plans/entitlements", bearer=ada.access_token).json()["plan"] == "pro",
        within=10.0)
    assert _enhance(ada, cv_id).status_code == 200


def test_a_provider_outage_is_a_502_and_a_hang_a_504_and_neither_uses_a_request(
        stack, new_browser) -> None:
    ada, cv_id = _signed_in_with_cv(new_browser)
    openai = stack.llms.openai

    openai.script({"status": 500}, {"status": 500}, {"status": 500})
    failed = _enhance(ada, cv_id)
    assert failed.status_code == 502, failed.text
    assert failed.json()["type"].endswith("ai-provider-failed")
    openai.script({"delay": 5}, {"delay": 5}, {"delay": 5})
    hung = _enhance(ada, cv_id)
    assert hung.status_code == 504, hung.text

    assert _used(ada) == 0
    outcomes = [c["outcome"] for c in ada.call("GET", "/ai/usage",
                                               bearer=ada.access_token).json()["calls"]]
    assert outcomes == ["failed:timeout", "failed:unavailable"]


def test_a_suggestion_that_invents_an_employer_is_dropped(stack, new_browser) -> None:
    ada, cv_id = _signed_in_with_cv(new_browser)
    stack.llms.openai.script({"answer": {"suggestions": [
        {"path": "work[0].highlights[0]", "reason": "stronger verb",
         "suggested": "Cut settlement time for 40,000 merchants"},
        {"path": "work[0].highlights[1]", "reason": "more impressive",
         "suggested": "Wrote the ledger service later adopted by Google"}]}})

    enhanced = _enhance(ada, cv_id)

    assert enhanced.status_code == 200, enhanced.text
    body = enhanced.json()
    assert [s["path"] for s in body["suggestions"]] == ["work[0].highlights[0]"]
    assert body["suggestions"][0]["original"] == "Made settlement faster for 40,000 merchants"
    assert {"equal", "replace"} <= {op["op"] for op in body["suggestions"][0]["diff"]}
    [dropped] = body["dropped"]
    assert dropped["path"] == "work[0].highlights[1]" and "name Google" in dropped["unsupported"]
    cv = ada.call("GET", f"/cvs/{cv_id}", bearer=ada.access_token).json()
    assert cv["version"] == 1  # suggestions never change the CV


AD = """Senior Backend Engineer (Payments)
Requirements:
- Python and PostgreSQL in production
- Kubernetes
- Experience with payments or ledgers
Nice to have: Rust, Kafka"""


def test_ats_analysis_and_match_are_free_deterministic_and_move_with_the_cv(new_browser) -> None:
    ada, cv_id = _signed_in_with_cv(new_browser)

    def analysed() -> dict:
        answer = ada.call("POST", "/ai/ats-analysis", bearer=ada.access_token,
                          json={"cv_id": cv_id, "job_text": AD,
                                "job_title": "Senior Backend Engineer"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def matched() -> dict:
        answer = ada.call("POST", "/ai/match", bearer=ada.access_token, json={
            "cv_id": cv_id, "job": {"title": "Senior Backend Engineer", "description": AD,
                                    "skills": ["Python", "Kubernetes"], "remote": True}})
        assert answer.status_code == 200, answer.text
        return answer.json()

    first, again = analysed(), analysed()
    assert first == again and 0 <= first["score"] <= 100
    assert "Kubernetes" in first["missing_keywords"]
    fit = matched()
    assert fit == matched() and {p["name"] for p in fit["parts"]} >= {"skills", "location"}

    cv = ada.call("GET", f"/cvs/{cv_id}", bearer=ada.access_token)
    added = ada.call("PATCH", f"/cvs/{cv_id}/sections/skills", bearer=ada.access_token,
                     json=[{"name": "Platform", "keywords": ["Kubernetes", "Python"]}],
                     headers={"If-Match": cv.headers["etag"]})
    assert added.status_code == 200, added.text

    assert analysed()["score"] > first["score"]
    assert matched()["score"] > fit["score"]
    assert _used(ada) == 0  # no model was asked


def test_a_cover_letter_is_kept_with_the_cv_and_exported_in_its_template(new_browser) -> None:
    ada, cv_id = _signed_in_with_cv(new_browser)
    written = ada.call("POST", "/ai/cover-letter", bearer=ada.access_token, json={
        "cv_id": cv_id, "job_text": AD, "job_title": "Senior Backend Engineer"})
    assert written.status_code == 201, written.text

    [kept] = ada.call("GET", f"/cvs/{cv_id}/cover-letters",
                      bearer=ada.access_token).json()["letters"]
    assert kept["id"] == written.json()["id"] and kept["job_title"] == "Senior Backend Engineer"
    path = f"/cvs/{cv_id}/cover-letters/{kept['id']}/export"
    pdf = ada.call("GET", f"{path}/pdf", bearer=ada.access_token)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Ada" in text and kept["greeting"].split()[0] in text
    word = docx.Document(io.BytesIO(ada.call("GET", f"{path}/docx",
                                             bearer=ada.access_token).content))
    assert any(kept["closing"][:20] in p.text for p in word.paragraphs)
