"""ATS analysis and CV-to-job matching, in this process (no stack, no model): analyses and
match scores per second of one core, for the full sample CV (devstack's `full_resume`) and
for a CV at the content model's limits, against a realistic job ad of about 450 words.

* `ats`: `cv.analysis.ats.analyse` one after another for `--seconds`, each on content with one
  character changed (nothing is cached, but a later cache would then not flatter the figure).
* `match`: `cv.analysis.match.match` the same way, with every part known (listed skills,
  seniority, location, salary).
* `ats_largest`, `match_largest`: the same on a CV just under the 200 KB content limit (50
  jobs of 30 highlights each as far as the limit allows, nearly 28,000 words): the worst case
  one request can ask for.

`per_second` is calls over wall time; `cpu_ms_per_call` is what the machine's noise moves
least (compare it across hosts through `machine.reference_cpu_ms`).

    python -m bench.ats_analysis [--seconds 5]
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import string
import time
from collections.abc import Callable

from bench.harness import emit
from cv.analysis.ats import analyse
from cv.analysis.match import Job, match
from cv.content.fields import ENTRIES, HIGHLIGHTS, MAX_CONTENT_BYTES
from cv.content.schema import validate_content
from devstack.samples.resumes import full_resume

TODAY = datetime.date(2024, 6, 1)
WARMUP = 20
TITLE = "Senior Backend Engineer, Payments Platform"
AD = """About us
Lumen Pay builds the payment infrastructure that thousands of European merchants rely on every
day. We move money between card networks, banks and merchants, and we care a great deal about
getting every cent right. Our engineering team of 40 works in small, autonomous squads across
Berlin and Warsaw.

The role
You will join the ledger and settlement squad, which owns the double-entry ledger, the
settlement pipeline and the reconciliation services behind every payout. You will design and
build backend services in Go and Python, run them on Kubernetes, and help us scale the ledger
from millions to billions of entries a year.

What you'll do
- Design, build and operate distributed systems that move money reliably and exactly once
- Evolve our double-entry ledger and settlement pipeline on PostgreSQL
- Build event-driven services with Kafka and gRPC APIs that other squads depend on
- Improve observability with Prometheus, Grafana and OpenTelemetry
- Take part in the on-call rotation and lead incident reviews
- Mentor engineers and review code with care

Requirements
- 5+ years of experience building backend systems in production
- Strong experience with Go or Python, ideally both
- Deep knowledge of PostgreSQL: schema design, query optimization, transactions
- Experience with Kubernetes, Docker and Terraform
- Understanding of distributed systems: idempotency, retries, exactly-once delivery
- Experience with message queues such as Kafka or NATS
- You write clear documentation and communicate well in English

Nice to have
- Experience in payments, card acquiring or fintech
- Familiarity with PCI DSS and GDPR
- Knowledge of AWS or Google Cloud
- German or Polish language skills

What we offer
- A competitive salary between 85,000 and 105,000 EUR and an equity package
- Hybrid work from our Berlin office, or fully remote within the EU
- 30 days of paid holiday, a learning budget and a new laptop
- A team that values boring, observable software and sustainable pace

Our stack
Go, Python, PostgreSQL, Kafka, gRPC, Kubernetes, Terraform, Prometheus, Grafana, GitHub Actions.

How we work
We keep our payment systems simple and our ledger correct. Every change to the ledger goes
through code review, property-based tests and a staged rollout. We write design documents
before we write code, and we share what we learn in internal talks and on our engineering
blog. The settlement pipeline processes payments for merchants in twelve countries, so
reliability and correctness matter more than speed. We prefer small, reversible changes and
clear ownership of every service.

Hiring process
A short call with the hiring manager, a take-home exercise on a small ledger problem, a system
design conversation and a conversation with the team. We answer every application within a
week.
"""
JOB = Job(title=TITLE, description=AD, skills=["Go", "Python", "PostgreSQL", "Kubernetes",
                                               "Kafka", "Terraform"],
          location="Berlin, Germany", remote=False, seniority="Senior",
          salary_min=85_000, salary_max=105_000, currency="EUR")


def largest_cv() -> dict:
    """A CV just under the content limit: jobs of 30 highlights each, as many as fit."""
    highlight = ("Rebuilt the settlement ledger in Go and PostgreSQL on Kubernetes, cutting "
                 "payout time for merchants across twelve countries")
    content = full_resume()
    content["work"] = [
        {"name": f"Company {n}", "position": "Senior Backend Engineer",
         "startDate": f"{1975 + n // 2}-{(n % 2) * 6 + 1:02d}",
         "endDate": f"{1975 + n // 2}-{(n % 2) * 6 + 6:02d}",
         "highlights": [f"{highlight} {n}.{k}" for k in range(HIGHLIGHTS)]}
        for n in range(ENTRIES)]
    while len(json.dumps(content, ensure_ascii=False).encode()) > MAX_CONTENT_BYTES * 0.99:
        content["work"].pop()
    return validate_content(content)


def changed(content: dict, n: int) -> dict:
    """The content with the last character of its first highlight replaced."""
    highlight = content["work"][0]["highlights"][0]
    letter = string.ascii_letters[n % len(string.ascii_letters)]
    content["work"][0]["highlights"][0] = highlight[:-1] + letter
    return content


def timed(call: Callable[[dict], object], content: dict, seconds: float) -> dict:
    for n in range(WARMUP):
        call(changed(content, n))
    latencies: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        started = time.perf_counter()
        call(changed(content, len(latencies)))
        latencies.append(time.perf_counter() - started)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ms = sorted(value * 1000 for value in latencies)
    return {"calls": len(ms), "per_second": round(len(ms) / wall, 1),
            "cpu_ms_per_call": round(cpu * 1000 / len(ms), 3),
            "p50_ms": round(statistics.median(ms), 3),
            "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 3)}


def ats(content: dict) -> object:
    return analyse(content, AD, job_title=TITLE, template="modern", today=TODAY)


def job_match(content: dict) -> object:
    return match(content, JOB, expected_salary=95_000, today=TODAY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    sample, largest = validate_content(full_resume()), largest_cv()
    emit("ats_analysis",
         inputs={"ad_words": len(AD.split()), "cv_words": analyse(sample, "").length.words,
                 "largest_cv_words": analyse(largest, "").length.words,
                 "largest_cv_kb": round(len(json.dumps(largest, ensure_ascii=False).encode())
                                        / 1024, 1),
                 "ats_score": ats(sample).score, "match_score": job_match(sample).score},
         ats=timed(ats, sample, args.seconds),
         match=timed(job_match, sample, args.seconds),
         ats_largest=timed(ats, largest, args.seconds),
         match_largest=timed(job_match, largest, args.seconds))


if __name__ == "__main__":
    main()
