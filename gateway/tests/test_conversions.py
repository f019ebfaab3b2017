"""The protobuf -> JSON pieces every router shares, and the request names the API accepts."""

from __future__ import annotations

import typing
from decimal import Decimal

from career.billing.v1 import billing_pb2, events_pb2
from career.common.v1 import money_pb2
from gateway.conversions import (
    PAYMENT_PROVIDERS,
    PLANS,
    PURCHASES,
    SUBSCRIPTION_STATUSES,
    money_out,
    page_request,
)
from gateway.routers.billing_schemas import ChangePlanIn, CheckoutIn, subscription_out


def _choices(model: type, field: str) -> set[str]:
    return set(typing.get_args(model.model_fields[field].annotation))


def test_every_name_a_request_may_send_is_a_value_of_the_proto() -> None:
    # value_of() of a name the proto lacks would be the *_UNSPECIFIED zero: the request's
    # Literal choices must all be names of the enum.
    assert _choices(CheckoutIn, "purchase") <= set(PURCHASES.names)
    assert _choices(CheckoutIn, "provider") <= set(PAYMENT_PROVIDERS.names)
    assert _choices(ChangePlanIn, "plan") <= set(PLANS.names)
    assert PLANS.value_of("premium") == events_pb2.PLAN_PREMIUM


def test_money_has_two_decimals_and_defaults_to_usd() -> None:
    out = money_out(money_pb2.Money(units=29, nanos=990_000_000))
    assert out.model_dump_json() == '{"amount":"29.99","currency":"USD"}'
    assert money_out(money_pb2.Money(currency_code="EUR", units=-12, nanos=-500_000_000)) \
        .amount == Decimal("-12.50")


def test_an_unset_subscription_reads_as_free_active_without_provider_or_times() -> None:
    out = subscription_out(billing_pb2.Subscription())
    assert out.model_dump(mode="json") == {
        "plan": "free", "status": "active", "provider": None, "current_period_start": None,
        "current_period_end": None, "cancel_at_period_end": False, "canceled_at": None,
        "price": None}
    past_due = billing_pb2.Subscription(status=events_pb2.SUBSCRIPTION_STATUS_PAST_DUE,
                                        provider=billing_pb2.PAYMENT_PROVIDER_PAYPAL)
    assert subscription_out(past_due).status == "past_due"
    assert subscription_out(past_due).provider == "paypal"
    assert SUBSCRIPTION_STATUSES.name_of(0) is None


def test_a_page_without_token_asks_for_the_first() -> None:
    assert page_request(20, None) == page_request(20, "")
    assert page_request(5, "abc").page_token == "abc"
