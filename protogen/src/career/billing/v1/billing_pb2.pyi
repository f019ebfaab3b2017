import datetime

from career.billing.v1 import events_pb2 as _events_pb2
from career.common.v1 import money_pb2 as _money_pb2
from career.common.v1 import pagination_pb2 as _pagination_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaymentProvider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_PROVIDER_UNSPECIFIED: _ClassVar[PaymentProvider]
    PAYMENT_PROVIDER_STRIPE: _ClassVar[PaymentProvider]
    PAYMENT_PROVIDER_PAYPAL: _ClassVar[PaymentProvider]

class Feature(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEATURE_UNSPECIFIED: _ClassVar[Feature]
    FEATURE_AI_REQUESTS: _ClassVar[Feature]
    FEATURE_SCHEDULED_POSTS: _ClassVar[Feature]
    FEATURE_CONNECTED_ACCOUNTS: _ClassVar[Feature]
    FEATURE_JOB_ALERTS: _ClassVar[Feature]
    FEATURE_CV_REVIEWS: _ClassVar[Feature]

class Purchase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PURCHASE_UNSPECIFIED: _ClassVar[Purchase]
    PURCHASE_PRO: _ClassVar[Purchase]
    PURCHASE_PREMIUM: _ClassVar[Purchase]
    PURCHASE_CV_REVIEW_PACK: _ClassVar[Purchase]
PAYMENT_PROVIDER_UNSPECIFIED: PaymentProvider
PAYMENT_PROVIDER_STRIPE: PaymentProvider
PAYMENT_PROVIDER_PAYPAL: PaymentProvider
FEATURE_UNSPECIFIED: Feature
FEATURE_AI_REQUESTS: Feature
FEATURE_SCHEDULED_POSTS: Feature
FEATURE_CONNECTED_ACCOUNTS: Feature
FEATURE_JOB_ALERTS: Feature
FEATURE_CV_REVIEWS: Feature
PURCHASE_UNSPECIFIED: Purchase
PURCHASE_PRO: Purchase
PURCHASE_PREMIUM: Purchase
PURCHASE_CV_REVIEW_PACK: Purchase

class Limit(_message.Message):
    __slots__ = ("feature", "limit", "metered", "used")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    METERED_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    feature: Feature
    limit: int
    metered: bool
    used: int
    def __init__(self, feature: _Optional[_Union[Feature, str]] = ..., limit: _Optional[int] = ..., metered: _Optional[bool] = ..., used: _Optional[int] = ...) -> None: ...

class PlanInfo(_message.Message):
    __slots__ = ("plan", "name", "price", "interval", "features", "limits", "premium_templates", "api_access", "rate_limit_tier")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    PREMIUM_TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    API_ACCESS_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_TIER_FIELD_NUMBER: _ClassVar[int]
    plan: _events_pb2.Plan
    name: str
    price: _money_pb2.Money
    interval: str
    features: _containers.RepeatedScalarFieldContainer[str]
    limits: _containers.RepeatedCompositeFieldContainer[Limit]
    premium_templates: bool
    api_access: bool
    rate_limit_tier: int
    def __init__(self, plan: _Optional[_Union[_events_pb2.Plan, str]] = ..., name: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., interval: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., limits: _Optional[_Iterable[_Union[Limit, _Mapping]]] = ..., premium_templates: _Optional[bool] = ..., api_access: _Optional[bool] = ..., rate_limit_tier: _Optional[int] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans",)
    PLANS_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[PlanInfo]
    def __init__(self, plans: _Optional[_Iterable[_Union[PlanInfo, _Mapping]]] = ...) -> None: ...

class GetEntitlementsRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class Entitlements(_message.Message):
    __slots__ = ("user_id", "plan", "status", "limits", "premium_templates", "api_access", "rate_limit_tier", "period_start", "period_end")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    PREMIUM_TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    API_ACCESS_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_TIER_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    plan: _events_pb2.Plan
    status: _events_pb2.SubscriptionStatus
    limits: _containers.RepeatedCompositeFieldContainer[Limit]
    premium_templates: bool
    api_access: bool
    rate_limit_tier: int
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., plan: _Optional[_Union[_events_pb2.Plan, str]] = ..., status: _Optional[_Union[_events_pb2.SubscriptionStatus, str]] = ..., limits: _Optional[_Iterable[_Union[Limit, _Mapping]]] = ..., premium_templates: _Optional[bool] = ..., api_access: _Optional[bool] = ..., rate_limit_tier: _Optional[int] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CheckQuotaRequest(_message.Message):
    __slots__ = ("user_id", "feature", "amount")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    feature: Feature
    amount: int
    def __init__(self, user_id: _Optional[str] = ..., feature: _Optional[_Union[Feature, str]] = ..., amount: _Optional[int] = ...) -> None: ...

class ConsumeQuotaRequest(_message.Message):
    __slots__ = ("user_id", "feature", "amount", "idempotency_key")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    feature: Feature
    amount: int
    idempotency_key: str
    def __init__(self, user_id: _Optional[str] = ..., feature: _Optional[_Union[Feature, str]] = ..., amount: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReleaseQuotaRequest(_message.Message):
    __slots__ = ("user_id", "idempotency_key")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    idempotency_key: str
    def __init__(self, user_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class QuotaStatus(_message.Message):
    __slots__ = ("feature", "allowed", "limit", "used", "remaining", "period_end", "replayed", "released")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    feature: Feature
    allowed: bool
    limit: int
    used: int
    remaining: int
    period_end: _timestamp_pb2.Timestamp
    replayed: bool
    released: bool
    def __init__(self, feature: _Optional[_Union[Feature, str]] = ..., allowed: _Optional[bool] = ..., limit: _Optional[int] = ..., used: _Optional[int] = ..., remaining: _Optional[int] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., replayed: _Optional[bool] = ..., released: _Optional[bool] = ...) -> None: ...

class CreateCheckoutRequest(_message.Message):
    __slots__ = ("purchase", "provider", "idempotency_key")
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    purchase: Purchase
    provider: PaymentProvider
    idempotency_key: str
    def __init__(self, purchase: _Optional[_Union[Purchase, str]] = ..., provider: _Optional[_Union[PaymentProvider, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CheckoutSession(_message.Message):
    __slots__ = ("id", "url", "provider", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    url: str
    provider: PaymentProvider
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., url: _Optional[str] = ..., provider: _Optional[_Union[PaymentProvider, str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreatePortalSessionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PortalSession(_message.Message):
    __slots__ = ("url",)
    URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    def __init__(self, url: _Optional[str] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CancelSubscriptionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResumeSubscriptionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangePlanRequest(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: _events_pb2.Plan
    def __init__(self, plan: _Optional[_Union[_events_pb2.Plan, str]] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("plan", "status", "provider", "current_period_start", "current_period_end", "cancel_at_period_end", "canceled_at", "price")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCELED_AT_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    plan: _events_pb2.Plan
    status: _events_pb2.SubscriptionStatus
    provider: PaymentProvider
    current_period_start: _timestamp_pb2.Timestamp
    current_period_end: _timestamp_pb2.Timestamp
    cancel_at_period_end: bool
    canceled_at: _timestamp_pb2.Timestamp
    price: _money_pb2.Money
    def __init__(self, plan: _Optional[_Union[_events_pb2.Plan, str]] = ..., status: _Optional[_Union[_events_pb2.SubscriptionStatus, str]] = ..., provider: _Optional[_Union[PaymentProvider, str]] = ..., current_period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_at_period_end: _Optional[bool] = ..., canceled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("id", "number", "status", "amount_due", "amount_paid", "hosted_invoice_url", "invoice_pdf", "period_start", "period_end", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    HOSTED_INVOICE_URL_FIELD_NUMBER: _ClassVar[int]
    INVOICE_PDF_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    number: str
    status: str
    amount_due: _money_pb2.Money
    amount_paid: _money_pb2.Money
    hosted_invoice_url: str
    invoice_pdf: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., number: _Optional[str] = ..., status: _Optional[str] = ..., amount_due: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_paid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., hosted_invoice_url: _Optional[str] = ..., invoice_pdf: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _pagination_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "page")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    page: _pagination_pb2.PageResponse
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., page: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("id", "provider", "amount", "status", "description", "invoice_id", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    provider: PaymentProvider
    amount: _money_pb2.Money
    status: str
    description: str
    invoice_id: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., provider: _Optional[_Union[PaymentProvider, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., status: _Optional[str] = ..., description: _Optional[str] = ..., invoice_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPaymentsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _pagination_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPaymentsResponse(_message.Message):
    __slots__ = ("payments", "page")
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    page: _pagination_pb2.PageResponse
    def __init__(self, payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., page: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...
