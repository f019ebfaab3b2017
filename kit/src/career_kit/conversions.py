"""Conversions between protobuf's well-known shapes and Python values, the same in every
service and in the gateway: times are always timezone-aware UTC, an unset message field is
None (never the 1970 epoch), money goes through Decimal, never a float, and an enum's values
have the names the proto gives them (`Plan.PLAN_PRO` is "pro" everywhere)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
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


class EnumNames:
    """The values of a proto enum by name: the value's name, lower case, without the enum's
    prefix (`SUBSCRIPTION_STATUS_PAST_DUE` is "past_due"). The zero value (`*_UNSPECIFIED`)
    has no name: `name_of(0)` is None and `value_of` of an unknown name is 0.

    The proto is the one list of plans, statuses and tiers; a value added there has its name
    in every service at the next `make proto`, with nothing to keep in step by hand."""

    def __init__(self, enum: EnumTypeWrapper, prefix: str) -> None:
        self._values: dict[str, int] = {}
        for full_name, number in enum.items():
            if number == 0:
                continue
            if not full_name.startswith(prefix):
                raise ValueError(f"{full_name} does not start with {prefix}")
            self._values[full_name.removeprefix(prefix).lower()] = number
        self._names = {number: name for name, number in self._values.items()}

    @property
    def names(self) -> tuple[str, ...]:
        """Every name, in the proto's order."""
        return tuple(self._values)

    def name_of(self, value: int) -> str | None:
        return self._names.get(value)

    def value_of(self, name: str | None) -> int:
        return self._values.get(name or "", 0)

    def __contains__(self, name: object) -> bool:
        return name in self._values
