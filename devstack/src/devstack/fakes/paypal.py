"""A fake PayPal for tests and offline runs: OAuth 2.0 client credentials, the Subscriptions API v1
and signed webhooks, with PayPal's documented object and error shapes (never on the production
path).

* `POST /v1/oauth2/token` (Basic client auth, `grant_type=client_credentials`); `expire_tokens()`
  makes every issued token answer 401, as an expired one does.
* `POST /v1/billing/subscriptions` (`PayPal-Request-Id` idempotency, `Prefer: return=minimal` or
  `return=representation`), `GET .../{id}`, `POST .../{id}/cancel` (204), `POST .../{id}/revise`.
  Plans are registered by the test with `add_plan()`.
* The buyer's approval page `GET /webapps/billing/subscriptions?ba_token=BA-...` (the `approve`
  link) with an "Agree & Subscribe" button, which posts to the control below.
* HTTP controls, so that tests in other processes can drive the buyer's side and PayPal's billing
  clock: `POST /__fake/subscriptions/{id}/approve` (activates, or applies a pending revision, sends
  the webhooks, then redirects to the return URL with `subscription_id`, `ba_token` and `token`),
  `.../renew` (next cycle paid), `.../fail_payment` (suspended), `.../expire`.
* Webhooks: every event is delivered to the URL given to `set_webhook()` with PayPal's
  `PAYPAL-*` headers, signed as PayPal does (contract section 5, option B: SHA256withRSA over
  `transmission_id|transmission_time|webhook_id|crc32(body)`) with the fake's own key, whose
  certificate is served at the `PAYPAL-CERT-URL`. `POST /v1/notifications/verify-webhook-signature`
  really checks that signature against the exact bytes of `webhook_event` in the request, so a
  re-serialised or tampered body, or another webhook id, yields `FAILURE`.

    paypal = FakePayPal(client_id="cid", client_secret="secret").start()
    paypal.add_plan("P-5ML4271244454362WXNWU5NQ", "9.00", "USD")
    paypal.set_webhook("http://127.0.0.1:8105/webhooks/paypal", "1JE4291016473214C")
    ...
    paypal.stop()

Webhooks are sent while the triggering request is handled, so that a test sees them as soon as
that request returns; the receiver may call back into the fake meanwhile (it serves concurrently).
`deliver()` is blocking: from async code, do not point it at a receiver on the caller's own loop.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import copy
import functools
import html
import json
import re
import secrets
import ssl
import string
import threading
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from devstack.fakes.serving import ThreadedApp

AUTH_ALGO = "SHA256withRSA"
TOKEN_TTL = 32400  # seconds; what PayPal's token endpoint answers in `expires_in`
APP_ID = "APP-80W284485P519543T"
INTERVAL_UNITS = ("DAY", "WEEK", "MONTH", "YEAR")
_ALNUM = string.ascii_uppercase + string.digits
_WS = re.compile(r"[ \t\n\r]*")


@functools.cache
def _signing_key() -> rsa.RSAPrivateKey:
    # One key per process: generating a 2048-bit key takes a noticeable part of a second, and
    # each fake still only vouches for its own certificate URL.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle is the slow part of making an httpx client; do it once.
    return httpx.create_ssl_context()


def _pp_id(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _add_interval(moment: datetime, unit: str) -> datetime:
    """One billing cycle later; month ends clamp (Jan 31 -> Feb 28) as calendars do."""
    if unit == "DAY":
        return moment + timedelta(days=1)
    if unit == "WEEK":
        return moment + timedelta(weeks=1)
    months = 1 if unit == "MONTH" else 12
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _raw_member(text: str, name: str) -> str | None:
    """The exact source text of the value of top-level member `name` of a JSON object (the last
    one, as `json.loads` keeps), or None; ValueError when `text` is not a JSON object."""
    decoder = json.JSONDecoder()
    i = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if text[i:i + 1] != "{":
        raise ValueError("not a JSON object")
    i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
    found = None
    if text[i:i + 1] == "}":
        i += 1
    else:
        while True:
            key, i = decoder.raw_decode(text, i)
            if not isinstance(key, str):
                raise ValueError("object key is not a string")
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i:i + 1] != ":":
                raise ValueError("expected ':'")
            start = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            _, end = decoder.raw_decode(text, start)
            if key == name:
                found = text[start:end]
            i = _WS.match(text, end).end()  # type: ignore[union-attr]
            if text[i:i + 1] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                continue
            if text[i:i + 1] == "}":
                i += 1
                break
            raise ValueError("expected ',' or '}'")
    if text[_WS.match(text, i).end():]:  # type: ignore[union-attr]
        raise ValueError("extra data after the object")
    return found


@dataclass
class RecordedRequest:
    """One request the fake served, for assertions."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int = 0


