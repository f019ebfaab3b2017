"""The protobuf -> JSON conversions every router shares: times, money, pages, enum names.

Routers answer with JSON only, built from the services' replies. What is not particular to
one router lives here, so that a value looks the same in every answer: a Timestamp is an aware
UTC datetime or null when unset (`datetime_of`, from the kit), a Money is `{"amount": "29.99",
"currency": "USD"}` with two decimals, and an enum value has the name the proto gives it
(`PLAN_PREMIUM` is "premium", via the kit's EnumNames) rather than a name written out here.
Each router's own answer shapes stay in its schemas module (auth_schemas.py,
billing_schemas.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from career.auth.v1 import auth_pb2
from career.billing.v1 import billing_pb2, events_pb2
from career.common.v1 import money_pb2, pagination_pb2
from career_kit.conversions import EnumNames, datetime_of, decimal_of

__all__ = [
    "FEATURES",
    "PAYMENT_PROVIDERS",
    "PLANS",
    "PURCHASES",
    "SUBSCRIPTION_STATUSES",
    "TIERS",
    "Money",
    "PageSize",
    "PageToken",
    "datetime_of",
    "money_out",
    "page_request",
]

# The API's names of the proto enums' values; the zero value (`*_UNSPECIFIED`) has none, so a
# caller says what an unset field reads as (`PLANS.name_of(plan) or "free"`).
PLANS = EnumNames(events_pb2.Plan, "PLAN_")
SUBSCRIPTION_STATUSES = EnumNames(events_pb2.SubscriptionStatus, "SUBSCRIPTION_STATUS_")
PAYMENT_PROVIDERS = EnumNames(billing_pb2.PaymentProvider, "PAYMENT_PROVIDER_")
FEATURES = EnumNames(billing_pb2.Feature, "FEATURE_")
PURCHASES = EnumNames(billing_pb2.Purchase, "PURCHASE_")
TIERS = EnumNames(auth_pb2.Tier, "TIER_")

_CENTS = Decimal("0.01")


class Money(BaseModel):
    amount: Decimal = Field(examples=["29.99"])
    currency: str = Field(examples=["USD"])


def money_out(value: money_pb2.Money) -> Money:
    """A career.common.v1.Money as JSON: the exact amount to the cent, USD when unnamed."""
    return Money(amount=decimal_of(value).quantize(_CENTS), currency=value.currency_code or "USD")


# The query parameters of every list endpoint (career.common.v1.PageRequest; services cap the
# size at 100 too).
PageSize = Annotated[int, Query(ge=1, le=100, description="Items per page")]
PageToken = Annotated[str | None, Query(max_length=512, description=(
    "The `next_page_token` of the previous page; omitted for the first"))]


def page_request(page_size: int, page_token: str | None) -> pagination_pb2.PageRequest:
    """The page a list endpoint's `page_size` and `page_token` query parameters ask for."""
    return pagination_pb2.PageRequest(page_size=page_size, page_token=page_token or "")
