"""PayPal Subscriptions (REST API v1) behind the provider-neutral interface of `base`.

Plain HTTP with httpx: the few calls billing needs do not justify an SDK. Webhooks are verified
online (contract section 5, option A: `POST /v1/notifications/verify-webhook-signature`) with
the delivered body embedded byte for byte: PayPal's signature covers a CRC32 of the bytes it
sent, and a re-serialised event (other spacing, key order or number formatting) fails.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx

from billing.providers.base import (
    ACTIVE,
    CANCELED,
    INCOMPLETE,
    PAST_DUE,
    CheckoutStart,
    InvalidWebhook,
    ProviderError,
    SubscriptionSnapshot,
    WebhookEvent,
)

LIVE_URL = "https://api-m.paypal.com"
SANDBOX_URL = "https://api-m.sandbox.paypal.com"

# APPROVED is the short moment between the buyer's consent and activation.
STATUSES = {
    "APPROVAL_PENDING": INCOMPLETE,
    "APPROVED": INCOMPLETE,
    "ACTIVE": ACTIVE,
    "SUSPENDED": PAST_DUE,
    "CANCELLED": CANCELED,
    "EXPIRED": CANCELED,
}
ENDED = ("CANCELLED", "EXPIRED")

# verify-webhook-signature field <- delivery header (lower case; HTTP header names are not).
WEBHOOK_HEADERS = (
    ("auth_algo", "paypal-auth-algo"),
    ("cert_url", "paypal-cert-url"),
    ("transmission_id", "paypal-transmission-id"),
    ("transmission_sig", "paypal-transmission-sig"),
    ("transmission_time", "paypal-transmission-time"),
)

# A cached token is replaced this long before PayPal says it expires (or at 90 % of a short
# lifetime), so that a request never leaves with a token that dies on the way.
TOKEN_REFRESH_MARGIN = 60.0
# PayPal answers 422 SUBSCRIPTION_STATUS_INVALID when cancelling a subscription that has ended.
STATUS_INVALID = "SUBSCRIPTION_STATUS_INVALID"


class PayPalError(ProviderError):
    """An error answer of PayPal's REST API. `code` is PayPal's `name` (e.g. RESOURCE_NOT_FOUND);
    `debug_id` is what PayPal support asks for; `issues` are the `details[].issue` values."""

    def __init__(self, message: str, *, status: int, code: str, transient: bool,
                 debug_id: str | None = None, issues: tuple[str, ...] = ()) -> None:
        super().__init__(message, transient=transient, status=status, code=code)
        self.debug_id = debug_id
        self.issues = issues


class PayPalProvider:
    """Subscriptions at PayPal, for users who pay with PayPal rather than a card (Stripe)."""

    name = "paypal"

    def __init__(self, *, base_url: str, client_id: str, client_secret: str, webhook_id: str,
                 plans: Mapping[str, str], timeout: float = 10.0,
                 http: httpx.AsyncClient | None = None) -> None:
        """`base_url`: `LIVE_URL` or `SANDBOX_URL`; `plans`: our plan name ("pro", "premium") ->
        PayPal plan id (P-...); `http`: a client to share (then `aclose()` leaves it open)."""
        self.base_url = base_url.rstrip("/")
        self.webhook_id = webhook_id
        self.plans = dict(plans)
        self._credentials = (client_id, client_secret)
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None
        self._timeout = timeout
        self._token: str | None = None
        self._token_fresh_until = 0.0
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Close the HTTP client if this provider created it."""
        if self._owns_http:
            await self._http.aclose()

    # ------------------------------------------------------------------ subscriptions

    async def create_subscription(self, plan: str, *, user_id: str, email: str | None,
                                  return_url: str, cancel_url: str,
                                  idempotency_key: str) -> CheckoutStart:
        """Create a subscription awaiting the buyer's approval; returns its id and the page
        (`approve` link) to send the browser to. The same `idempotency_key` returns the same
        subscription (PayPal-Request-Id)."""
        payload: dict[str, Any] = {
            "plan_id": self._plan_id(plan),
            "custom_id": user_id,
            "application_context": {
                "return_url": return_url,
                "cancel_url": cancel_url,
                "user_action": "SUBSCRIBE_NOW",
                "shipping_preference": "NO_SHIPPING",
            },
        }
        if email:
            payload["subscriber"] = {"email_address": email}
        body = await self._call("POST", "/v1/billing/subscriptions", json_body=payload,
                                headers={"PayPal-Request-Id": idempotency_key,
                                         "Prefer": "return=representation"})
        url = _link(body, "approve")
        if not body.get("id") or url is None:
            raise ProviderError("PayPal created a subscription without an id or approve link")
        return CheckoutStart(id=body["id"], url=url)

    async def fetch_subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        """The subscription as PayPal holds it now (see `STATUSES` for the status mapping; the
        period is the last payment up to `next_billing_time`)."""
        body = await self._call("GET", _subscription_path(subscription_id))
        return _snapshot(body)

    async def cancel_at_period_end(self, subscription_id: str, cancel: bool,
                                   idempotency_key: str) -> SubscriptionSnapshot:
        """PayPal cannot schedule a cancellation: `cancel=True` raises ProviderError with code
        "unsupported" (cancel with `cancel_now` when the paid period ends). `cancel=False` has
        nothing to undo and returns the subscription as it is."""
        if cancel:
            raise ProviderError("PayPal subscriptions cannot be cancelled at the period end; "
                                "cancel them when the paid period ends", code="unsupported")
        return await self.fetch_subscription(subscription_id)

    async def cancel_now(self, subscription_id: str, idempotency_key: str, *,
                         reason: str = "Cancelled at the subscriber's request") -> None:
        """Cancel at once (PayPal sends BILLING.SUBSCRIPTION.CANCELLED). Cancelling a
        subscription that has already ended succeeds, so that retries are harmless."""
        try:
            await self._call("POST", f"{_subscription_path(subscription_id)}/cancel",
                             json_body={"reason": reason},
                             headers={"PayPal-Request-Id": idempotency_key})
        except PayPalError as exc:
            if STATUS_INVALID not in exc.issues:
                raise
            if (await self.fetch_subscription(subscription_id)).status != CANCELED:
                raise

    async def change_plan(self, subscription_id: str, plan: str, idempotency_key: str, *,
                          return_url: str | None = None,
                          cancel_url: str | None = None) -> CheckoutStart | None:
        """Switch the subscription to `plan` (POST .../revise). PayPal usually needs the buyer's
        consent: then the answer is the page to send the browser to (the change happens once
        approved, announced by BILLING.SUBSCRIPTION.UPDATED); None when it applied at once.
        `return_url` and `cancel_url` (both or neither) are where that page sends the buyer."""
        if (return_url is None) != (cancel_url is None):
            raise ValueError("give both return_url and cancel_url, or neither")
        payload: dict[str, Any] = {"plan_id": self._plan_id(plan)}
        if return_url is not None:
            payload["application_context"] = {"return_url": return_url, "cancel_url": cancel_url,
                                              "shipping_preference": "NO_SHIPPING"}
        body = await self._call("POST", f"{_subscription_path(subscription_id)}/revise",
                                json_body=payload, headers={"PayPal-Request-Id": idempotency_key})
        url = _link(body, "approve")
        return CheckoutStart(id=subscription_id, url=url) if url else None

    # ------------------------------------------------------------------ webhooks

    async def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Have PayPal verify a delivery. InvalidWebhook: answer 400 (it is not from PayPal).
        ProviderError: PayPal could not say (outage, credentials); answer 5xx so it redelivers."""
        lower = {name.lower(): value for name, value in headers.items()}
        missing = [header for _, header in WEBHOOK_HEADERS if not lower.get(header)]
        if missing:
            raise InvalidWebhook(f"missing PayPal headers: {', '.join(missing)}")
        try:
            event = json.loads(body.decode("utf-8"))
        except ValueError as exc:  # UnicodeDecodeError is a ValueError
            raise InvalidWebhook("the body is not UTF-8 JSON") from exc
        if not isinstance(event, dict):
            raise InvalidWebhook("the body is not a JSON object")
        fields = {name: lower[header] for name, header in WEBHOOK_HEADERS}
        fields["webhook_id"] = self.webhook_id
        # Built by hand so that `webhook_event` is the delivered bytes, not a re-serialisation.
        head = json.dumps(fields, separators=(",", ":"))
        content = head[:-1].encode() + b',"webhook_event":' + body + b"}"
        answer = await self._call("POST", "/v1/notifications/verify-webhook-signature",
                                  content=content)
        status = answer.get("verification_status")
        if status != "SUCCESS":
            raise InvalidWebhook(f"PayPal verification_status {status!r}")
        event_id, event_type = event.get("id"), event.get("event_type")
        created = _time(event.get("create_time"))
        if not isinstance(event_id, str) or not isinstance(event_type, str) or created is None:
            raise InvalidWebhook("the event lacks id, event_type or create_time")
        resource = event.get("resource")
        return WebhookEvent(provider=self.name, id=event_id, type=event_type, created=created,
                            object=resource if isinstance(resource, dict) else {},
                            payload=event)

    # ------------------------------------------------------------------ HTTP

    def _plan_id(self, plan: str) -> str:
        try:
            return self.plans[plan]
        except KeyError:
            raise ProviderError(f"no PayPal plan configured for {plan!r}",
                                code="unknown_plan") from None

    async def _access_token(self) -> str:
        async with self._token_lock:
            if self._token is not None and time.monotonic() < self._token_fresh_until:
                return self._token
            try:
                response = await self._http.post(
                    f"{self.base_url}/v1/oauth2/token", data={"grant_type": "client_credentials"},
                    auth=self._credentials, headers={"Accept": "application/json"},
                    timeout=self._timeout)
            except httpx.TransportError as exc:
                raise ProviderError(f"PayPal token request failed: {exc!r}",
                                    transient=True) from exc
            if not response.is_success:
                raise _error(response, "POST /v1/oauth2/token")
            try:
                body = response.json()
                token, lifetime = str(body["access_token"]), float(body["expires_in"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ProviderError("PayPal answered the token request without a token",
                                    transient=True) from exc
            self._token = token
            self._token_fresh_until = time.monotonic() + lifetime - min(
                TOKEN_REFRESH_MARGIN, lifetime / 10)
            return self._token

    async def _forget_token(self, token: str) -> None:
        async with self._token_lock:
            # Another request may have replaced it already; keep the newer one.
            if self._token == token:
                self._token = None

    async def _call(self, method: str, path: str, *, json_body: Any = None,
                    content: bytes | None = None,
                    headers: dict[str, str] | None = None) -> dict[str, Any]:
        """One API call with the cached token, repeated once with a new token after a 401.
        Returns the JSON body ({} for 204); raises PayPalError or a transient ProviderError."""
        if json_body is not None:
            content = json.dumps(json_body).encode()
        token, response = await self._send(method, path, content, headers)
        if response.status_code == 401:
            await self._forget_token(token)
            _, response = await self._send(method, path, content, headers)
        if not response.is_success:
            raise _error(response, f"{method} {path}")
        if response.status_code == 204 or not response.content:
            return {}
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(f"PayPal {method} {path} answered no JSON",
                                transient=True) from exc
        return body if isinstance(body, dict) else {}

    async def _send(self, method: str, path: str, content: bytes | None,
                    headers: dict[str, str] | None) -> tuple[str, httpx.Response]:
        token = await self._access_token()
        request_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                           **(headers or {})}
        if content is not None:
            request_headers["Content-Type"] = "application/json"
        try:
            response = await self._http.request(method, f"{self.base_url}{path}",
                                                 content=content, headers=request_headers,
                                                 timeout=self._timeout)
        except httpx.TransportError as exc:
            raise ProviderError(f"PayPal {method} {path} failed: {exc!r}",
                                transient=True) from exc
        return token, response


def _subscription_path(subscription_id: str) -> str:
    # Ids arrive in webhooks and return URLs: never let one change the path.
    return f"/v1/billing/subscriptions/{quote(subscription_id, safe='')}"


def _error(response: httpx.Response, call: str) -> PayPalError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    status = response.status_code
    # REST errors carry name/message; the OAuth endpoint answers error/error_description.
    name = str(body.get("name") or body.get("error") or f"HTTP_{status}")
    message = str(body.get("message") or body.get("error_description") or response.reason_phrase)
    details = [d for d in body.get("details") or [] if isinstance(d, dict)]
    issues = tuple(str(d["issue"]) for d in details if d.get("issue"))
    text = f"PayPal {call}: {status} {name}: {message}"
    if details:
        text += " [" + "; ".join(f"{d.get('issue')}: {d.get('description', '')}"
                                 for d in details) + "]"
    debug_id = body.get("debug_id")
    if debug_id:
        text += f" (debug_id {debug_id})"
    return PayPalError(text, status=status, code=name, debug_id=debug_id, issues=issues,
                       transient=status >= 500 or status in (408, 429))


def _link(body: dict[str, Any], rel: str) -> str | None:
    for link in body.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == rel and link.get("href"):
            return str(link["href"])
    return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _snapshot(body: dict[str, Any]) -> SubscriptionSnapshot:
    raw_status = body.get("status")
    status = STATUSES.get(str(raw_status))
    if status is None or not body.get("id"):
        raise ProviderError(f"PayPal subscription with unknown status {raw_status!r}")
    billing = body.get("billing_info") or {}
    last_payment = billing.get("last_payment") or {}
    money = last_payment.get("amount") or {}
    try:
        amount = Decimal(money["value"]) if money.get("value") else None
    except InvalidOperation:
        amount = None
    currency = money.get("currency_code")
    return SubscriptionSnapshot(
        provider="paypal",
        subscription_id=body["id"],
        customer_id=(body.get("subscriber") or {}).get("payer_id"),
        status=status,
        price_id=body.get("plan_id") or "",
        user_id=body.get("custom_id"),
        current_period_start=_time(last_payment.get("time")) or _time(body.get("start_time")),
        current_period_end=_time(billing.get("next_billing_time")),
        cancel_at_period_end=False,
        canceled_at=_time(body.get("status_update_time")) if raw_status in ENDED else None,
        amount=amount,
        currency=currency.upper() if isinstance(currency, str) and currency else None,
    )
