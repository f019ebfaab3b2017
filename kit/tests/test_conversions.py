"""protobuf <-> Python conversions: aware UTC times, None for unset fields, exact money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from career.billing.v1 import billing_pb2
from career.common.v1 import money_pb2
from career_kit.conversions import datetime_of, decimal_of, money, timestamp, utc_now


def test_times_round_trip_as_aware_utc_and_unset_is_none() -> None:
    moment = datetime(2026, 12, 1, 10, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    session = billing_pb2.CheckoutSession(id="cs_1")
    assert datetime_of(session, "expires_at") is None  # unset: None, not 1970
    stamp = timestamp(moment)
    assert stamp is not None
    session.expires_at.CopyFrom(stamp)
    back = datetime_of(session, "expires_at")
    assert back == moment and back.tzinfo == UTC
    assert timestamp(None) is None
    assert utc_now().tzinfo == UTC


def test_money_is_exact_both_ways() -> None:
    for amount in (Decimal("29.99"), Decimal("-12.50"), Decimal("0.01"), Decimal("1500")):
        value = money(amount, "eur")
        assert value.currency_code == "EUR"
        assert (value.units < 0) == (value.nanos < 0) or value.nanos == 0
        assert decimal_of(value) == amount
    assert money(None, None) == money_pb2.Money(currency_code="USD")
