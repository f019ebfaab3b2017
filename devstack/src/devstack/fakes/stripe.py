"""A fake Stripe API server for tests and offline runs: customers, Checkout, the customer portal,
subscriptions, invoices, events and signed webhook deliveries.

Never used by production code. One Starlette app, served by uvicorn on 127.0.0.1 in a background
thread, speaks the v1 API the way the official `stripe` SDK expects, so the billing service runs
unchanged against it (`base_addresses={"api": fake.url}`):

* Requests: Bearer (or Basic) auth with the configured secret key, form-encoded bodies with
  bracket notation (JSON bodies are refused), `Idempotency-Key` replay for 24 h with
  `Idempotent-Replayed: true` (a reused key with other parameters is an `idempotency_error`),
  `Request-Id` on every response, Stripe's error envelope, `expand[]`.
* Objects in the post-2025 ("basil" and later) shapes: a subscription's period is on its items,
  an invoice names its subscription at `parent.subscription_details.subscription`.
* Webhooks: every event is recorded (`events()`, `GET /v1/events`) and, when a webhook URL is
  set, POSTed with a `Stripe-Signature` the SDK's `Webhook.construct_event` accepts; failed
  deliveries are retried with exponential backoff and every attempt is logged (`deliveries()`).

Nothing is charged and nothing happens by itself: a test (or a developer clicking "Pay" on the
fake's checkout page) completes a Checkout Session, and test controls move subscriptions through
their life (`fail_payment`, `renew`, `end_subscription`). The same controls are served over HTTP
under `/__fake/` for end-to-end tests and browsers in other processes. One more, in Python only:
`hold(path_prefix)` keeps matching API requests unanswered until `release()`, so a test can act
(e.g. kill the client) while the client waits for Stripe.

    with FakeStripe(webhook_url="http://127.0.0.1:8005/webhooks/stripe",
                    webhook_secret="whsec_test") as fake:
        fake.add_price("price_pro_monthly", product="prod_pro", unit_amount=1900)
        ...  # the code under test creates a Checkout Session through the SDK
        fake.complete_checkout(session_id, shuffle=True, duplicate=True)
        fake.wait_for_deliveries()
"""

from __future__ import annotations

import asyncio
import base64
import calendar
import contextlib
import copy
import hashlib
import heapq
import hmac
import html
import itertools
import json
import logging
import random
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from devstack.fakes.serving import ThreadedApp

log = logging.getLogger(__name__)

# The version the stripe SDK 16.x pins; events are rendered in it.
API_VERSION = "2026-10-28.endive"
# The shapes rendered here (periods on subscription items, invoice.parent) exist from this
# version on; a client pinned to an older one would expect fields this fake never sends.
OLDEST_API_VERSION = "2025-03-31"
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
CHECKOUT_TTL_SECONDS = 24 * 3600
# Stripe retries a failed renewal charge over days ("smart retries"); the fake promises the next
# attempt three days out and gives up after the fourth.
RETRY_INTERVAL_SECONDS = 3 * 24 * 3600
MAX_PAYMENT_ATTEMPTS = 4
DAY = 24 * 3600

PRORATION_BEHAVIORS = ("create_prorations", "none", "always_invoice")
INTERVALS = ("day", "week", "month", "year")
VERSION = re.compile(r"^(\d{4}-\d{2}-\d{2})(\.[a-z]+)?$")
BRACKETS = re.compile(r"\[([^\[\]]*)\]")

CUSTOMER_PARAMS = {"email", "name", "metadata", "description", "phone", "address",
                   "preferred_locales", "expand"}
CHECKOUT_PARAMS = {"mode", "line_items", "success_url", "cancel_url", "client_reference_id",
                   "customer", "customer_email", "metadata", "subscription_data",
                   "allow_promotion_codes", "automatic_tax", "billing_address_collection",
                   "ui_mode", "locale", "customer_creation", "payment_method_types", "expand"}
PORTAL_PARAMS = {"customer", "return_url", "configuration", "flow_data", "locale",
                 "on_behalf_of", "expand"}
SUBSCRIPTION_UPDATE_PARAMS = {"cancel_at_period_end", "items", "proration_behavior", "metadata",
                              "cancellation_details", "payment_behavior", "description",
                              "expand"}
SUBSCRIPTION_CANCEL_PARAMS = {"invoice_now", "prorate", "cancellation_details", "expand"}
LIST_PARAMS = {"limit", "starting_after", "ending_before", "expand"}


class FakeStripeError(Exception):
    """An error answer in Stripe's envelope; also raised by the Python test controls."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if request_id:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def _missing(kind: str, object_id: str, param: str = "id") -> FakeStripeError:
    """An unknown id: 404 when it is the request's own object, 400 when a parameter names it."""
    return FakeStripeError(404 if param == "id" else 400, f"No such {kind}: '{object_id}'",
                           code="resource_missing", param=param)


def _invalid(message: str, param: str | None = None) -> FakeStripeError:
    return FakeStripeError(400, message, param=param)


class Delivery(NamedTuple):
    """One webhook delivery attempt; status 0 when the endpoint could not be reached."""

    event_id: str
    type: str
    status: int


@dataclass
class RecordedRequest:
    """One /v1 request the fake answered, for assertions (e.g. that keys were sent)."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int
    request_id: str


def decode_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's bracket notation as nested data: `a[b][0][c]=x` -> {"a": {"b": [{"c": "x"}]}}.

    Objects whose keys are 0..n-1 become lists, except under `metadata` (whose keys are the
    caller's own); `a[]=x` appends. Raises FakeStripeError for a key used both as a value and as
    an object.
    """
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, bracket, rest = key.partition("[")
        parts = [head, *BRACKETS.findall(bracket + rest)] if bracket else [head]
        node = root
        for depth, part in enumerate(parts):
            name = part if part != "" else str(len(node))
            if depth == len(parts) - 1:
                if isinstance(node.get(name), dict):
                    raise _invalid(f"Invalid value for {key}: it is also given as an object.", key)
                node[name] = value
                continue
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                raise _invalid(f"Invalid object: {key}", key)
            node = child
    return {key: _listify(value, key) if isinstance(value, dict) else value
            for key, value in root.items()}


def _listify(node: dict[str, Any], name: str) -> Any:
    converted = {key: _listify(value, key) if isinstance(value, dict) else value
                 for key, value in node.items()}
    if name != "metadata" and converted and sorted(converted, key=_index) == [
            str(i) for i in range(len(converted))]:
        return [converted[str(i)] for i in range(len(converted))]
    return converted


def _index(key: str) -> int:
    return int(key) if key.isdigit() else -1


def _only(params: Mapping[str, Any], allowed: set[str], prefix: str = "") -> None:
    for key in params:
        if key not in allowed:
            name = f"{prefix}[{key}]" if prefix else key
            raise _invalid(f"Received unknown parameter: {name} (or the fake Stripe does not "
                           "implement it)", name)


def _string(params: Mapping[str, Any], name: str, param: str | None = None,
            max_length: int | None = None) -> str | None:
    """A string parameter; Stripe reads an empty string as "unset"."""
    value = params.get(name)
    param = param or name
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(f"Invalid string: {value!r}", param)
    if max_length is not None and len(value) > max_length:
        raise _invalid(f"Invalid {param}: must be at most {max_length} characters", param)
    return value


def _required(params: Mapping[str, Any], name: str, param: str | None = None) -> str:
    value = _string(params, name, param)
    if value is None:
        raise _invalid(f"Missing required param: {param or name}.", param or name)
    return value


def _boolean(params: Mapping[str, Any], name: str, param: str | None = None) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise _invalid(f"Invalid boolean: {value!r}", param or name)
    return value == "true"


def _integer(params: Mapping[str, Any], name: str, param: str | None = None, *,
             minimum: int | None = None, maximum: int | None = None) -> int | None:
    value = params.get(name)
    param = param or name
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise _invalid(f"Invalid integer: {value!r}", param)
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _invalid(f"Invalid {param}: must be between {minimum} and {maximum}", param)
    return number


def _object(params: Mapping[str, Any], name: str, param: str | None = None) -> dict[str, Any]:
    value = params.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(f"Invalid object: {param or name}", param or name)
    return value


def _array(params: Mapping[str, Any], name: str) -> list[Any]:
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid(f"Invalid array: {name}", name)
    return value


def _metadata(current: Mapping[str, str], value: Any, param: str) -> dict[str, str]:
    """Merge metadata the way Stripe does: `key=""` removes a key, `metadata=""` removes all."""
    if value is None:
        return dict(current)
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise _invalid(f"Invalid object: {param}", param)
    merged = dict(current)
    for key, item in value.items():
        if not isinstance(item, str):
            raise _invalid(f"Invalid string: {item!r}", f"{param}[{key}]")
        if len(key) > 40:
            raise _invalid("Metadata keys can have at most 40 characters.", f"{param}[{key}]")
        if len(item) > 500:
            raise _invalid("Metadata values can have at most 500 characters.", f"{param}[{key}]")
        if item == "":
            merged.pop(key, None)
        else:
            merged[key] = item
    if len(merged) > 50:
        raise _invalid("Metadata can have at most 50 keys.", param)
    return merged


def _cancellation_details(params: Mapping[str, Any]) -> dict[str, str | None]:
    details = _object(params, "cancellation_details")
    _only(details, {"comment", "feedback"}, "cancellation_details")
    return {key: _string(details, key, f"cancellation_details[{key}]") for key in details}


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "on",
                                                                            "yes"))


def _new_id(prefix: str, length: int = 24) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return f"{prefix}_{''.join(secrets.choice(alphabet) for _ in range(length))}"


def _now() -> int:
    return int(time.time())


