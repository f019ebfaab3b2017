import datetime

from career.common.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Plan(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_UNSPECIFIED: _ClassVar[Plan]
    PLAN_FREE: _ClassVar[Plan]
    PLAN_PRO: _ClassVar[Plan]
    PLAN_PREMIUM: _ClassVar[Plan]

class SubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_ACTIVE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_TRIALING: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_PAST_DUE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_CANCELED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_UNPAID: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_INCOMPLETE: _ClassVar[SubscriptionStatus]
PLAN_UNSPECIFIED: Plan
PLAN_FREE: Plan
PLAN_PRO: Plan
PLAN_PREMIUM: Plan
SUBSCRIPTION_STATUS_UNSPECIFIED: SubscriptionStatus
SUBSCRIPTION_STATUS_ACTIVE: SubscriptionStatus
SUBSCRIPTION_STATUS_TRIALING: SubscriptionStatus
SUBSCRIPTION_STATUS_PAST_DUE: SubscriptionStatus
SUBSCRIPTION_STATUS_CANCELED: SubscriptionStatus
SUBSCRIPTION_STATUS_UNPAID: SubscriptionStatus
SUBSCRIPTION_STATUS_INCOMPLETE: SubscriptionStatus

class Recipient(_message.Message):
    __slots__ = ("email", "name", "language")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    email: str
    name: str
    language: str
    def __init__(self, email: _Optional[str] = ..., name: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class SubscriptionUpdated(_message.Message):
    __slots__ = ("user_id", "plan", "status", "current_period_end", "version", "cancel_at_period_end", "entitled_plan")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    ENTITLED_PLAN_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    plan: Plan
    status: SubscriptionStatus
    current_period_end: _timestamp_pb2.Timestamp
    version: int
    cancel_at_period_end: bool
    entitled_plan: Plan
    def __init__(self, user_id: _Optional[str] = ..., plan: _Optional[_Union[Plan, str]] = ..., status: _Optional[_Union[SubscriptionStatus, str]] = ..., current_period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., cancel_at_period_end: _Optional[bool] = ..., entitled_plan: _Optional[_Union[Plan, str]] = ...) -> None: ...

class SubscriptionStarted(_message.Message):
    __slots__ = ("user_id", "plan", "price", "current_period_end", "recipient")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    plan: Plan
    price: _money_pb2.Money
    current_period_end: _timestamp_pb2.Timestamp
    recipient: Recipient
    def __init__(self, user_id: _Optional[str] = ..., plan: _Optional[_Union[Plan, str]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., current_period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ...) -> None: ...

class SubscriptionCancelled(_message.Message):
    __slots__ = ("user_id", "plan", "at_period_end", "ends_at", "recipient")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    plan: Plan
    at_period_end: bool
    ends_at: _timestamp_pb2.Timestamp
    recipient: Recipient
    def __init__(self, user_id: _Optional[str] = ..., plan: _Optional[_Union[Plan, str]] = ..., at_period_end: _Optional[bool] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ...) -> None: ...

class PaymentFailed(_message.Message):
    __slots__ = ("user_id", "invoice_id", "amount", "hosted_invoice_url", "next_attempt_at", "recipient")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    HOSTED_INVOICE_URL_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    invoice_id: str
    amount: _money_pb2.Money
    hosted_invoice_url: str
    next_attempt_at: _timestamp_pb2.Timestamp
    recipient: Recipient
    def __init__(self, user_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., hosted_invoice_url: _Optional[str] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ...) -> None: ...

class PaymentSucceeded(_message.Message):
    __slots__ = ("user_id", "payment_id", "invoice_id", "amount", "description", "recipient")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    payment_id: str
    invoice_id: str
    amount: _money_pb2.Money
    description: str
    recipient: Recipient
    def __init__(self, user_id: _Optional[str] = ..., payment_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., description: _Optional[str] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ...) -> None: ...
