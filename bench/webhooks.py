"""Stripe webhook handling in the billing service: events/s and latency per delivery, for
deliveries that pass signature verification and write to the database.

One billing process (`python -m billing.main serve`, its database migrated first) on real
PostgreSQL/NATS/Redis (started here unless POSTGRES_URL / NATS_URL / REDIS_URL are set), and the
fake Stripe API in a process of its own, so that neither shares an interpreter with the load
generator. Every body is built and signed before the clock starts; each delivery is one POST to
billing's /webhooks/stripe, and an answer that is not 2xx with the expected outcome is an error.

* unknown_type: `charge.refunded` events with unique ids, which billing records but does not act
  on: verify, record (insert, outcome update). The floor.
* duplicate: one event billing has already applied, redelivered: verify, dedupe (the insert finds
  the id and does nothing).
* subscription_updated: `customer.subscription.updated`, one per subscription, for subscriptions
  made beforehand by real checkouts (CreateCheckout as the user, paid at the fake, its webhooks
  applied). The fake has since set each to cancel at period end with its webhooks switched off,
  so every delivery takes the full path: verify, record, lock, re-read from the fake Stripe,
  upsert, two outbox rows (subscription.updated, subscription.cancelled).

The PostgreSQL started here runs with fsync and synchronous_commit off (as in the tests): commits
cost less than on a durable server, so read the figures as an upper bound.

    python -m bench.webhooks [--requests 2000] [--subscription-updates 500] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.harness import Result, emit, infrastructure, measure
from career.billing.v1 import billing_pb2, billing_pb2_grpc
from career_kit import context
from career_kit.db import sync_url
from career_kit.grpc.client import create_channel
from devstack.fakes.payments import STRIPE_KEY, STRIPE_WEBHOOK_SECRET, start_local_payments
from devstack.fakes.stripe import API_VERSION, FakeStripe
from devstack.servers import free_port

INTERNAL_SECRET = "bench-internal-secret"
WEBHOOK_PATH = "/webhooks/stripe"
# How many checkouts (and, later, cancellations at the fake) run at once while setting up.
SETUP_CONCURRENCY = 16


@dataclass(frozen=True)
class Billing:
    """Where the billing process under test listens, and its database."""

    http_url: str
    grpc_target: str
    database_url: str
    fake_stripe_url: str


@dataclass(frozen=True)
class SignedDelivery:
    body: bytes
    headers: dict[str, str]


# --------------------------------------------------------------------------- the processes


@contextmanager
def database(admin_url: str) -> Iterator[str]:
    """A fresh database for billing on the server of `admin_url`, dropped afterwards."""
    name = f"bench_billing_{uuid.uuid4().hex[:8]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(sync_url(admin_url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _serve_fake_stripe(webhook_base: str, answer: Any, stop: Any) -> None:
    """Child process: the fake Stripe with the plans' prices, posting to `webhook_base`."""
    payments, env = start_local_payments(webhook_base, stripe=True, paypal=False)
    answer.put(env)
    stop.wait()
    payments.stop()


@contextmanager
def fake_stripe_process(webhook_base: str) -> Iterator[dict[str, str]]:
    """The fake Stripe in its own process; yields the billing settings that point at it."""
    spawn = multiprocessing.get_context("spawn")
    answer, stop = spawn.Queue(), spawn.Event()
    process = spawn.Process(target=_serve_fake_stripe, args=(webhook_base, answer, stop),
                            name="fake-stripe", daemon=True)
    process.start()
    try:
        yield answer.get(timeout=60)
    finally:
        stop.set()
        process.join(15)
        if process.is_alive():
            process.terminate()
            process.join()