def add_interval(timestamp: int, interval: str, count: int = 1) -> int:
    """The end of a billing period: calendar months and years (clamped to the month's last day)
    as Stripe counts them."""
    if interval == "day":
        return timestamp + count * DAY
    if interval == "week":
        return timestamp + count * 7 * DAY
    start = datetime.fromtimestamp(timestamp, UTC)
    years, month0 = divmod(start.month - 1 + (count if interval == "month" else 12 * count), 12)
    year, month = start.year + years, month0 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """`previous_attributes` of an *.updated event: old values of the changed top-level keys."""
    return {key: copy.deepcopy(value) for key, value in before.items() if after.get(key) != value}


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency.upper()}"


def _per(price: Mapping[str, Any]) -> str:
    recurring = price["recurring"]
    return f" / {recurring['interval']}" if recurring else ""


def _redacted(key: str) -> str:
    return key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else "*" * len(key)


class HeldRequests:
    """API requests the fake keeps unanswered until released (see `FakeStripe.hold`).

    A held request waits on the server's event loop without blocking it: other requests are
    answered meanwhile. Once released it is handled (and recorded) with the state at that
    moment; if its client went away in between, the answer goes nowhere.
    """

    def __init__(self, method: str, path_prefix: str) -> None:
        self.method = method
        self.path_prefix = path_prefix
        self._changed = threading.Condition()
        self._paths: list[str] = []
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._released = False

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and path.startswith(self.path_prefix)

    @property
    def released(self) -> bool:
        with self._changed:
            return self._released

    def paths(self) -> list[str]:
        """Paths of the requests held so far (released or not), in arrival order."""
        with self._changed:
            return list(self._paths)

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[str]:
        """Block until `count` requests have been held; returns their paths. Raises
        TimeoutError if they do not arrive in time."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._paths) >= count, timeout):
                raise TimeoutError(f"{len(self._paths)} of {count} {self.method} "
                                   f"{self.path_prefix}* requests held after {timeout}s")
            return list(self._paths)

    def release(self) -> None:
        """Answer every held request now and stop holding new ones; safe to call twice."""
        with self._changed:
            self._released = True
            waiting, self._waiting = self._waiting, []
        for loop, event in waiting:
            # A loop that already stopped has nothing left to wake.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    async def _until_released(self, path: str) -> None:
        event = asyncio.Event()
        with self._changed:
            if self._released:
                return
            self._paths.append(path)
            self._waiting.append((asyncio.get_running_loop(), event))
            self._changed.notify_all()
        await event.wait()


@dataclass
class _Call:
    """What a handler works with: the request's parameters and the events it caused."""

    params: dict[str, Any]
    path: dict[str, str] = field(default_factory=dict)
    request_id: str | None = None
    idempotency_key: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _StoredResponse:
    at: float
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: dict[str, Any]
    request_id: str


@dataclass(order=True)
class _Attempt:
    due: float
    seq: int
    event_id: str = field(compare=False)
    type: str = field(compare=False)
    body: bytes = field(compare=False)
    number: int = field(compare=False)
    generation: int = field(compare=False)


@dataclass
class _SessionExtras:
    """What a Checkout Session knows but does not show: its line items, subscription_data."""

    items: list[dict[str, Any]]
    subscription_metadata: dict[str, str]
    trial_period_days: int | None
    subscription_description: str | None


@dataclass
class _State:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted_customers: set[str] = field(default_factory=set)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    session_extras: dict[str, _SessionExtras] = field(default_factory=dict)
    portal_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Proration lines made by create_prorations, billed with the subscription's next invoice.
    pending_prorations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoice_numbers: dict[str, int] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    idempotency: dict[str, _StoredResponse] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)