@dataclass
class Delivery:
    """One webhook POST the fake made (or, for `deliver(tamper=True)`, a forged one)."""

    url: str
    headers: dict[str, str]
    body: bytes
    event: dict[str, Any]
    status: int | None  # None: the receiver could not be reached


@dataclass
class _Plan:
    plan_id: str
    amount: str
    currency: str
    interval_unit: str


@dataclass
class _Revision:
    plan_id: str
    ba_token: str
    return_url: str | None
    cancel_url: str | None


@dataclass
class _Subscription:
    id: str
    plan_id: str
    custom_id: str | None
    email: str | None
    return_url: str | None
    cancel_url: str | None
    ba_token: str
    create_time: datetime
    status: str = "APPROVAL_PENDING"
    status_update_time: datetime = field(default_factory=_now)
    update_time: datetime = field(default_factory=_now)
    status_change_note: str | None = None
    payer_id: str | None = None
    start_time: datetime | None = None
    last_payment: tuple[str, str, datetime] | None = None  # value, currency, time
    last_failed_payment: tuple[str, str, datetime] | None = None
    next_billing_time: datetime | None = None
    cycles_completed: int = 0
    failed_payments_count: int = 0
    pending: _Revision | None = None

    def set_status(self, status: str, note: str | None = None) -> None:
        self.status = status
        self.status_update_time = self.update_time = _now()
        if note is not None:
            self.status_change_note = note


class _Problem(Exception):
    """Internal: an error answer in PayPal's shape."""

    def __init__(self, status: int, name: str, message: str,
                 details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message
        self.details = details or []

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"name": self.name, "message": self.message,
                                "debug_id": secrets.token_hex(7)[:13]}
        if self.details:
            body["details"] = self.details
        body["links"] = [{"href": f"https://developer.paypal.com/docs/api/v1/#error-{self.name}",
                          "rel": "information_link", "method": "GET"}]
        return JSONResponse(body, status_code=self.status)


def _not_found() -> _Problem:
    return _Problem(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
                    [{"issue": "INVALID_RESOURCE_ID",
                      "description": "Requested resource ID was not found."}])


def _missing(field_name: str) -> _Problem:
    return _Problem(400, "INVALID_REQUEST",
                    "Request is not well-formed, syntactically incorrect, or violates schema.",
                    [{"field": f"/{field_name}", "location": "body",
                      "issue": "MISSING_REQUIRED_PARAMETER",
                      "description": "A required field / parameter is missing."}])


def _status_invalid(action: str) -> _Problem:
    return _Problem(422, "UNPROCESSABLE_ENTITY",
                    "The requested action could not be performed, semantically incorrect, or "
                    "failed business validation.",
                    [{"issue": "SUBSCRIPTION_STATUS_INVALID",
                      "description": f"Invalid subscription status for {action} action; "
                                     "subscription status should be active or suspended."}])


def _malformed() -> _Problem:
    return _Problem(400, "INVALID_REQUEST",
                    "Request is not well-formed, syntactically incorrect, or violates schema.",
                    [{"issue": "MALFORMED_REQUEST_JSON",
                      "description": "The request JSON is not well formed."}])


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _malformed()
    return body


