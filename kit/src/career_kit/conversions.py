"""Conversions between protobuf's well-known shapes and Python values, the same in every
service and in the gateway: times are always timezone-aware UTC, an unset message field is
None (never the 1970 epoch), and money goes through Decimal, never a float."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from career.common.v1 import money_pb2

_NANOS = Decimal(1_000_000_000)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (what services store and compare)."""
    return datetime.now(UTC)


def timestamp(value: datetime | None) -> Timestamp | None:
    """A datetime as a protobuf Timestamp; None stays None (leave the field unset)."""
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def datetime_of(message: Message, field: str) -> datetime | None:
    """`message.<field>` (a Timestamp) as an aware UTC datetime, or None when it is unset."""
    if not message.HasField(field):
        return None
    return getattr(message, field).ToDatetime(tzinfo=UTC)


def money(amount: Decimal | None, currency: str | None) -> money_pb2.Money:
    """A Decimal amount as career.common.v1.Money (units + nanos of the same sign); without an
    amount, only the currency (USD unless given)."""
    code = (currency or "USD").upper()
    if amount is None:
        return money_pb2.Money(currency_code=code)
    units = int(amount)
    return money_pb2.Money(currency_code=code, units=units,
                           nanos=int((amount - units) * _NANOS))


def decimal_of(value: money_pb2.Money) -> Decimal:
    """A Money's amount as an exact Decimal."""
    return Decimal(value.units) + Decimal(value.nanos) / _NANOS