class FakeStripe:
    """Stripe's v1 API and webhooks on one local HTTP server (see the module docstring).

    `prices` maps price ids to `add_price` keyword arguments. Webhook deliveries are retried up to
    `webhook_attempts` times, waiting `webhook_backoff` seconds, then twice that, and so on.
    `seed` makes `shuffle`/`duplicate` delivery orders reproducible.
    """

    def __init__(
        self,
        *,
        secret_key: str = "sk_test_fake",
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_test",
        prices: Mapping[str, Mapping[str, Any]] | None = None,
        api_version: str = API_VERSION,
        webhook_attempts: int = 5,
        webhook_backoff: float = 0.5,
        webhook_timeout: float = 5.0,
        seed: int | None = None,
    ) -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.api_version = api_version
        self.webhook_attempts = webhook_attempts
        self.webhook_backoff = webhook_backoff
        self.webhook_timeout = webhook_timeout
        self._lock = threading.RLock()
        self._state = _State()
        self._prices: dict[str, dict[str, Any]] = {}
        self._portal_configuration = _new_id("bpc")
        self._random = random.Random(seed)
        # Deliveries have their own lock so that a slow webhook endpoint never blocks the API.
        self._delivery = threading.Condition()
        self._webhook_url = webhook_url
        self._queue: list[_Attempt] = []
        self._sequence = itertools.count()
        self._pending = 0
        self._generation = 0
        self._deliveries: list[Delivery] = []
        self._stopping = False
        self._worker: threading.Thread | None = None
        self._holds: list[HeldRequests] = []
        for price_id, spec in (prices or {}).items():
            self.add_price(price_id, **spec)
        self.app = self._build_app()
        self._http = ThreadedApp(self.app, "fake-stripe")

    # ------------------------------------------------------------------ lifecycle

    def start(self, port: int = 0) -> FakeStripe:
        """Serve on 127.0.0.1:`port` (0: a free one) and start webhook delivery; returns self."""
        if self._http.port is None:
            self._http.start(port)
        with self._delivery:
            self._stopping = False
        if self._worker is None:
            self._worker = threading.Thread(target=self._deliver_loop,
                                            name="fake-stripe-webhooks", daemon=True)
            self._worker.start()
        return self

    def stop(self) -> None:
        """Stop the server and the webhook delivery thread (undelivered events are dropped)."""
        # A held request would keep the server from shutting down.
        self.release()
        self._http.stop()
        self._http.port = None
        with self._delivery:
            self._stopping = True
            self._delivery.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=10)
            self._worker = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL: give it to the SDK as `base_addresses={"api": fake.url}`."""
        return self._http.url

    # ------------------------------------------------------------------ test configuration

    def add_price(self, price_id: str, *, product: str, unit_amount: int, currency: str = "usd",
                  interval: str | None = "month", interval_count: int = 1) -> dict[str, Any]:
        """Register a price (`interval=None`: a one-time price); returns the price object."""
        if interval is not None and interval not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS} or None, not {interval!r}")
        price = {
            "id": price_id, "object": "price", "active": True, "billing_scheme": "per_unit",
            "created": _now(), "currency": currency.lower(), "custom_unit_amount": None,
            "livemode": False, "lookup_key": None, "metadata": {}, "nickname": None,
            "product": product,
            "recurring": None if interval is None else {
                "interval": interval, "interval_count": interval_count, "meter": None,
                "trial_period_days": None, "usage_type": "licensed"},
            "tax_behavior": "unspecified", "tiers_mode": None, "transform_quantity": None,
            "type": "one_time" if interval is None else "recurring",
            "unit_amount": unit_amount, "unit_amount_decimal": str(unit_amount),
        }
        with self._lock:
            self._prices[price_id] = price
        return copy.deepcopy(price)

    def set_webhook_url(self, url: str | None) -> None:
        """Where events are POSTed from now on (None: record events, deliver nothing)."""
        with self._delivery:
            self._webhook_url = url

    def reset(self) -> None:
        """Forget everything but the prices and webhook settings; pending deliveries are dropped."""
        with self._lock:
            self._state = _State()
        with self._delivery:
            self._queue.clear()
            self._pending = 0
            self._generation += 1
            self._deliveries.clear()
            self._delivery.notify_all()

    # ------------------------------------------------------------------ inspection

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Events emitted so far, oldest first (in emission order, whatever the delivery order)."""
        with self._lock:
            return [copy.deepcopy(e) for e in self._state.events if type in (None, e["type"])]

    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery attempt so far, in the order they were made."""
        with self._delivery:
            return list(self._deliveries)

    def requests(self) -> list[RecordedRequest]:
        """The /v1 requests answered so far, oldest first."""
        with self._lock:
            return list(self._state.requests)

    def lookup(self, object_id: str) -> dict[str, Any]:
        """Any object the fake holds (customer, price, session, subscription, invoice), by id."""
        with self._lock:
            found = self._find(object_id)
            if found is None:
                raise _missing("object", object_id)
            return copy.deepcopy(found)

    def wait_for_deliveries(self, timeout: float = 5.0) -> None:
        """Block until every queued delivery succeeded or ran out of attempts."""
        with self._delivery:
            if not self._delivery.wait_for(lambda: self._pending == 0, timeout):
                raise TimeoutError(f"{self._pending} webhook deliveries still pending")

    # ------------------------------------------------------------------ webhooks

    def sign(self, payload: bytes, timestamp: int | None = None) -> str:
        """The `Stripe-Signature` header for a body: `t=<unix>,v1=<hex HMAC-SHA256>`."""
        stamp = _now() if timestamp is None else timestamp
        digest = hmac.new(self.webhook_secret.encode(), f"{stamp}.".encode() + payload,
                          hashlib.sha256).hexdigest()
        return f"t={stamp},v1={digest}"

    def deliver(self, event: Mapping[str, Any], *, timestamp: int | None = None,
                signature: str | None = None) -> httpx.Response:
        """Send one event to the webhook URL now, once, signed at `timestamp` (default: now) or
        with the given `signature` header verbatim; for tests of bad signatures, stale
        timestamps and redeliveries."""
        with self._delivery:
            url = self._webhook_url
        if url is None:
            raise RuntimeError("no webhook URL: pass webhook_url= or call set_webhook_url()")
        body = _event_body(event)
        header = signature if signature is not None else self.sign(body, timestamp)
        with httpx.Client(timeout=self.webhook_timeout) as client:
            response = client.post(url, content=body, headers=_webhook_headers(header))
        with self._delivery:
            self._deliveries.append(Delivery(event["id"], event["type"], response.status_code))
        return response

    def _dispatch(self, events: list[dict[str, Any]], *, shuffle: bool = False,
                  duplicate: bool = False) -> None:
        with self._delivery:
            if self._webhook_url is None or not events:
                return
            order = list(events)
            if shuffle:
                self._random.shuffle(order)
            if duplicate:
                # Stripe delivers at least once: the twin arrives some time after the original.
                twin = self._random.choice(order)
                order.insert(self._random.randint(order.index(twin) + 1, len(order)), twin)
            now = time.monotonic()
            for event in order:
                self._pending += 1
                heapq.heappush(self._queue, _Attempt(now, next(self._sequence), event["id"],
                                                     event["type"], _event_body(event), 1,
                                                     self._generation))
            self._delivery.notify_all()

    def _deliver_loop(self) -> None:
        with httpx.Client(timeout=self.webhook_timeout) as client:
            while True:
                with self._delivery:
                    while not self._stopping:
                        wait = self._queue[0].due - time.monotonic() if self._queue else None
                        if wait is not None and wait <= 0:
                            break
                        self._delivery.wait(wait)
                    if self._stopping:
                        return
                    attempt = heapq.heappop(self._queue)
                    url = self._webhook_url
                status = self._post(client, url, attempt) if url else 0
                with self._delivery:
                    if attempt.generation != self._generation:
                        continue
                    if url and not 200 <= status < 300 and attempt.number < self.webhook_attempts:
                        delay = self.webhook_backoff * 2 ** (attempt.number - 1)
                        heapq.heappush(self._queue, _Attempt(
                            time.monotonic() + delay, next(self._sequence), attempt.event_id,
                            attempt.type, attempt.body, attempt.number + 1, attempt.generation))
                    else:
                        self._pending -= 1
                    self._delivery.notify_all()

    def _post(self, client: httpx.Client, url: str, attempt: _Attempt) -> int:
        # Each attempt is signed afresh, as Stripe does, so retries pass the tolerance check.
        try:
            status = client.post(url, content=attempt.body,
                                 headers=_webhook_headers(self.sign(attempt.body))).status_code
        except httpx.HTTPError as exc:
            log.info("fake stripe: webhook %s to %s failed: %s", attempt.event_id, url, exc)
            status = 0
        with self._delivery:
            if attempt.generation == self._generation:
                self._deliveries.append(Delivery(attempt.event_id, attempt.type, status))
        return status

    def _emit(self, call: _Call, type: str, obj: Mapping[str, Any],
              previous: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": _new_id("evt"), "object": "event", "api_version": self.api_version,
            "created": _now(), "data": data, "livemode": False,
            "pending_webhooks": 0 if self._webhook_url is None else 1,
            "request": {"id": call.request_id, "idempotency_key": call.idempotency_key},
            "type": type,
        }
        self._state.events.append(event)
        call.events.append(event)

    # ------------------------------------------------------------------ test controls

    def complete_checkout(self, session_id: str, *, shuffle: bool = False,
                          duplicate: bool = False, payment_fails: bool = False) -> dict[str, Any]:
        """Complete a Checkout Session as if the customer paid; returns the session.

        Subscription mode: creates the customer (if the session only had an e-mail), the
        subscription and its paid first invoice, and emits customer.created (if created),
        checkout.session.completed, customer.subscription.created, invoice.paid and
        invoice.payment_succeeded. Payment mode: emits checkout.session.completed, paid.
        `shuffle` delivers the events in random order, `duplicate` delivers one of them twice.
        `payment_fails` plays an asynchronous payment method failing after checkout: the session
        completes unpaid, a subscription is `incomplete` with an open invoice, and
        invoice.payment_failed / checkout.session.async_payment_failed follow.
        """
        with self._lock:
            call = _Call({})
            session = self._complete_checkout(call, session_id, payment_fails)
            self._dispatch(call.events, shuffle=shuffle, duplicate=duplicate)
            return copy.deepcopy(session)

    def fail_payment(self, subscription_id: str) -> dict[str, Any]:
        """A renewal charge fails: returns the open invoice (attempt_count, next_payment_attempt).

        On an active subscription the next period starts unpaid and the subscription becomes
        past_due (invoice.payment_failed, customer.subscription.updated); when its latest invoice
        is already open, this is one more failed attempt (invoice.payment_failed).
        """
        with self._lock:
            call = _Call({})
            invoice = self._fail_payment(call, subscription_id)
            self._dispatch(call.events)
            return copy.deepcopy(invoice)

    def renew(self, subscription_id: str) -> dict[str, Any]:
        """A renewal charge succeeds: returns the paid invoice.

        If the latest invoice is open (after `fail_payment`), it is paid — a retry succeeded;
        otherwise the next period starts with a paid invoice (billing_reason subscription_cycle,
        with any pending prorations). The subscription becomes active; emits invoice.paid,
        invoice.payment_succeeded, customer.subscription.updated.
        """
        with self._lock:
            call = _Call({})
            invoice = self._renew(call, subscription_id)
            self._dispatch(call.events)
            return copy.deepcopy(invoice)

    def end_subscription(self, subscription_id: str) -> dict[str, Any]:
        """The period ends on a subscription set to cancel (or Stripe gives up collecting):
        status canceled; emits customer.subscription.deleted. Returns the subscription."""
        with self._lock:
            call = _Call({})
            sub = self._live_subscription(subscription_id)
            self._cancel_subscription(call, sub, reason=None)
            self._dispatch(call.events)
            return copy.deepcopy(sub)

    def hold(self, path_prefix: str, method: str = "GET") -> HeldRequests:
        """Keep /v1 requests with this method and a path starting with `path_prefix` unanswered
        until released, e.g. `hold("/v1/subscriptions/")` stops a client in the middle of its
        work while it re-reads a subscription. Returns the hold: `wait()` for a request to be
        held, `release()` it (or release every hold with `FakeStripe.release()`)."""
        held = HeldRequests(method.upper(), path_prefix)
        with self._lock:
            self._holds.append(held)
        return held

    def release(self) -> None:
        """Release every hold: held requests are answered now, later ones are not held."""
        with self._lock:
            holds, self._holds = self._holds, []
        for held in holds:
            held.release()

    # ------------------------------------------------------------------ lookups

    def _find(self, object_id: str) -> dict[str, Any] | None:
        state = self._state
        if object_id in state.deleted_customers:
            return {"id": object_id, "object": "customer", "deleted": True}
        for store in (state.customers, state.subscriptions, state.invoices, self._prices,
                      state.sessions, state.portal_sessions):
            if object_id in store:
                return store[object_id]
        for event in state.events:
            if event["id"] == object_id:
                return event
        return None

    def _customer(self, customer_id: str, param: str = "id") -> dict[str, Any]:
        customer = self._state.customers.get(customer_id)
        if customer is None or customer_id in self._state.deleted_customers:
            raise _missing("customer", customer_id, param)
        return customer

    def _price(self, price_id: str, param: str = "id") -> dict[str, Any]:
        price = self._prices.get(price_id)
        if price is None:
            raise _missing("price", price_id, param)
        return price

    def _subscription(self, subscription_id: str) -> dict[str, Any]:
        sub = self._state.subscriptions.get(subscription_id)
        if sub is None:
            raise _missing("subscription", subscription_id)
        return sub

    def _live_subscription(self, subscription_id: str) -> dict[str, Any]:
        sub = self._subscription(subscription_id)
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise _invalid(f"Subscription {subscription_id} is {sub['status']}.", "id")
        return sub

    # ------------------------------------------------------------------ customers

    def _new_customer(self, call: _Call, *, email: str | None, name: str | None,
                      metadata: dict[str, str], description: str | None = None,
                      phone: str | None = None) -> dict[str, Any]:
        customer = {
            "id": _new_id("cus", 14), "object": "customer", "address": None, "balance": 0,
            "created": _now(), "currency": None, "default_source": None, "delinquent": False,
            "description": description, "discount": None, "email": email,
            "invoice_prefix": secrets.token_hex(4).upper(),
            "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                                 "footer": None, "rendering_options": None},
            "livemode": False, "metadata": metadata, "name": name, "next_invoice_sequence": 1,
            "phone": phone, "preferred_locales": [], "shipping": None, "tax_exempt": "none",
            "test_clock": None,
        }
        self._state.customers[customer["id"]] = customer
        self._emit(call, "customer.created", customer)
        return customer

    def _create_customer(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, CUSTOMER_PARAMS)
        return self._new_customer(
            call, email=_string(p, "email", max_length=512), name=_string(p, "name"),
            metadata=_metadata({}, p.get("metadata"), "metadata"),
            description=_string(p, "description"), phone=_string(p, "phone"))

    def _get_customer(self, call: _Call) -> dict[str, Any]:
        _only(call.params, {"expand"})
        customer_id = call.path["id"]
        if customer_id in self._state.deleted_customers:
            return {"id": customer_id, "object": "customer", "deleted": True}
        return self._customer(customer_id)

    def _update_customer(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, CUSTOMER_PARAMS)
        customer = self._customer(call.path["id"])
        before = copy.deepcopy(customer)
        changes: dict[str, Any] = {
            "metadata": _metadata(customer["metadata"], p.get("metadata"), "metadata")}
        for name in ("email", "name", "description", "phone"):
            if name in p:
                changes[name] = _string(p, name)
        customer.update(changes)
        if previous := _changes(before, customer):
            self._emit(call, "customer.updated", customer, previous)
        return customer

    def _delete_customer(self, call: _Call) -> dict[str, Any]:
        _only(call.params, set())
        customer = self._customer(call.path["id"])
        for sub in self._state.subscriptions.values():
            if sub["customer"] == customer["id"] and sub["status"] != "canceled":
                self._cancel_subscription(call, sub, reason="cancellation_requested")
        self._state.deleted_customers.add(customer["id"])
        self._emit(call, "customer.deleted", customer)
        return {"id": customer["id"], "object": "customer", "deleted": True}

    # ------------------------------------------------------------------ checkout

    def _create_checkout_session(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, CHECKOUT_PARAMS)
        mode = _required(p, "mode")
        if mode not in ("payment", "subscription", "setup"):
            raise _invalid("Invalid mode: must be one of payment, setup, or subscription",
                           "mode")
        if mode == "setup":
            raise _invalid("The fake Stripe implements only payment and subscription mode.",
                           "mode")
        if (_string(p, "ui_mode") or "hosted") != "hosted":
            raise _invalid("The fake Stripe implements only ui_mode=hosted.", "ui_mode")
        raw_items = _array(p, "line_items")
        if not raw_items:
            raise _invalid(f"`line_items` is required in `{mode}` mode.", "line_items")
        items: list[dict[str, Any]] = []
        for i, raw in enumerate(raw_items):
            param = f"line_items[{i}]"
            if not isinstance(raw, dict):
                raise _invalid(f"Invalid object: {param}", param)
            _only(raw, {"price", "quantity"}, param)
            price = self._price(_required(raw, "price", f"{param}[price]"), f"{param}[price]")
            quantity = _integer(raw, "quantity", f"{param}[quantity]", minimum=1,
                                maximum=999_999)
            if quantity is None:
                raise _invalid(f"Missing required param: {param}[quantity].",
                               f"{param}[quantity]")
            items.append({"price": price["id"], "quantity": quantity})
        prices = [self._prices[item["price"]] for item in items]
        recurring = [price["recurring"] for price in prices if price["recurring"]]
        if mode == "subscription" and not recurring:
            raise _invalid("You must provide at least one recurring price in `subscription` "
                           "mode when using prices.", "line_items")
        if mode == "payment" and recurring:
            raise _invalid("You specified `payment` mode but passed a recurring price. Either "
                           "switch to `subscription` mode or use only one-time prices.",
                           "line_items")
        if len({(r["interval"], r["interval_count"]) for r in recurring}) > 1:
            raise _invalid("All recurring prices must have the same billing interval.",
                           "line_items")
        currencies = {price["currency"] for price in prices}
        if len(currencies) > 1:
            raise _invalid("All prices must be in the same currency.", "line_items")
        customer_id = _string(p, "customer")
        email = _string(p, "customer_email", max_length=512)
        if customer_id and email:
            raise _invalid("You may only specify one of these parameters: customer, "
                           "customer_email.", "customer_email")
        if customer_id:
            self._customer(customer_id, "customer")
        sub_data = _object(p, "subscription_data")
        if sub_data and mode != "subscription":
            raise _invalid("You can only pass `subscription_data` in `subscription` mode.",
                           "subscription_data")
        _only(sub_data, {"metadata", "trial_period_days", "description"}, "subscription_data")
        extras = _SessionExtras(
            items=items,
            subscription_metadata=_metadata({}, sub_data.get("metadata"),
                                            "subscription_data[metadata]"),
            trial_period_days=_integer(sub_data, "trial_period_days",
                                       "subscription_data[trial_period_days]", minimum=1,
                                       maximum=730),
            subscription_description=_string(sub_data, "description",
                                             "subscription_data[description]"))
        automatic_tax = _object(p, "automatic_tax")
        _only(automatic_tax, {"enabled"}, "automatic_tax")
        now = _now()
        amount = sum(price["unit_amount"] * item["quantity"]
                     for price, item in zip(prices, items, strict=True))
        session_id = _new_id("cs_test", 58)
        session = {
            "id": session_id, "object": "checkout.session", "after_expiration": None,
            "allow_promotion_codes": _boolean(p, "allow_promotion_codes"),
            "amount_subtotal": amount, "amount_total": amount,
            "automatic_tax": {"enabled": bool(_boolean(automatic_tax, "enabled",
                                                       "automatic_tax[enabled]")),
                              "liability": None, "provider": None, "status": None},
            "billing_address_collection": _string(p, "billing_address_collection"),
            "cancel_url": _string(p, "cancel_url", max_length=5000),
            "client_reference_id": _string(p, "client_reference_id", max_length=200),
            "client_secret": None, "created": now, "currency": currencies.pop(),
            "customer": customer_id,
            "customer_creation": None if customer_id or mode == "subscription" else (
                _string(p, "customer_creation") or "if_required"),
            "customer_details": None, "customer_email": email,
            "expires_at": now + CHECKOUT_TTL_SECONDS, "invoice": None, "livemode": False,
            "locale": _string(p, "locale"),
            "metadata": _metadata({}, p.get("metadata"), "metadata"), "mode": mode,
            "payment_intent": None, "payment_link": None,
            "payment_method_types": [str(t) for t in _array(p, "payment_method_types")]
            or ["card"],
            "payment_status": "unpaid", "status": "open", "submit_type": None,
            "subscription": None, "success_url": _string(p, "success_url", max_length=5000),
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted", "url": f"{self.url}/checkout/{session_id}",
        }
        self._state.sessions[session_id] = session
        self._state.session_extras[session_id] = extras
        return session

    def _get_checkout_session(self, call: _Call) -> dict[str, Any]:
        _only(call.params, {"expand"})
        return self._session(call.path["id"])

    def _session(self, session_id: str) -> dict[str, Any]:
        session = self._state.sessions.get(session_id)
        if session is None:
            raise _missing("checkout.session", session_id)
        return session

    def _line_items(self, session_id: str) -> dict[str, Any]:
        """The `line_items` list a session shows when expanded."""
        data = []
        for item in self._state.session_extras[session_id].items:
            price = self._prices[item["price"]]
            amount = price["unit_amount"] * item["quantity"]
            data.append({"id": _new_id("li"), "object": "item", "amount_discount": 0,
                         "amount_subtotal": amount, "amount_tax": 0, "amount_total": amount,
                         "currency": price["currency"], "description": price["product"],
                         "price": copy.deepcopy(price), "quantity": item["quantity"]})
        return {"object": "list", "data": data, "has_more": False,
                "url": f"/v1/checkout/sessions/{session_id}/line_items"}

    def _complete_checkout(self, call: _Call, session_id: str,
                           payment_fails: bool) -> dict[str, Any]:
        session = self._session(session_id)
        if session["status"] != "open":
            raise _invalid(f"Checkout Session {session_id} is {session['status']}; only an "
                           "open session can be completed.", "id")
        extras = self._state.session_extras[session_id]
        customer_id = session["customer"]
        if customer_id is None and session["mode"] == "subscription":
            customer_id = self._new_customer(call, email=session["customer_email"], name=None,
                                             metadata={})["id"]
        customer = self._state.customers.get(customer_id) if customer_id else None
        session.update(
            status="complete", customer=customer_id,
            customer_details={"address": None,
                              "email": session["customer_email"] or (customer or {}).get("email"),
                              "name": (customer or {}).get("name"), "phone": None,
                              "tax_exempt": "none", "tax_ids": []})
        if session["mode"] == "payment":
            session.update(payment_intent=_new_id("pi"),
                           payment_status="unpaid" if payment_fails else "paid")
            self._emit(call, "checkout.session.completed", session)
            if payment_fails:
                self._emit(call, "checkout.session.async_payment_failed", session)
            return session
        assert customer_id is not None
        sub, invoice = self._start_subscription(customer_id, extras, paid=not payment_fails)
        session.update(subscription=sub["id"], invoice=invoice["id"])
        if payment_fails:
            session["payment_status"] = "unpaid"
        elif invoice["amount_due"] == 0:
            session["payment_status"] = "no_payment_required"
        else:
            session["payment_status"] = "paid"
        self._emit(call, "checkout.session.completed", session)
        self._emit(call, "customer.subscription.created", sub)
        if payment_fails:
            self._emit(call, "invoice.payment_failed", invoice)
            self._emit(call, "checkout.session.async_payment_failed", session)
        else:
            self._emit(call, "invoice.paid", invoice)
            self._emit(call, "invoice.payment_succeeded", invoice)
        return session

    # ------------------------------------------------------------------ subscriptions

    def _start_subscription(self, customer_id: str, extras: _SessionExtras,
                            *, paid: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        now = _now()
        sub_id = _new_id("sub", 14)
        lines = []
        sub_items = []
        trial_end = now + extras.trial_period_days * DAY if extras.trial_period_days else None
        for line in extras.items:
            price = self._prices[line["price"]]
            if price["recurring"] is None:
                # One-time prices in subscription mode are billed once, on the first invoice.
                lines.append(self._line(None, None, price, line["quantity"],
                                        price["unit_amount"] * line["quantity"], now, now))
                continue
            recurring = price["recurring"]
            end = trial_end or add_interval(now, recurring["interval"],
                                            recurring["interval_count"])
            item = {"id": _new_id("si", 14), "object": "subscription_item", "created": now,
                    "current_period_end": end, "current_period_start": now, "discounts": [],
                    "metadata": {}, "price": copy.deepcopy(price), "quantity": line["quantity"],
                    "subscription": sub_id, "tax_rates": []}
            sub_items.append(item)
            amount = 0 if trial_end else price["unit_amount"] * line["quantity"]
            lines.append(self._line(sub_id, item, price, line["quantity"], amount, now, end))
        sub = {
            "id": sub_id, "object": "subscription", "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
            "billing_cycle_anchor": trial_end or now, "cancel_at": None,
            "cancel_at_period_end": False, "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically", "created": now,
            "currency": sub_items[0]["price"]["currency"], "customer": customer_id,
            "days_until_due": None, "default_payment_method": None,
            "description": extras.subscription_description, "discounts": [], "ended_at": None,
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
            "items": {"object": "list", "data": sub_items, "has_more": False,
                      "total_count": len(sub_items),
                      "url": f"/v1/subscription_items?subscription={sub_id}"},
            "latest_invoice": None, "livemode": False,
            "metadata": dict(extras.subscription_metadata),
            "next_pending_invoice_item_invoice": None, "pause_collection": None,
            "pending_setup_intent": None, "pending_update": None, "schedule": None,
            "start_date": now,
            "status": "incomplete" if not paid else "trialing" if trial_end else "active",
            "test_clock": None, "trial_end": trial_end, "trial_start": now if trial_end else None,
        }
        self._state.subscriptions[sub_id] = sub
        # A first invoice covers no past period: Stripe gives it period_start == period_end.
        invoice = self._new_invoice(sub, "subscription_create", lines, now, now, paid=paid)
        if not paid:
            invoice["next_payment_attempt"] = None
        return sub, invoice

    def _line(self, sub_id: str | None, item: Mapping[str, Any] | None,
              price: Mapping[str, Any], quantity: int, amount: int, start: int, end: int,
              *, proration: bool = False, description: str | None = None) -> dict[str, Any]:
        """An invoice line item in the basil+ shape (`parent`, `pricing`)."""
        details = None if sub_id is None else {
            "invoice_item": None, "proration": proration,
            "proration_details": {"credited_items": None}, "subscription": sub_id,
            "subscription_item": item["id"] if item else None}
        return {
            "id": _new_id("il"), "object": "line_item", "amount": amount,
            "currency": price["currency"],
            "description": description or f"{quantity} x {price['product']} "
                                          f"(at {_money(price['unit_amount'], price['currency'])}"
                                          f"{_per(price)})",
            "discount_amounts": [], "discountable": True, "discounts": [], "invoice": None,
            "livemode": False, "metadata": {},
            "parent": {"invoice_item_details": None, "subscription_item_details": details,
                       "type": "subscription_item_details"} if details else {
                "invoice_item_details": {"invoice_item": _new_id("ii"), "proration": False,
                                         "proration_details": {"credited_items": None},
                                         "subscription": None},
                "subscription_item_details": None, "type": "invoice_item_details"},
            "period": {"end": end, "start": start}, "pretax_credit_amounts": [],
            "pricing": {"price_details": {"price": price["id"], "product": price["product"]},
                        "type": "price_details",
                        "unit_amount_decimal": price["unit_amount_decimal"]},
            "quantity": quantity, "taxes": [],
        }

    def _new_invoice(self, sub: dict[str, Any], reason: str, lines: list[dict[str, Any]],
                     period_start: int, period_end: int, *, paid: bool) -> dict[str, Any]:
        now = _now()
        invoice_id = _new_id("in", 14)
        customer = self._state.customers[sub["customer"]]
        number = self._state.invoice_numbers.get(customer["id"], 0) + 1
        self._state.invoice_numbers[customer["id"]] = number
        total = sum(line["amount"] for line in lines)
        # A credit larger than the charges is not refunded: nothing is due.
        due = max(total, 0)
        for line in lines:
            line["invoice"] = invoice_id
        invoice = {
            "id": invoice_id, "object": "invoice", "account_country": "US",
            "account_name": "Career Tools (fake Stripe)", "amount_due": due,
            "amount_overpaid": 0, "amount_paid": due if paid else 0,
            "amount_remaining": 0 if paid else due, "amount_shipping": 0,
            "attempt_count": 1 if due else 0, "attempted": bool(due), "auto_advance": not paid,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None,
                              "provider": None, "status": None},
            "billing_reason": reason, "collection_method": "charge_automatically",
            "created": now, "currency": sub["currency"], "customer": customer["id"],
            "customer_email": customer["email"], "customer_name": customer["name"],
            "description": None, "discounts": [], "due_date": None, "effective_at": now,
            "ending_balance": 0,
            "hosted_invoice_url": f"{self.url}/invoice/{invoice_id}",
            "invoice_pdf": f"{self.url}/invoice/{invoice_id}/pdf",
            "last_finalization_error": None,
            "lines": {"object": "list", "data": lines, "has_more": False,
                      "total_count": len(lines), "url": f"/v1/invoices/{invoice_id}/lines"},
            "livemode": False, "metadata": {},
            "next_payment_attempt": None if paid else now + RETRY_INTERVAL_SECONDS,
            "number": f"{customer['invoice_prefix']}-{number:04d}",
            "parent": {"quote_details": None,
                       "subscription_details": {"metadata": dict(sub["metadata"]),
                                                "subscription": sub["id"]},
                       "type": "subscription_details"},
            "period_end": period_end, "period_start": period_start,
            "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0,
            "receipt_number": None, "starting_balance": 0, "statement_descriptor": None,
            "status": "paid" if paid else "open",
            "status_transitions": {"finalized_at": now, "marked_uncollectible_at": None,
                                   "paid_at": now if paid else None, "voided_at": None},
            "subtotal": total, "subtotal_excluding_tax": total, "total": total,
            "total_discount_amounts": [], "total_excluding_tax": total, "total_taxes": [],
            "webhooks_delivered_at": now,
        }
        self._state.invoices[invoice_id] = invoice
        sub["latest_invoice"] = invoice_id
        return invoice

    def _get_subscription(self, call: _Call) -> dict[str, Any]:
        _only(call.params, {"expand"})
        return self._subscription(call.path["id"])

    def _list_subscriptions(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, LIST_PARAMS | {"customer", "status", "price"})
        customer = _string(p, "customer")
        status = _string(p, "status")
        price = _string(p, "price")

        def listed(sub: dict[str, Any]) -> bool:
            if status is None:
                # Stripe leaves canceled subscriptions out unless asked for them.
                return sub["status"] != "canceled"
            return status in ("all", sub["status"])

        found = [sub for sub in reversed(self._state.subscriptions.values())
                 if customer in (None, sub["customer"]) and listed(sub)
                 and (price is None or any(item["price"]["id"] == price
                                           for item in sub["items"]["data"]))]
        return self._page(found, p, "/v1/subscriptions")

    def _update_subscription(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, SUBSCRIPTION_UPDATE_PARAMS)
        sub = self._subscription(call.path["id"])
        if sub["status"] == "canceled" and set(p) - {"metadata", "cancellation_details",
                                                     "expand"}:
            raise _invalid("A canceled subscription can only update its cancellation_details "
                           "and metadata.")
        behavior = _string(p, "proration_behavior") or "create_prorations"
        if behavior not in PRORATION_BEHAVIORS:
            raise _invalid("Invalid proration_behavior: must be one of "
                           + ", ".join(PRORATION_BEHAVIORS), "proration_behavior")
        # Everything is validated before anything changes: a refused update changes nothing.
        cancel = _boolean(p, "cancel_at_period_end")
        details = _cancellation_details(p)
        metadata = _metadata(sub["metadata"], p.get("metadata"), "metadata")
        description = _string(p, "description")
        items, lines, immediate = (self._changed_items(sub, p["items"], behavior)
                                   if "items" in p else (None, [], False))
        before = copy.deepcopy(sub)
        now = _now()
        sub["metadata"] = metadata
        if "description" in p:
            sub["description"] = description
        if items is not None:
            sub["items"] = {**sub["items"], "data": items, "total_count": len(items)}
        if cancel is not None:
            self._set_cancel_at_period_end(sub, cancel, now)
        sub["cancellation_details"] = {**sub["cancellation_details"], **details}
        invoice = None
        if lines and immediate:
            invoice = self._new_invoice(sub, "subscription_update", lines, now, now, paid=True)
        elif lines:
            self._state.pending_prorations.setdefault(sub["id"], []).extend(lines)
        if previous := _changes(before, sub):
            self._emit(call, "customer.subscription.updated", sub, previous)
        if invoice is not None:
            self._emit(call, "invoice.paid", invoice)
            self._emit(call, "invoice.payment_succeeded", invoice)
        return sub

    @staticmethod
    def _set_cancel_at_period_end(sub: dict[str, Any], cancel: bool, now: int) -> None:
        period_end = sub["items"]["data"][0]["current_period_end"]
        sub.update(cancel_at_period_end=cancel, cancel_at=period_end if cancel else None,
                   canceled_at=now if cancel else None)
        sub["cancellation_details"] = {
            **sub["cancellation_details"],
            "reason": "cancellation_requested" if cancel else None}

    def _changed_items(self, sub: dict[str, Any], raw_items: Any, behavior: str,
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
        """The items after an update, the proration lines it causes, and whether they are
        invoiced now (always_invoice, or a new billing interval) or with the next invoice."""
        if not isinstance(raw_items, list):
            raise _invalid("Invalid array: items", "items")
        now = _now()
        old_items = sub["items"]["data"]
        items = copy.deepcopy(old_items)
        by_id = {item["id"]: item for item in items}
        for i, raw in enumerate(raw_items):
            param = f"items[{i}]"
            if not isinstance(raw, dict):
                raise _invalid(f"Invalid object: {param}", param)
            _only(raw, {"id", "price", "quantity", "deleted", "metadata"}, param)
            item_id = _string(raw, "id", f"{param}[id]")
            if item_id is not None:
                if item_id not in by_id:
                    raise _missing("subscription item", item_id, f"{param}[id]")
                item = by_id[item_id]
                if _boolean(raw, "deleted", f"{param}[deleted]"):
                    items.remove(item)
                    continue
            elif "price" in raw:
                item = {"id": _new_id("si", 14), "object": "subscription_item", "created": now,
                        "current_period_end": old_items[0]["current_period_end"],
                        "current_period_start": old_items[0]["current_period_start"],
                        "discounts": [], "metadata": {}, "price": None, "quantity": 1,
                        "subscription": sub["id"], "tax_rates": []}
                items.append(item)
            else:
                raise _invalid(f"Missing required param: {param}[price].", f"{param}[price]")
            if "price" in raw:
                price = self._price(_required(raw, "price", f"{param}[price]"), f"{param}[price]")
                if price["recurring"] is None:
                    raise _invalid("The price specified is set to `type=one_time` but this "
                                   "field only accepts prices with `type=recurring`.",
                                   f"{param}[price]")
                if price["currency"] != sub["currency"]:
                    raise _invalid("The price's currency does not match the subscription's.",
                                   f"{param}[price]")
                item["price"] = copy.deepcopy(price)
            if "quantity" in raw:
                item["quantity"] = _integer(raw, "quantity", f"{param}[quantity]", minimum=1)
            item["metadata"] = _metadata(item["metadata"], raw.get("metadata"),
                                         f"{param}[metadata]")
        if not items:
            raise _invalid("A subscription must have at least one item.", "items")
        cadences = {(item["price"]["recurring"]["interval"],
                     item["price"]["recurring"]["interval_count"]) for item in items}
        if len(cadences) > 1:
            raise _invalid("All prices on a subscription must have the same billing interval.",
                           "items")
        old_cadence = {(item["price"]["recurring"]["interval"],
                        item["price"]["recurring"]["interval_count"]) for item in old_items}
        start, end = old_items[0]["current_period_start"], old_items[0]["current_period_end"]
        unused = min(max((end - now) / max(end - start, 1), 0.0), 1.0)
        old_by_id = {item["id"]: item for item in old_items}
        new_by_id = {item["id"]: item for item in items}

        def changed(item_id: str) -> bool:
            old, new = old_by_id.get(item_id), new_by_id.get(item_id)
            return old is None or new is None or (old["price"]["id"], old["quantity"]) != (
                new["price"]["id"], new["quantity"])

        credits = [] if behavior == "none" else [
            self._line(sub["id"], old, old["price"], old["quantity"],
                       -round(old["price"]["unit_amount"] * old["quantity"] * unused), now, end,
                       proration=True,
                       description=f"Unused time on {old['quantity']} x "
                                   f"{old['price']['product']}")
            for old in old_items if changed(old["id"])]
        if cadences != old_cadence:
            # A new billing interval restarts the period now and bills the new one in full.
            interval, count = next(iter(cadences))
            new_end = add_interval(now, interval, count)
            for item in items:
                item["current_period_start"], item["current_period_end"] = now, new_end
            charges = [self._line(sub["id"], item, item["price"], item["quantity"],
                                  item["price"]["unit_amount"] * item["quantity"], now, new_end)
                       for item in items]
            return items, credits + charges, True
        if behavior == "none":
            return items, [], False
        charges = [
            self._line(sub["id"], new, new["price"], new["quantity"],
                       round(new["price"]["unit_amount"] * new["quantity"] * unused), now, end,
                       proration=True,
                       description=f"Remaining time on {new['quantity']} x "
                                   f"{new['price']['product']}")
            for new in items if changed(new["id"])]
        return items, credits + charges, behavior == "always_invoice"

    def _delete_subscription(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, SUBSCRIPTION_CANCEL_PARAMS)
        sub = self._subscription(call.path["id"])
        if sub["status"] == "canceled":
            # What Stripe answers: a canceled subscription is as good as gone.
            raise _missing("subscription", sub["id"])
        for name in ("invoice_now", "prorate"):
            _boolean(p, name)
        sub["cancellation_details"] = {**sub["cancellation_details"],
                                       **_cancellation_details(p)}
        self._cancel_subscription(call, sub, reason="cancellation_requested")
        return sub

    def _cancel_subscription(self, call: _Call, sub: dict[str, Any], reason: str | None) -> None:
        now = _now()
        if reason is None:
            reason = ("payment_failed" if sub["status"] in ("past_due", "unpaid", "incomplete")
                      and not sub["cancel_at_period_end"] else "cancellation_requested")
        sub.update(status="canceled", canceled_at=sub["canceled_at"] or now, ended_at=now)
        sub["cancellation_details"] = {**sub["cancellation_details"], "reason": reason}
        self._state.pending_prorations.pop(sub["id"], None)
        self._emit(call, "customer.subscription.deleted", sub)

    def _fail_payment(self, call: _Call, subscription_id: str) -> dict[str, Any]:
        sub = self._live_subscription(subscription_id)
        latest = self._state.invoices.get(sub["latest_invoice"] or "")
        now = _now()
        if latest is not None and latest["status"] == "open":
            attempts = latest["attempt_count"] + 1
            latest.update(attempt_count=attempts, attempted=True, next_payment_attempt=(
                None if attempts >= MAX_PAYMENT_ATTEMPTS else now + RETRY_INTERVAL_SECONDS))
            self._emit(call, "invoice.payment_failed", latest)
            return latest
        before = copy.deepcopy(sub)
        invoice = self._next_period(sub, paid=False)
        if sub["status"] in ("active", "trialing"):
            sub["status"] = "past_due"
        self._emit(call, "invoice.payment_failed", invoice)
        self._emit(call, "customer.subscription.updated", sub, _changes(before, sub))
        return invoice

    def _renew(self, call: _Call, subscription_id: str) -> dict[str, Any]:
        sub = self._live_subscription(subscription_id)
        if sub["cancel_at_period_end"]:
            raise _invalid(f"Subscription {subscription_id} is set to cancel at period end; "
                           "end it with end_subscription().", "id")
        before = copy.deepcopy(sub)
        now = _now()
        latest = self._state.invoices.get(sub["latest_invoice"] or "")
        if latest is not None and latest["status"] == "open":
            latest.update(status="paid", amount_paid=latest["amount_due"], amount_remaining=0,
                          attempt_count=latest["attempt_count"] + 1, attempted=True,
                          next_payment_attempt=None, auto_advance=False)
            latest["status_transitions"]["paid_at"] = now
            invoice = latest
        else:
            invoice = self._next_period(sub, paid=True)
        sub["status"] = "active"
        self._emit(call, "invoice.paid", invoice)
        self._emit(call, "invoice.payment_succeeded", invoice)
        self._emit(call, "customer.subscription.updated", sub, _changes(before, sub))
        return invoice

    def _next_period(self, sub: dict[str, Any], *, paid: bool) -> dict[str, Any]:
        """Move every item to its next period and bill it (with pending prorations)."""
        items = sub["items"]["data"]
        old_start, old_end = items[0]["current_period_start"], items[0]["current_period_end"]
        lines = []
        for item in items:
            recurring = item["price"]["recurring"]
            item["current_period_start"] = old_end
            item["current_period_end"] = add_interval(old_end, recurring["interval"],
                                                      recurring["interval_count"])
            lines.append(self._line(sub["id"], item, item["price"], item["quantity"],
                                    item["price"]["unit_amount"] * item["quantity"],
                                    item["current_period_start"], item["current_period_end"]))
        lines = self._state.pending_prorations.pop(sub["id"], []) + lines
        # Stripe's quirk, kept on purpose: a renewal invoice's period_start/end is the period
        # that just ended; the period paid for is on its lines.
        return self._new_invoice(sub, "subscription_cycle", lines, old_start, old_end,
                                 paid=paid)

    # ------------------------------------------------------------------ portal, invoices, events

    def _create_portal_session(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, PORTAL_PARAMS)
        customer = self._customer(_required(p, "customer"), "customer")
        flow_data = _object(p, "flow_data")
        flow = None
        if flow_data:
            flow_type = _required(flow_data, "type", "flow_data[type]")
            if flow_type not in ("payment_method_update", "subscription_cancel",
                                 "subscription_update", "subscription_update_confirm"):
                raise _invalid(f"Invalid flow_data[type]: {flow_type}", "flow_data[type]")
            flow = {"after_completion": {"hosted_confirmation": None, "redirect": None,
                                         "type": "portal_homepage"},
                    "subscription_cancel": None, "subscription_update": None,
                    "subscription_update_confirm": None, "type": flow_type,
                    **{k: v for k, v in flow_data.items() if k.startswith("subscription_")}}
        portal_id = _new_id("bps")
        portal = {
            "id": portal_id, "object": "billing_portal.session",
            "configuration": _string(p, "configuration") or self._portal_configuration,
            "created": _now(), "customer": customer["id"], "flow": flow, "livemode": False,
            "locale": _string(p, "locale"), "on_behalf_of": _string(p, "on_behalf_of"),
            "return_url": _string(p, "return_url"), "url": f"{self.url}/portal/{portal_id}",
        }
        self._state.portal_sessions[portal_id] = portal
        return portal

    def _list_invoices(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, LIST_PARAMS | {"customer", "subscription", "status"})
        customer, subscription = _string(p, "customer"), _string(p, "subscription")
        status = _string(p, "status")
        found = [inv for inv in reversed(self._state.invoices.values())
                 if customer in (None, inv["customer"]) and status in (None, inv["status"])
                 and subscription in (None,
                                      inv["parent"]["subscription_details"]["subscription"])]
        return self._page(found, p, "/v1/invoices")

    def _get_invoice(self, call: _Call) -> dict[str, Any]:
        _only(call.params, {"expand"})
        invoice = self._state.invoices.get(call.path["id"])
        if invoice is None:
            raise _missing("invoice", call.path["id"])
        return invoice

    def _list_events(self, call: _Call) -> dict[str, Any]:
        p = call.params
        _only(p, LIST_PARAMS | {"type", "types"})
        patterns = [str(t) for t in _array(p, "types")] or [_string(p, "type") or "*"]

        def wanted(event_type: str) -> bool:
            return any(pattern == "*" or pattern == event_type or (
                pattern.endswith(".*") and event_type.startswith(pattern[:-1]))
                for pattern in patterns)

        found = [e for e in reversed(self._state.events) if wanted(e["type"])]
        return self._page(found, p, "/v1/events")

    def _get_event(self, call: _Call) -> dict[str, Any]:
        _only(call.params, {"expand"})
        for event in self._state.events:
            if event["id"] == call.path["id"]:
                return event
        raise _missing("event", call.path["id"])

    def _get_price(self, call: _Call) -> dict[str, Any]:
        _only(call.params, {"expand"})
        return self._price(call.path["id"])

    def _page(self, found: list[dict[str, Any]], params: Mapping[str, Any],
              url: str) -> dict[str, Any]:
        """One page of a list, newest first, with Stripe's cursor parameters."""
        limit = _integer(params, "limit", minimum=1, maximum=100) or 10
        ids = [obj["id"] for obj in found]
        after, before = _string(params, "starting_after"), _string(params, "ending_before")
        if after is not None:
            if after not in ids:
                raise _missing("object", after, "starting_after")
            found = found[ids.index(after) + 1:]
        if before is not None:
            if before not in ids:
                raise _missing("object", before, "ending_before")
            found = found[:ids.index(before)]
            page = found[-limit:]
        else:
            page = found[:limit]
        return {"object": "list", "data": page, "has_more": len(found) > limit, "url": url}

    def _expand(self, body: dict[str, Any], paths: list[Any]) -> None:
        for path in paths:
            if not isinstance(path, str) or not path:
                raise _invalid(f"Invalid expand: {path!r}", "expand")
            self._expand_path(body, path.split("."), path)

    def _expand_path(self, node: Any, parts: list[str], path: str) -> None:
        if not parts or node is None:
            return
        head, rest = parts[0], parts[1:]
        if isinstance(node, dict) and node.get("object") == "list" and head == "data":
            for element in node["data"]:
                self._expand_path(element, rest, path)
            return
        if isinstance(node, dict) and node.get("object") == "checkout.session" \
                and head == "line_items":
            node["line_items"] = self._line_items(node["id"])
        if not isinstance(node, dict) or head not in node:
            raise _invalid(f"This property cannot be expanded ({path}).", "expand")
        if isinstance(node[head], str):
            target = self._find(node[head])
            if target is None:
                raise _invalid(f"This property cannot be expanded ({path}).", "expand")
            node[head] = copy.deepcopy(target)
        self._expand_path(node[head], rest, path)

    # ------------------------------------------------------------------ HTTP plumbing

    def _build_app(self) -> Starlette:
        api = self._api
        control = self._control
        routes = [
            Route("/v1/customers", api(self._create_customer), methods=["POST"]),
            Route("/v1/customers/{id}", api(self._get_customer), methods=["GET"]),
            Route("/v1/customers/{id}", api(self._update_customer), methods=["POST"]),
            Route("/v1/customers/{id}", api(self._delete_customer), methods=["DELETE"]),
            Route("/v1/checkout/sessions", api(self._create_checkout_session),
                  methods=["POST"]),
            Route("/v1/checkout/sessions/{id}", api(self._get_checkout_session),
                  methods=["GET"]),
            Route("/v1/billing_portal/sessions", api(self._create_portal_session),
                  methods=["POST"]),
            Route("/v1/subscriptions", api(self._list_subscriptions), methods=["GET"]),
            Route("/v1/subscriptions/{id}", api(self._get_subscription), methods=["GET"]),
            Route("/v1/subscriptions/{id}", api(self._update_subscription), methods=["POST"]),
            Route("/v1/subscriptions/{id}", api(self._delete_subscription),
                  methods=["DELETE"]),
            Route("/v1/invoices", api(self._list_invoices), methods=["GET"]),
            Route("/v1/invoices/{id}", api(self._get_invoice), methods=["GET"]),
            Route("/v1/events", api(self._list_events), methods=["GET"]),
            Route("/v1/events/{id}", api(self._get_event), methods=["GET"]),
            Route("/v1/prices/{id}", api(self._get_price), methods=["GET"]),
            Route("/v1/{rest:path}", self._unknown_url,
                  methods=["GET", "POST", "DELETE", "PUT", "PATCH"]),
            Route("/checkout/{id}", self._checkout_page, methods=["GET"]),
            Route("/portal/{id}", self._portal_page, methods=["GET"]),
            Route("/portal/{id}/subscriptions/{sub}/{action}", self._portal_action,
                  methods=["POST"]),
            Route("/invoice/{id}", self._invoice_page, methods=["GET"]),
            Route("/invoice/{id}/pdf", self._invoice_pdf, methods=["GET"]),
            Route("/__fake/checkout/{id}/complete", self._http_complete, methods=["POST"]),
            Route("/__fake/subscriptions/{id}/fail_payment",
                  control(lambda sub_id, _: self.fail_payment(sub_id)), methods=["POST"]),
            Route("/__fake/subscriptions/{id}/renew",
                  control(lambda sub_id, _: self.renew(sub_id)), methods=["POST"]),
            Route("/__fake/subscriptions/{id}/end",
                  control(lambda sub_id, _: self.end_subscription(sub_id)), methods=["POST"]),
            Route("/__fake/prices", control(self._http_add_price), methods=["POST"]),
            Route("/__fake/webhook", control(self._http_set_webhook), methods=["POST"]),
            Route("/__fake/events", self._http_events, methods=["GET"]),
            Route("/__fake/deliveries", self._http_deliveries, methods=["GET"]),
            Route("/__fake/reset", self._http_reset, methods=["POST"]),
        ]
        return Starlette(routes=routes)

    def _api(self, handler: Callable[[_Call], dict[str, Any]]):
        async def endpoint(request: Request) -> Response:
            request_id = _new_id("req", 14)
            version = request.headers.get("stripe-version") or self.api_version
            headers = {"Request-Id": request_id, "Stripe-Version": version}
            try:
                self._authenticate(request)
                _check_version(version)
                params = await _request_params(request)
            except FakeStripeError as exc:
                extra = {"WWW-Authenticate": 'Bearer realm="Stripe"'} if exc.status == 401 else {}
                return JSONResponse(exc.body(request_id), exc.status, headers | extra)
            with self._lock:
                holds = [h for h in self._holds if h.matches(request.method, request.url.path)]
            for held in holds:
                await held._until_released(request.url.path)
            key = request.headers.get("idempotency-key") if request.method == "POST" else None
            with self._lock:
                status, body, replayed = self._answer(request, handler, params, request_id, key)
                self._state.requests.append(RecordedRequest(
                    request.method, request.url.path, params, dict(request.headers), status,
                    request_id))
            if replayed is not None:
                headers |= {"Idempotent-Replayed": "true", "Original-Request": replayed}
            return JSONResponse(body, status, headers)

        return endpoint

    def _answer(self, request: Request, handler: Callable[[_Call], dict[str, Any]],
                params: dict[str, Any], request_id: str,
                key: str | None) -> tuple[int, dict[str, Any], str | None]:
        """Status, body and (on an idempotent replay) the original request id; runs under the
        lock so that a key is checked, used and stored in one step."""
        method, path = request.method, request.url.path
        if key is not None:
            if len(key) > 255:
                error = _invalid("Keys for idempotent requests can only be a maximum of 255 "
                                 "characters long.")
                return error.status, error.body(request_id), None
            stored = self._state.idempotency.get(key)
            if stored is not None and time.time() - stored.at < IDEMPOTENCY_TTL_SECONDS:
                if (stored.method, stored.path, stored.params) != (method, path, params):
                    error = FakeStripeError(
                        400, "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        type="idempotency_error")
                    return error.status, error.body(request_id), None
                return stored.status, copy.deepcopy(stored.body), stored.request_id
        call = _Call(params, dict(request.path_params), request_id, key)
        try:
            body = copy.deepcopy(handler(call))
            expand = params.get("expand")
            if expand:
                self._expand(body, expand if isinstance(expand, list) else [expand])
            status = 200
        except FakeStripeError as exc:
            status, body = exc.status, exc.body(request_id)
            # Handlers validate before they change anything, so a failed call emitted nothing;
            # a failed expand after a successful change keeps the change's events.
        except Exception:
            log.exception("fake stripe: %s %s failed", method, path)
            status, body = 500, FakeStripeError(500, "An unknown error occurred",
                                                type="api_error").body(request_id)
        if key is not None:
            self._state.idempotency[key] = _StoredResponse(time.time(), method, path, params,
                                                           status, copy.deepcopy(body),
                                                           request_id)
        self._dispatch(call.events)
        return status, body, None

    def _authenticate(self, request: Request) -> None:
        auth = request.headers.get("authorization")
        if not auth:
            raise FakeStripeError(
                401, "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').")
        scheme, _, credentials = auth.partition(" ")
        key = credentials.strip()
        if scheme.lower() == "basic":
            try:
                key = base64.b64decode(key).decode().partition(":")[0]
            except ValueError:
                key = ""
        elif scheme.lower() != "bearer":
            key = ""
        if key != self.secret_key:
            raise FakeStripeError(401, f"Invalid API Key provided: {_redacted(key)}")

    async def _unknown_url(self, request: Request) -> Response:
        request_id = _new_id("req", 14)
        error = FakeStripeError(404, f"Unrecognized request URL ({request.method}: "
                                     f"{request.url.path}).")
        return JSONResponse(error.body(request_id), 404, {"Request-Id": request_id})

    # ------------------------------------------------------------------ HTTP test controls

    def _control(self, action: Callable[[str, dict[str, Any]], Any]):
        async def endpoint(request: Request) -> Response:
            options = await _control_options(request)
            try:
                return JSONResponse(action(request.path_params.get("id", ""), options))
            except FakeStripeError as exc:
                return JSONResponse(exc.body(), exc.status)
            except KeyError as exc:
                return JSONResponse(_invalid(f"Missing required option: {exc}").body(), 400)
            except (TypeError, ValueError) as exc:
                return JSONResponse(_invalid(str(exc)).body(), 400)

        return endpoint

    def _http_add_price(self, _: str, options: dict[str, Any]) -> dict[str, Any]:
        # Over HTTP an empty or null interval means a one-time price; a missing one, monthly.
        interval = options.get("interval", "month") or None
        return self.add_price(str(options["id"]), product=str(options["product"]),
                              unit_amount=int(options["unit_amount"]),
                              currency=str(options.get("currency") or "usd"),
                              interval=interval,
                              interval_count=int(options.get("interval_count") or 1))

    def _http_set_webhook(self, _: str, options: dict[str, Any]) -> dict[str, Any]:
        url = options.get("url") or None
        self.set_webhook_url(url)
        return {"url": url}

    async def _http_complete(self, request: Request) -> Response:
        options = await _control_options(request)
        session_id = request.path_params["id"]
        try:
            session = self.complete_checkout(
                session_id, shuffle=_truthy(options.get("shuffle")),
                duplicate=_truthy(options.get("duplicate")),
                payment_fails=_truthy(options.get("payment_fails")))
        except FakeStripeError as exc:
            if _truthy(options.get("redirect")):
                return _page("Checkout failed", f"<p>{html.escape(exc.message)}</p>",
                             exc.status)
            return JSONResponse(exc.body(), exc.status)
        if not _truthy(options.get("redirect")):
            return JSONResponse(session)
        if session["success_url"]:
            return RedirectResponse(
                session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), 303)
        return _page("Payment complete", "<p>Payment complete. You can close this page.</p>")

    async def _http_events(self, request: Request) -> Response:
        return JSONResponse(self.events(request.query_params.get("type")))

    async def _http_deliveries(self, request: Request) -> Response:
        return JSONResponse([d._asdict() for d in self.deliveries()])

    async def _http_reset(self, request: Request) -> Response:
        self.reset()
        return Response(status_code=204)

    # ------------------------------------------------------------------ pages for a browser

    async def _checkout_page(self, request: Request) -> Response:
        session_id = request.path_params["id"]
        with self._lock:
            session = copy.deepcopy(self._state.sessions.get(session_id))
            lines = self._line_items(session_id)["data"] if session else []
        if session is None:
            return _page("No such Checkout Session", "<p>This checkout link is invalid.</p>",
                         404)
        rows = "".join(
            f"<tr><td>{html.escape(line['description'])}</td><td>{line['quantity']}</td>"
            f"<td>{_money(line['amount_total'], line['currency'])}{_per(line['price'])}</td></tr>"
            for line in lines)
        total = _money(session["amount_total"], session["currency"])
        email = session["customer_email"] or ""
        if session["status"] == "open":
            action = html.escape(f"/__fake/checkout/{session_id}/complete")
            cancel = (f'<p><a href="{html.escape(session["cancel_url"])}">Cancel</a></p>'
                      if session["cancel_url"] else "")
            body = (f'<form method="post" action="{action}">'
                    '<input type="hidden" name="redirect" value="true">'
                    f"<button type=\"submit\">Pay {total}</button></form>{cancel}")
        else:
            body = f"<p>This Checkout Session is {html.escape(session['status'])}.</p>"
        return _page(
            "Fake Stripe Checkout",
            f"<p>{html.escape(email)}</p><table><tr><th>Item</th><th>Qty</th><th>Price</th>"
            f"</tr>{rows}</table><p><strong>Total: {total}</strong></p>{body}"
            "<p><small>Test mode: a fake Stripe, nothing is charged.</small></p>")

    async def _portal_page(self, request: Request) -> Response:
        with self._lock:
            portal = copy.deepcopy(self._state.portal_sessions.get(request.path_params["id"]))
            subs = [copy.deepcopy(s) for s in self._state.subscriptions.values()
                    if portal and s["customer"] == portal["customer"]]
        if portal is None:
            return _page("No such portal session", "<p>This link is invalid.</p>", 404)
        rows = []
        for sub in subs:
            item = sub["items"]["data"][0]
            period_end = datetime.fromtimestamp(item["current_period_end"], UTC).date()
            state = sub["status"] + (f", cancels on {period_end}"
                                     if sub["cancel_at_period_end"] else "")
            button = ""
            if sub["status"] != "canceled":
                action = "resume" if sub["cancel_at_period_end"] else "cancel"
                label = "Don't cancel" if sub["cancel_at_period_end"] else "Cancel plan"
                url = html.escape(f"/portal/{portal['id']}/subscriptions/{sub['id']}/{action}")
                button = f'<form method="post" action="{url}"><button>{label}</button></form>'
            rows.append(f"<li>{html.escape(item['price']['product'])} "
                        f"({_money(item['price']['unit_amount'], item['price']['currency'])}"
                        f"{_per(item['price'])}): {html.escape(state)}"
                        f"{button}</li>")
        back = (f'<p><a href="{html.escape(portal["return_url"])}">Return</a></p>'
                if portal["return_url"] else "")
        return _page("Fake Stripe billing portal",
                     f"<ul>{''.join(rows) or '<li>No subscriptions.</li>'}</ul>{back}")

    async def _portal_action(self, request: Request) -> Response:
        portal_id, sub_id = request.path_params["id"], request.path_params["sub"]
        action = request.path_params["action"]
        with self._lock:
            portal = self._state.portal_sessions.get(portal_id)
            sub = self._state.subscriptions.get(sub_id)
            if portal is None or sub is None or sub["customer"] != portal["customer"] \
                    or sub["status"] == "canceled" or action not in ("cancel", "resume"):
                return _page("Not possible", "<p>This subscription cannot be changed.</p>", 400)
            before = copy.deepcopy(sub)
            self._set_cancel_at_period_end(sub, action == "cancel", _now())
            call = _Call({})
            if previous := _changes(before, sub):
                self._emit(call, "customer.subscription.updated", sub, previous)
            self._dispatch(call.events)
        return RedirectResponse(f"/portal/{portal_id}", 303)

    async def _invoice_page(self, request: Request) -> Response:
        with self._lock:
            invoice = copy.deepcopy(self._state.invoices.get(request.path_params["id"]))
        if invoice is None:
            return _page("No such invoice", "<p>This invoice link is invalid.</p>", 404)
        rows = "".join(f"<tr><td>{html.escape(line['description'])}</td>"
                       f"<td>{_money(line['amount'], line['currency'])}</td></tr>"
                       for line in invoice["lines"]["data"])
        return _page(
            f"Invoice {invoice['number']}",
            f"<p>Status: {html.escape(invoice['status'])}</p><table>{rows}</table>"
            f"<p><strong>Amount due: {_money(invoice['amount_due'], invoice['currency'])}"
            f"</strong></p><p><a href=\"{html.escape(invoice['invoice_pdf'])}\">PDF</a></p>")

    async def _invoice_pdf(self, request: Request) -> Response:
        with self._lock:
            invoice = copy.deepcopy(self._state.invoices.get(request.path_params["id"]))
        if invoice is None:
            return Response(status_code=404)
        lines = [f"Invoice {invoice['number']} ({invoice['status']})",
                 *(f"{line['description']}: {_money(line['amount'], line['currency'])}"
                   for line in invoice["lines"]["data"]),
                 f"Amount due: {_money(invoice['amount_due'], invoice['currency'])}"]
        return Response(_pdf(lines), media_type="application/pdf")