class FakePayPal:
    """PayPal's REST API (OAuth, Subscriptions v1, webhooks) on one local HTTP server (see the
    module docstring)."""

    def __init__(self, *, client_id: str = "fake-client-id",
                 client_secret: str = "fake-client-secret", token_ttl: int = TOKEN_TTL,
                 revise_requires_approval: bool = True) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        # PayPal asks the buyer to consent to a plan change; False applies revisions at once.
        self.revise_requires_approval = revise_requires_approval
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._plans: dict[str, _Plan] = {}
        self._subscriptions: dict[str, _Subscription] = {}
        self._ba_tokens: dict[str, str] = {}          # BA-... -> subscription id
        self._request_ids: dict[tuple[str, str], Any] = {}  # (operation, PayPal-Request-Id)
        self._tokens: dict[str, datetime] = {}        # access token -> expiry
        self._failures: list[int] = []
        self._webhook: tuple[str, str] | None = None  # (url, webhook id)
        self._events: list[dict[str, Any]] = []
        self._deliveries: list[Delivery] = []
        self._key = _signing_key()
        self._cert_id = f"CERT-{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"
        self._cert = self._self_signed_cert()
        self.app = Starlette(routes=[
            Route("/v1/oauth2/token", self._recorded(self._token), methods=["POST"]),
            Route("/v1/billing/subscriptions", self._recorded(self._create), methods=["POST"]),
            Route("/v1/billing/subscriptions/{id}", self._recorded(self._get), methods=["GET"]),
            Route("/v1/billing/subscriptions/{id}/cancel", self._recorded(self._cancel),
                  methods=["POST"]),
            Route("/v1/billing/subscriptions/{id}/revise", self._recorded(self._revise),
                  methods=["POST"]),
            Route("/v1/notifications/verify-webhook-signature", self._recorded(self._verify),
                  methods=["POST"]),
            Route("/v1/notifications/certs/{cert_id}", self._recorded(self._cert_pem),
                  methods=["GET"]),
            Route("/webapps/billing/subscriptions", self._recorded(self._approval_page),
                  methods=["GET"]),
            Route("/__fake/subscriptions/{id}/approve", self._recorded(self._approve),
                  methods=["POST"]),
            Route("/__fake/subscriptions/{id}/renew", self._recorded(self._renew),
                  methods=["POST"]),
            Route("/__fake/subscriptions/{id}/fail_payment", self._recorded(self._fail_payment),
                  methods=["POST"]),
            Route("/__fake/subscriptions/{id}/expire", self._recorded(self._expire),
                  methods=["POST"]),
        ])
        self._http = ThreadedApp(self.app, "fake-paypal")

    # ------------------------------------------------------------------ lifecycle

    def start(self, port: int = 0) -> FakePayPal:
        """Serve on 127.0.0.1:`port` (0: a free one) in a background thread; returns self."""
        if self._http.port is None:
            self._http.start(port)
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread."""
        self._http.stop()
        self._http.port = None

    def __enter__(self) -> FakePayPal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API base URL (what `https://api-m.sandbox.paypal.com` is to a real client)."""
        return self._http.url

    @property
    def cert_url(self) -> str:
        """Where the certificate of the webhook-signing key is served (`PAYPAL-CERT-URL`)."""
        return f"{self.url}/v1/notifications/certs/{self._cert_id}"

    # ------------------------------------------------------------------ test configuration

    def add_plan(self, plan_id: str, amount: str | Decimal, currency: str = "USD", *,
                 interval_unit: str = "MONTH") -> None:
        """Register an active plan billing `amount` every `interval_unit` (DAY/WEEK/MONTH/YEAR)."""
        if interval_unit not in INTERVAL_UNITS:
            raise ValueError(f"interval_unit must be one of {INTERVAL_UNITS}")
        value = str(Decimal(amount).quantize(Decimal("0.01")))
        with self._lock:
            self._plans[plan_id] = _Plan(plan_id, value, currency.upper(), interval_unit)

    def set_webhook(self, url: str, webhook_id: str) -> None:
        """Deliver events to `url`, signed for the webhook `webhook_id` (as in the dashboard)."""
        with self._lock:
            self._webhook = (url, webhook_id)

    def expire_tokens(self) -> None:
        """Make every access token issued so far answer 401, as expired ones do."""
        with self._lock:
            self._tokens.clear()

    def fail_next(self, count: int, status: int = 503) -> None:
        """Fail the next `count` API calls (not token requests) with `status` (429 or a 5xx)."""
        with self._lock:
            self._failures.extend([status] * count)

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        """The subscription as `GET /v1/billing/subscriptions/{id}` shows it now."""
        with self._lock:
            sub = self._subscriptions.get(subscription_id)
            if sub is None:
                raise KeyError(subscription_id)
            return self._representation(sub)

    def events(self) -> list[dict[str, Any]]:
        """Every event the fake generated (oldest first), delivered or not."""
        with self._lock:
            return copy.deepcopy(self._events)

    def deliveries(self) -> list[Delivery]:
        """Every webhook POST made so far (oldest first)."""
        with self._lock:
            return list(self._deliveries)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests to one path, optionally of one method."""
        with self._lock:
            return [r for r in self.requests
                    if r.path == path and (method is None or r.method == method)]

    def deliver(self, event: dict[str, Any], *, tamper: bool = False) -> httpx.Response:
        """Sign and POST `event` to the webhook URL now (blocking); with `tamper`, the signature
        is made for the event as given but the body sent has a changed `summary`."""
        with self._lock:
            if self._webhook is None:
                raise RuntimeError("call set_webhook() first")
            url, webhook_id = self._webhook
        body = _serialise(event)
        headers = self.sign(body, webhook_id)
        if tamper:
            forged = copy.deepcopy(event)
            forged["summary"] = f"{forged.get('summary', '')} (tampered)"
            body = _serialise(forged)
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=10,
                                  verify=_ssl_context())
        except httpx.TransportError:
            self._keep_delivery(Delivery(url, headers, body, event, None))
            raise
        self._keep_delivery(Delivery(url, headers, body, event, response.status_code))
        return response

    def sign(self, body: bytes, webhook_id: str) -> dict[str, str]:
        """The headers PayPal sends with `body` for the webhook `webhook_id`."""
        transmission_id = str(uuid.uuid1())
        transmission_time = _iso(_now())
        message = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}"
        signature = self._key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return {
            "Content-Type": "application/json",
            "User-Agent": "PayPal/AUHD-214.0-58844469",
            "PAYPAL-AUTH-ALGO": AUTH_ALGO,
            "PAYPAL-CERT-URL": self.cert_url,
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
        }

    # ------------------------------------------------------------------ plumbing

    def _recorded(self, handler):
        async def endpoint(request: Request) -> Response:
            record = RecordedRequest(request.method, request.url.path,
                                     {k.lower(): v for k, v in request.headers.items()},
                                     await request.body())
            with self._lock:
                self.requests.append(record)
            try:
                response = await handler(request, record.body)
            except _Problem as problem:
                response = problem.response()
            record.status = response.status_code
            return response

        return endpoint

    def _authorize(self, request: Request) -> None:
        """Bearer check and injected failures, for every API call but the token request."""
        auth = request.headers.get("authorization", "")
        token = auth[7:] if auth[:7].lower() == "bearer " else ""
        with self._lock:
            expiry = self._tokens.get(token)
            valid = expiry is not None and datetime.now(UTC) < expiry
            failure = self._failures.pop(0) if valid and self._failures else None
        if not valid:
            raise _Problem(401, "AUTHENTICATION_FAILURE",
                           "Authentication failed due to invalid authentication credentials or "
                           "a missing Authorization header.")
        if failure == 429:
            raise _Problem(429, "RATE_LIMIT_REACHED",
                           "Too many requests. Blocked due to rate limiting.")
        if failure is not None:
            name = "SERVICE_UNAVAILABLE" if failure == 503 else "INTERNAL_SERVER_ERROR"
            raise _Problem(failure, name, "An internal server error has occurred.")

    def _find(self, subscription_id: str) -> _Subscription:
        sub = self._subscriptions.get(subscription_id)
        if sub is None:
            raise _not_found()
        return sub

    def _self_signed_cert(self) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             "messageverificationcerts.paypal.com")])
        now = datetime.now(UTC)
        return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=365))
                .sign(self._key, hashes.SHA256()))

    # ------------------------------------------------------------------ objects

    def _links(self, sub: _Subscription) -> list[dict[str, str]]:
        self_href = f"{self.url}/v1/billing/subscriptions/{sub.id}"
        links = []
        if sub.status == "APPROVAL_PENDING":
            links.append({"href": self._approve_url(sub.ba_token), "rel": "approve",
                          "method": "GET"})
        links.append({"href": self_href, "rel": "edit", "method": "PATCH"})
        links.append({"href": self_href, "rel": "self", "method": "GET"})
        if sub.status in ("ACTIVE", "SUSPENDED"):
            for rel in ("cancel", "suspend", "capture", "revise"):
                links.append({"href": f"{self_href}/{rel}", "rel": rel, "method": "POST"})
        return links

    def _approve_url(self, ba_token: str) -> str:
        return f"{self.url}/webapps/billing/subscriptions?{urlencode({'ba_token': ba_token})}"

    def _representation(self, sub: _Subscription) -> dict[str, Any]:
        plan = self._plans[sub.plan_id]
        subscriber: dict[str, Any] = {}
        if sub.email:
            subscriber["email_address"] = sub.email
        if sub.payer_id:
            subscriber |= {"payer_id": sub.payer_id,
                           "name": {"given_name": "Test", "surname": "Buyer"}}
        body: dict[str, Any] = {
            "id": sub.id,
            "plan_id": sub.plan_id,
            "quantity": "1",
            "custom_id": sub.custom_id,
            "plan_overridden": False,
            "status": sub.status,
            "status_update_time": _iso(sub.status_update_time),
            "subscriber": subscriber,
            "create_time": _iso(sub.create_time),
            "update_time": _iso(sub.update_time),
            "links": self._links(sub),
        }
        if sub.custom_id is None:
            del body["custom_id"]
        if sub.status_change_note:
            body["status_change_note"] = sub.status_change_note
        if sub.start_time is not None:
            body["start_time"] = _iso(sub.start_time)
        if sub.status != "APPROVAL_PENDING":
            money = lambda value: {"currency_code": plan.currency, "value": value}  # noqa: E731
            billing: dict[str, Any] = {
                "outstanding_balance": money("0.00"),
                "cycle_executions": [{
                    "tenure_type": "REGULAR", "sequence": 1,
                    "cycles_completed": sub.cycles_completed, "cycles_remaining": 0,
                    "current_pricing_scheme_version": 1, "total_cycles": 0}],
                "failed_payments_count": sub.failed_payments_count,
            }
            if sub.last_payment is not None:
                value, currency, at = sub.last_payment
                billing["last_payment"] = {"amount": {"currency_code": currency, "value": value},
                                           "time": _iso(at)}
            if sub.last_failed_payment is not None:
                value, currency, at = sub.last_failed_payment
                billing["last_failed_payment"] = {
                    "amount": {"currency_code": currency, "value": value}, "time": _iso(at),
                    "reason_code": "PAYMENT_DENIED"}
            if sub.next_billing_time is not None and sub.status in ("ACTIVE", "SUSPENDED"):
                billing["next_billing_time"] = _iso(sub.next_billing_time)
            body["billing_info"] = billing
        return body

    def _event(self, event_type: str, resource: dict[str, Any], summary: str,
               resource_type: str = "subscription") -> dict[str, Any]:
        event_id = f"WH-{_pp_id(17)}-{_pp_id(17)}"
        href = f"{self.url}/v1/notifications/webhooks-events/{event_id}"
        event: dict[str, Any] = {
            "id": event_id,
            "event_version": "1.0",
            "create_time": _iso(_now()),
            "resource_type": resource_type,
            "event_type": event_type,
            "summary": summary,
            "resource": resource,
            "links": [{"href": href, "rel": "self", "method": "GET"},
                      {"href": f"{href}/resend", "rel": "resend", "method": "POST"}],
        }
        if resource_type == "subscription":
            event["resource_version"] = "2.0"
        self._events.append(event)
        return copy.deepcopy(event)

    def _sale_event(self, sub: _Subscription, payment: tuple[str, str, datetime]
                    ) -> dict[str, Any]:
        value, currency, at = payment
        sale_id = _pp_id(17)
        fee = str((Decimal(value) * Decimal("0.0349") + Decimal("0.49")).quantize(Decimal("0.01")))
        resource = {
            "id": sale_id, "state": "completed",
            "amount": {"total": value, "currency": currency, "details": {"subtotal": value}},
            "payment_mode": "INSTANT_TRANSFER",
            "protection_eligibility": "ELIGIBLE",
            "transaction_fee": {"value": fee, "currency": currency},
            "billing_agreement_id": sub.id,
            "custom": sub.custom_id or "",
            "create_time": _iso(at), "update_time": _iso(at),
            "links": [{"href": f"{self.url}/v1/payments/sale/{sale_id}", "rel": "self",
                       "method": "GET"}],
        }
        return self._event("PAYMENT.SALE.COMPLETED", resource,
                           f"Payment completed for {value} {currency}", resource_type="sale")

    def _subscription_event(self, event_type: str, sub: _Subscription, summary: str
                            ) -> dict[str, Any]:
        return self._event(event_type, self._representation(sub), summary)

    def _keep_delivery(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)

    async def _send(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            webhook = self._webhook
        if webhook is None:
            return
        url, webhook_id = webhook
        async with httpx.AsyncClient(timeout=10, verify=_ssl_context()) as client:
            for event in events:
                body = _serialise(event)
                headers = self.sign(body, webhook_id)
                try:
                    status: int | None = (await client.post(url, content=body,
                                                            headers=headers)).status_code
                except httpx.TransportError:
                    status = None
                self._keep_delivery(Delivery(url, headers, body, event, status))

    # ------------------------------------------------------------------ OAuth

    async def _token(self, request: Request, raw: bytes) -> Response:
        expected = "Basic " + base64.b64encode(
            f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client",
                                 "error_description": "Client Authentication failed"},
                                status_code=401)
        form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type",
                                 "error_description": "Grant Type is NULL"}, status_code=400)
        token = "A21AA" + secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = datetime.now(UTC) + timedelta(seconds=self.token_ttl)
        return JSONResponse({
            "scope": "https://uri.paypal.com/services/subscriptions "
                     "https://uri.paypal.com/services/applications/webhooks",
            "access_token": token, "token_type": "Bearer", "app_id": APP_ID,
            "expires_in": self.token_ttl, "nonce": f"{_iso(_now())}{secrets.token_urlsafe(16)}",
        })

    # ------------------------------------------------------------------ subscriptions

    async def _create(self, request: Request, raw: bytes) -> Response:
        self._authorize(request)
        body = _json_object(raw)
        request_id = request.headers.get("paypal-request-id")
        plan_id = body.get("plan_id")
        if not plan_id:
            raise _missing("plan_id")
        context = body.get("application_context") or {}
        for name in ("return_url", "cancel_url"):
            if context and not context.get(name):
                raise _missing(f"application_context/{name}")
        events = []
        with self._lock:
            existing = self._request_ids.get(("create", request_id)) if request_id else None
            if existing is not None:
                sub = self._subscriptions[existing]
            else:
                if plan_id not in self._plans:
                    raise _not_found()
                sub = _Subscription(
                    id=f"I-{_pp_id(12)}", plan_id=plan_id, custom_id=body.get("custom_id"),
                    email=(body.get("subscriber") or {}).get("email_address"),
                    return_url=context.get("return_url"), cancel_url=context.get("cancel_url"),
                    ba_token=f"BA-{_pp_id(17)}", create_time=_now())
                self._subscriptions[sub.id] = sub
                self._ba_tokens[sub.ba_token] = sub.id
                if request_id:
                    self._request_ids[("create", request_id)] = sub.id
                events.append(self._subscription_event("BILLING.SUBSCRIPTION.CREATED", sub,
                                                       "Subscription created"))
            answer = self._representation(sub)
        await self._send(events)
        if "return=representation" not in request.headers.get("prefer", ""):
            answer = {k: answer[k] for k in ("id", "status", "create_time", "links")}
        return JSONResponse(answer, status_code=201)

    async def _get(self, request: Request, raw: bytes) -> Response:
        self._authorize(request)
        with self._lock:
            return JSONResponse(self._representation(self._find(request.path_params["id"])))

    async def _cancel(self, request: Request, raw: bytes) -> Response:
        self._authorize(request)
        reason = _json_object(raw).get("reason")
        if not reason:
            raise _missing("reason")
        with self._lock:
            sub = self._find(request.path_params["id"])
            if sub.status not in ("ACTIVE", "SUSPENDED"):
                raise _status_invalid("cancel")
            sub.set_status("CANCELLED", reason)
            sub.pending = None
            events = [self._subscription_event("BILLING.SUBSCRIPTION.CANCELLED", sub,
                                               "Subscription cancelled")]
        await self._send(events)
        return Response(status_code=204)

    async def _revise(self, request: Request, raw: bytes) -> Response:
        self._authorize(request)
        body = _json_object(raw)
        request_id = request.headers.get("paypal-request-id")
        plan_id = body.get("plan_id")
        if not plan_id:
            raise _missing("plan_id")
        context = body.get("application_context") or {}
        events = []
        with self._lock:
            replay = self._request_ids.get(("revise", request_id)) if request_id else None
            if replay is not None:
                return JSONResponse(replay)
            sub = self._find(request.path_params["id"])
            if plan_id not in self._plans:
                raise _not_found()
            if sub.status not in ("ACTIVE", "SUSPENDED"):
                raise _status_invalid("revise")
            links = [{"href": f"{self.url}/v1/billing/subscriptions/{sub.id}", "rel": "self",
                      "method": "GET"}]
            if self.revise_requires_approval:
                revision = _Revision(plan_id, f"BA-{_pp_id(17)}", context.get("return_url"),
                                     context.get("cancel_url"))
                sub.pending = revision
                self._ba_tokens[revision.ba_token] = sub.id
                links.insert(0, {"href": self._approve_url(revision.ba_token), "rel": "approve",
                                 "method": "GET"})
            else:
                sub.plan_id = plan_id
                sub.update_time = _now()
                events.append(self._subscription_event("BILLING.SUBSCRIPTION.UPDATED", sub,
                                                       "Subscription updated"))
            answer = {"plan_id": plan_id, "plan_overridden": False, "links": links}
            if request_id:
                self._request_ids[("revise", request_id)] = answer
        await self._send(events)
        return JSONResponse(answer)

    # ------------------------------------------------------------------ webhook verification

    async def _verify(self, request: Request, raw: bytes) -> Response:
        self._authorize(request)
        try:
            text = raw.decode("utf-8")
            fields = json.loads(text)
            # The signature covers the bytes PayPal sent, so check the event exactly as embedded.
            event_text = _raw_member(text, "webhook_event")
        except ValueError as exc:
            raise _malformed() from exc
        for name in ("auth_algo", "cert_url", "transmission_id", "transmission_sig",
                     "transmission_time", "webhook_id", "webhook_event"):
            if not fields.get(name):
                raise _Problem(400, "VALIDATION_ERROR", "Invalid request - see details",
                               [{"field": f"/{name}", "location": "body",
                                 "issue": "MISSING_REQUIRED_PARAMETER",
                                 "description": "A required field / parameter is missing."}])
        if event_text is None or not isinstance(fields["webhook_event"], dict):
            raise _Problem(400, "VALIDATION_ERROR", "Invalid request - see details",
                           [{"field": "/webhook_event", "location": "body",
                             "issue": "INVALID_PARAMETER_SYNTAX",
                             "description": "The value of a field does not conform to the "
                                            "expected format."}])
        message = "|".join((str(fields["transmission_id"]), str(fields["transmission_time"]),
                            str(fields["webhook_id"]), str(zlib.crc32(event_text.encode()))))
        verified = (fields["auth_algo"] == AUTH_ALGO and fields["cert_url"] == self.cert_url
                    and self._signature_valid(str(fields["transmission_sig"]), message))
        return JSONResponse({"verification_status": "SUCCESS" if verified else "FAILURE"})

    def _signature_valid(self, signature: str, message: str) -> bool:
        try:
            self._key.public_key().verify(base64.b64decode(signature, validate=True),
                                          message.encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    async def _cert_pem(self, request: Request, raw: bytes) -> Response:
        if request.path_params["cert_id"] != self._cert_id:
            raise _not_found()
        return Response(self._cert.public_bytes(serialization.Encoding.PEM),
                        media_type="application/x-x509-ca-cert")

    # ------------------------------------------------------------------ the buyer's side

    async def _approval_page(self, request: Request, raw: bytes) -> Response:
        ba_token = request.query_params.get("ba_token", "")
        with self._lock:
            sub = self._subscriptions.get(self._ba_tokens.get(ba_token, ""))
            if sub is None:
                return HTMLResponse("<h1>This link has expired.</h1>", status_code=404)
            revision = sub.pending if sub.pending and sub.pending.ba_token == ba_token else None
            plan = self._plans[revision.plan_id if revision else sub.plan_id]
            cancel_url = revision.cancel_url if revision else sub.cancel_url
        cancel = ""
        if cancel_url:
            href = html.escape(_add_query(cancel_url, {"token": ba_token}))
            cancel = f'<p><a href="{href}">Cancel and return to merchant</a></p>'
        page = f"""<!doctype html>