@contextmanager
def billing_process(env: dict[str, str], http_url: str, log_path: Path) -> Iterator[None]:
    """Migrate billing's database, run `billing.main serve` until /readyz answers, stop it."""
    migrated = subprocess.run([sys.executable, "-m", "billing.main", "migrate"], env=env,
                              capture_output=True, text=True, timeout=120)
    if migrated.returncode:
        raise RuntimeError(f"billing migrate failed:\n{migrated.stdout}{migrated.stderr}")
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "billing.main", "serve"], env=env,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=2) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"billing exited with {process.returncode}:\n"
                                       + "\n".join(log_path.read_text().splitlines()[-20:]))
                try:
                    if client.get(f"{http_url}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("billing was not ready after 60s")
                time.sleep(0.1)
        yield
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def billing_under_test(root: Path) -> Iterator[Billing]:
    """Servers, a migrated database, the fake Stripe and billing; all gone on exit."""
    with infrastructure(root) as (postgres_url, nats_url, redis_url), \
            database(postgres_url) as database_url:
        grpc_port, http_port = free_port(), free_port()
        http_url = f"http://127.0.0.1:{http_port}"
        with fake_stripe_process(http_url) as stripe_env:
            run = uuid.uuid4().hex[:8]
            env = {
                **os.environ,
                "ENVIRONMENT": "development",
                "LOG_LEVEL": "WARNING",
                "INTERNAL_SECRET": INTERNAL_SECRET,
                "NATS_URL": nats_url,
                "REDIS_URL": redis_url,
                # Apart from anything else on a shared NATS/Redis.
                "EVENTS_NAMESPACE": f"bench_{run}",
                "REDIS_KEY_PREFIX": f"bench:{run}:",
                "BILLING_DATABASE_URL": database_url,
                "BILLING_HOST": "127.0.0.1",
                "BILLING_GRPC_PORT": str(grpc_port),
                "BILLING_HTTP_PORT": str(http_port),
                "PYTHONUNBUFFERED": "1",
                **stripe_env,
            }
            with billing_process(env, http_url, root / "billing.log"):
                yield Billing(http_url, f"127.0.0.1:{grpc_port}", database_url,
                              stripe_env["STRIPE_API_BASE"])


# --------------------------------------------------------------------------- events


def _id(prefix: str) -> str:
    return f"{prefix}_bench{uuid.uuid4().hex[:20]}"


class Signer:
    """Bodies as Stripe sends them (indented JSON) with the fake's `Stripe-Signature`."""

    def __init__(self) -> None:
        self._stripe = FakeStripe(webhook_secret=STRIPE_WEBHOOK_SECRET)   # never started

    def __call__(self, event: dict[str, Any]) -> SignedDelivery:
        body = json.dumps(event, indent=2).encode()
        return SignedDelivery(body, {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": self._stripe.sign(body),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})


def charge_refunded() -> dict[str, Any]:
    """A refund: an event type billing records but has no handler for."""
    charge = {
        "id": _id("ch"), "object": "charge", "amount": 2999, "amount_captured": 2999,
        "amount_refunded": 2999, "captured": True, "currency": "usd", "customer": _id("cus"),
        "description": None, "metadata": {}, "paid": True, "payment_intent": _id("pi"),
        "refunded": True, "status": "succeeded",
    }
    return {"id": _id("evt"), "object": "event", "api_version": API_VERSION,
            "created": int(time.time()), "data": {"object": charge,
                                                  "previous_attributes": {"amount_refunded": 0,
                                                                          "refunded": False}},
            "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "type": "charge.refunded"}


# --------------------------------------------------------------------------- set-up


async def _rows(billing: Billing, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(sync_url(billing.database_url))
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def _bounded(calls: list[Callable[[], Any]], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def run(call: Callable[[], Any]) -> None:
        async with gate:
            await call()

    await asyncio.gather(*(run(call) for call in calls))


async def subscribe(billing: Billing, fake: httpx.AsyncClient, users: int) -> list[str]:
    """`users` new users each check out Pro through billing and pay at the fake; returns the
    subscription ids once billing has applied every webhook the fake sent."""
    channel = create_channel(billing.grpc_target, INTERNAL_SECRET, default_timeout=30)
    stub = billing_pb2_grpc.BillingServiceStub(channel)

    async def checkout() -> None:
        # As the gateway calls for a signed-in user: the caller travels as metadata.
        token = context.caller.set(context.Caller(str(uuid.uuid4())))
        try:
            session = await stub.CreateCheckout(
                billing_pb2.CreateCheckoutRequest(purchase=billing_pb2.PURCHASE_PRO))
        finally:
            context.caller.reset(token)
        (await fake.post(f"/__fake/checkout/{session.id}/complete")).raise_for_status()

    try:
        await _bounded([checkout] * users, SETUP_CONCURRENCY)
    finally:
        await channel.close()
    # Every event is emitted by now (the fake emits while answering); wait for their deliveries.
    emitted = {event["id"] for event in (await fake.get("/__fake/events")).json()}
    # The fake delivers one at a time, so this takes a while: give up only when nothing moves.
    patience = 60.0
    answered: set[str] = set()
    deadline = time.monotonic() + patience
    while True:
        deliveries = (await fake.get("/__fake/deliveries")).json()
        now_answered = {d["event_id"] for d in deliveries if 200 <= d["status"] < 300}
        if emitted <= now_answered:
            break
        if len(now_answered) > len(answered):
            answered, deadline = now_answered, time.monotonic() + patience
        elif time.monotonic() > deadline:
            failed = Counter(d["status"] for d in deliveries if not 200 <= d["status"] < 300)
            raise TimeoutError(f"{len(emitted - now_answered)} of {len(emitted)} webhooks "
                               f"not applied, none for {patience:.0f}s; failed attempts by "
                               f"status: {dict(failed)}")
        await asyncio.sleep(0.5)
    rows = await _rows(billing, "SELECT provider_subscription_id FROM subscriptions "
                                "WHERE status = 'active' AND NOT cancel_at_period_end")
    if len(rows) != users:
        raise RuntimeError(f"{len(rows)} active subscriptions after {users} checkouts")
    return [row[0] for row in rows]


async def quiet_cancellations(fake: httpx.AsyncClient,
                              subscription_ids: list[str]) -> list[dict[str, Any]]:
    """Set each subscription to cancel at period end at the fake with its webhooks off;
    returns the customer.subscription.updated events it emitted, for us to deliver."""
    (await fake.post("/__fake/webhook", json={"url": None})).raise_for_status()
    key = {"Authorization": f"Bearer {STRIPE_KEY}"}

    def cancel(subscription_id: str) -> Callable[[], Any]:
        async def call() -> None:
            (await fake.post(f"/v1/subscriptions/{subscription_id}", headers=key,
                             data={"cancel_at_period_end": "true"})).raise_for_status()
        return call

    await _bounded([cancel(s) for s in subscription_ids], SETUP_CONCURRENCY)
    wanted = set(subscription_ids)
    events = [e for e in (await fake.get(
        "/__fake/events", params={"type": "customer.subscription.updated"})).json()
        if e["data"]["object"]["id"] in wanted and e["data"]["object"]["cancel_at_period_end"]]
    if len(events) != len(subscription_ids):
        raise RuntimeError(f"{len(events)} update events for {len(subscription_ids)} "
                           "cancellations")
    return events


# --------------------------------------------------------------------------- the runs


async def deliver(http: httpx.AsyncClient, signed: list[SignedDelivery], outcome: str, *,
                  requests: int, concurrency: int, warmup: int) -> tuple[Result, dict]:
    """POST `warmup` + `requests` prepared deliveries, in order; an answer that is not 2xx
    with `outcome` is an error. Returns the timings and the wrong answers by kind."""
    assert len(signed) == warmup + requests
    pending = iter(signed)
    wrong: Counter[str] = Counter()

    async def post() -> None:
        delivery = next(pending)
        response = await http.post(WEBHOOK_PATH, content=delivery.body,
                                   headers=delivery.headers)
        answered = response.json().get("outcome") if response.is_success else None
        if answered != outcome:
            wrong[f"{response.status_code} {answered or response.text[:80]}"] += 1
            raise RuntimeError(f"webhook answered {response.status_code}: {response.text}")

    result = await measure(post, requests=requests, concurrency=concurrency, warmup=warmup)
    return result, dict(wrong)


async def run(billing: Billing, *, requests: int, updates: int, concurrency: int,
              warmup: int) -> dict[str, Any]:
    sign = Signer()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=billing.http_url, limits=limits, timeout=30) as http, \
            httpx.AsyncClient(base_url=billing.fake_stripe_url, timeout=60) as fake:
        setup_started = time.perf_counter()
        subscription_ids = await subscribe(billing, fake, updates + warmup)
        setup_seconds = round(time.perf_counter() - setup_started, 1)
        results: dict[str, Any] = {}

        signed = [sign(charge_refunded()) for _ in range(warmup + requests)]
        timed, wrong = await deliver(http, signed, "ignored", requests=requests,
                                     concurrency=concurrency, warmup=warmup)
        results["unknown_type"] = {**asdict(timed), "wrong_answers": wrong}

        applied = sign(charge_refunded())
        first = await http.post(WEBHOOK_PATH, content=applied.body, headers=applied.headers)
        if first.json().get("outcome") != "ignored":
            raise RuntimeError(f"the event to redeliver was not applied: {first.text}")
        timed, wrong = await deliver(http, [applied] * (warmup + requests), "duplicate",
                                     requests=requests, concurrency=concurrency,
                                     warmup=warmup)
        results["duplicate"] = {**asdict(timed), "wrong_answers": wrong}

        events = await quiet_cancellations(fake, subscription_ids)
        outbox = "SELECT count(*) FROM event_outbox WHERE event_type = 'subscription.{}'"
        before = [(await _rows(billing, outbox.format(kind)))[0][0]
                  for kind in ("updated", "cancelled")]
        signed = [sign(event) for event in events]
        timed, wrong = await deliver(http, signed, "handled", requests=updates,
                                     concurrency=concurrency, warmup=warmup)
        after = [(await _rows(billing, outbox.format(kind)))[0][0]
                 for kind in ("updated", "cancelled")]
        results["subscription_updated"] = {
            **asdict(timed), "wrong_answers": wrong, "subscriptions": len(subscription_ids),
            "setup_seconds": setup_seconds,
            # Two per delivery (warm-up included) when every one took the full path.
            "outbox_rows_written": {"subscription.updated": after[0] - before[0],
                                    "subscription.cancelled": after[1] - before[1]},
        }
    expected_outbox = warmup + updates
    valid = (all(results[name]["errors"] == 0 for name in results)
             and all(count == expected_outbox for count in
                     results["subscription_updated"]["outbox_rows_written"].values()))
    return {"concurrency": concurrency, "warmup": warmup, "valid": valid, **results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000,
                        help="deliveries timed for unknown_type and for duplicate")
    parser.add_argument("--subscription-updates", type=int, default=500,
                        help="deliveries timed for subscription_updated (one subscription each)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=50,
                        help="untimed deliveries before each run")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="career-bench-webhooks-"))
    load_before = os.getloadavg()
    try:
        with billing_under_test(root) as billing:
            results = asyncio.run(run(billing, requests=args.requests,
                                      updates=args.subscription_updates,
                                      concurrency=args.concurrency, warmup=args.warmup))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    # Other work on the machine moves these figures; say how busy it was.
    emit("webhooks", **results, load_average_1m={"before": round(load_before[0], 2),
                                                 "after": round(os.getloadavg()[0], 2)})
    if not results["valid"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