def _check_version(version: str) -> None:
    match = VERSION.match(version)
    if match is None:
        raise _invalid(f"Invalid Stripe API version: {version}")
    if match.group(1) < OLDEST_API_VERSION:
        raise _invalid(f"The fake Stripe renders objects only as of API version "
                       f"{OLDEST_API_VERSION}.basil; this request asks for {version}.")


async def _request_params(request: Request) -> dict[str, Any]:
    """Query parameters and, for a POST, the form body (anything else is refused, as v1 does)."""
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        raw = await request.body()
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        looks_like_json = raw.lstrip()[:1] in (b"{", b"[")
        if raw.strip() and (content_type not in ("", "application/x-www-form-urlencoded")
                            or looks_like_json):
            raise _invalid("Invalid request: the v1 API takes application/x-www-form-urlencoded "
                           "bodies (nested values in bracket notation, e.g. "
                           "metadata[key]=value), not JSON.")
        try:
            pairs += parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise _invalid("Invalid request: the body is not UTF-8.") from exc
    return decode_params(pairs)


async def _control_options(request: Request) -> dict[str, Any]:
    """Options of a /__fake control: a JSON object, a form, or nothing."""
    raw = await request.body()
    if not raw.strip():
        return {}
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _event_body(event: Mapping[str, Any]) -> bytes:
    # Stripe sends indented JSON; a receiver that verifies re-serialized JSON instead of the raw
    # bytes fails here as it would in production.
    return json.dumps(event, indent=2).encode()


def _webhook_headers(signature: str) -> dict[str, str]:
    return {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Accept": "*/*; q=0.5, application/xml", "Cache-Control": "no-cache"}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
        f"</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>", status)


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with the lines in Helvetica, enough for a browser to show."""
    def text(line: str) -> str:
        ascii_line = line.encode("ascii", "replace").decode()
        return ascii_line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = ("BT /F1 12 Tf 16 TL 72 740 Td "
              + " ".join(f"({text(line)}) '" for line in lines) + " ET").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out