<html><head><title>PayPal Checkout - Subscribe</title></head>
<body>
<h1>{"Change your subscription" if revision else "Subscribe"}</h1>
<p>{html.escape(plan.amount)} {html.escape(plan.currency)} /
{html.escape(plan.interval_unit.lower())} &middot; plan {html.escape(plan.plan_id)}</p>
<form method="post" action="/__fake/subscriptions/{html.escape(sub.id)}/approve">
<button type="submit">Agree &amp; Subscribe</button>
</form>
{cancel}
</body></html>"""
        return HTMLResponse(page)

    async def _approve(self, request: Request, raw: bytes) -> Response:
        with self._lock:
            sub = self._find(request.path_params["id"])
            plan = self._plans[sub.plan_id]
            now = _now()
            if sub.status == "APPROVAL_PENDING":
                sub.payer_id = _pp_id(13)
                sub.email = sub.email or f"buyer-{sub.payer_id.lower()}@example.com"
                sub.start_time = now
                sub.last_payment = payment = (plan.amount, plan.currency, now)
                sub.next_billing_time = _add_interval(now, plan.interval_unit)
                sub.cycles_completed = 1
                sub.set_status("ACTIVE")
                ba_token, return_url = sub.ba_token, sub.return_url
                events = [self._subscription_event("BILLING.SUBSCRIPTION.ACTIVATED", sub,
                                                   "Subscription activated"),
                          self._sale_event(sub, payment)]
            elif sub.pending is not None:
                revision, sub.pending = sub.pending, None
                sub.plan_id = revision.plan_id
                sub.update_time = now
                ba_token, return_url = revision.ba_token, revision.return_url or sub.return_url
                events = [self._subscription_event("BILLING.SUBSCRIPTION.UPDATED", sub,
                                                   "Subscription updated")]
            else:
                return JSONResponse({"error": f"nothing to approve: subscription is "
                                              f"{sub.status}"}, status_code=409)
        await self._send(events)
        if not return_url:
            return HTMLResponse("<h1>You're subscribed.</h1>")
        return RedirectResponse(_add_query(return_url, {
            "subscription_id": sub.id, "ba_token": ba_token, "token": _pp_id(17)}),
            status_code=303)

    async def _renew(self, request: Request, raw: bytes) -> Response:
        with self._lock:
            sub = self._find(request.path_params["id"])
            if sub.status != "ACTIVE" or sub.next_billing_time is None:
                return _conflict(sub)
            plan = self._plans[sub.plan_id]
            # The cycle is paid when it starts, so periods chain whatever the wall clock says.
            paid_at = sub.next_billing_time
            sub.last_payment = payment = (plan.amount, plan.currency, paid_at)
            sub.next_billing_time = _add_interval(paid_at, plan.interval_unit)
            sub.cycles_completed += 1
            sub.failed_payments_count = 0
            sub.update_time = _now()
            events = [self._sale_event(sub, payment)]
            answer = self._representation(sub)
        await self._send(events)
        return JSONResponse(answer)

    async def _fail_payment(self, request: Request, raw: bytes) -> Response:
        with self._lock:
            sub = self._find(request.path_params["id"])
            if sub.status not in ("ACTIVE", "SUSPENDED"):
                return _conflict(sub)
            plan = self._plans[sub.plan_id]
            sub.failed_payments_count += 1
            sub.last_failed_payment = (plan.amount, plan.currency, _now())
            events = [self._subscription_event("BILLING.SUBSCRIPTION.PAYMENT.FAILED", sub,
                                               "Subscription payment failed")]
            if sub.status == "ACTIVE":
                sub.set_status("SUSPENDED", "Payment failed")
                events.append(self._subscription_event("BILLING.SUBSCRIPTION.SUSPENDED", sub,
                                                       "Subscription suspended"))
            answer = self._representation(sub)
        await self._send(events)
        return JSONResponse(answer)

    async def _expire(self, request: Request, raw: bytes) -> Response:
        with self._lock:
            sub = self._find(request.path_params["id"])
            if sub.status not in ("ACTIVE", "SUSPENDED"):
                return _conflict(sub)
            sub.set_status("EXPIRED")
            events = [self._subscription_event("BILLING.SUBSCRIPTION.EXPIRED", sub,
                                               "Subscription expired")]
            answer = self._representation(sub)
        await self._send(events)
        return JSONResponse(answer)


def _serialise(event: dict[str, Any]) -> bytes:
    # Compact, like PayPal's deliveries: a receiver that re-serialises with Python's defaults
    # (", " and ": ") sends different bytes to verify-webhook-signature and gets FAILURE.
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def _conflict(sub: _Subscription) -> JSONResponse:
    return JSONResponse({"error": f"not possible while the subscription is {sub.status}"},
                        status_code=409)


def _add_query(url: str, params: dict[str, str]) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{urlencode(params)}"
