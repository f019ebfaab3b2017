import datetime

from career.common.v1 import pagination_pb2 as _pagination_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Tier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIER_UNSPECIFIED: _ClassVar[Tier]
    TIER_FREE: _ClassVar[Tier]
    TIER_PRO: _ClassVar[Tier]
    TIER_PREMIUM: _ClassVar[Tier]
    TIER_ADMIN: _ClassVar[Tier]

class OauthIntent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OAUTH_INTENT_UNSPECIFIED: _ClassVar[OauthIntent]
    OAUTH_INTENT_LOGIN: _ClassVar[OauthIntent]
    OAUTH_INTENT_LINK: _ClassVar[OauthIntent]
TIER_UNSPECIFIED: Tier
TIER_FREE: Tier
TIER_PRO: Tier
TIER_PREMIUM: Tier
TIER_ADMIN: Tier
OAUTH_INTENT_UNSPECIFIED: OauthIntent
OAUTH_INTENT_LOGIN: OauthIntent
OAUTH_INTENT_LINK: OauthIntent

class Preferences(_message.Message):
    __slots__ = ("email_notifications", "job_alerts", "newsletter", "theme", "language")
    EMAIL_NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    JOB_ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEWSLETTER_FIELD_NUMBER: _ClassVar[int]
    THEME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    email_notifications: bool
    job_alerts: bool
    newsletter: bool
    theme: str
    language: str
    def __init__(self, email_notifications: _Optional[bool] = ..., job_alerts: _Optional[bool] = ..., newsletter: _Optional[bool] = ..., theme: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("id", "email", "name", "tier", "roles", "email_verified_at", "preferences", "social_links", "profile_image_url", "two_factor_enabled", "last_login_at", "created_at", "profile_image")
    class SocialLinksEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    EMAIL_VERIFIED_AT_FIELD_NUMBER: _ClassVar[int]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_LINKS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    TWO_FACTOR_ENABLED_FIELD_NUMBER: _ClassVar[int]
    LAST_LOGIN_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PROFILE_IMAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    name: str
    tier: Tier
    roles: _containers.RepeatedScalarFieldContainer[str]
    email_verified_at: _timestamp_pb2.Timestamp
    preferences: Preferences
    social_links: _containers.ScalarMap[str, str]
    profile_image_url: str
    two_factor_enabled: bool
    last_login_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    profile_image: ProfileImage
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., name: _Optional[str] = ..., tier: _Optional[_Union[Tier, str]] = ..., roles: _Optional[_Iterable[str]] = ..., email_verified_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., preferences: _Optional[_Union[Preferences, _Mapping]] = ..., social_links: _Optional[_Mapping[str, str]] = ..., profile_image_url: _Optional[str] = ..., two_factor_enabled: _Optional[bool] = ..., last_login_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., profile_image: _Optional[_Union[ProfileImage, _Mapping]] = ...) -> None: ...

class ProfileImage(_message.Message):
    __slots__ = ("file_id", "urls")
    class UrlsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    URLS_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    urls: _containers.ScalarMap[str, str]
    def __init__(self, file_id: _Optional[str] = ..., urls: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TokenPair(_message.Message):
    __slots__ = ("access_token", "access_expires_at", "refresh_token", "refresh_expires_at", "session_id")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCESS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    access_expires_at: _timestamp_pb2.Timestamp
    refresh_token: str
    refresh_expires_at: _timestamp_pb2.Timestamp
    session_id: str
    def __init__(self, access_token: _Optional[str] = ..., access_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh_token: _Optional[str] = ..., refresh_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("id", "created_at", "last_used_at", "expires_at", "user_agent", "ip")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    id: str
    created_at: _timestamp_pb2.Timestamp
    last_used_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    user_agent: str
    ip: str
    def __init__(self, id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_agent: _Optional[str] = ..., ip: _Optional[str] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("email", "password", "name")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    name: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class RegisterResponse(_message.Message):
    __slots__ = ("user", "verification_required")
    USER_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    user: User
    verification_required: bool
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., verification_required: _Optional[bool] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("email", "password", "user_agent", "ip")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    user_agent: str
    ip: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ..., user_agent: _Optional[str] = ..., ip: _Optional[str] = ...) -> None: ...

class LoginResponse(_message.Message):
    __slots__ = ("tokens", "user", "two_factor_token")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    TWO_FACTOR_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    user: User
    two_factor_token: str
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ..., user: _Optional[_Union[User, _Mapping]] = ..., two_factor_token: _Optional[str] = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ("refresh_token", "user_agent", "ip")
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    user_agent: str
    ip: str
    def __init__(self, refresh_token: _Optional[str] = ..., user_agent: _Optional[str] = ..., ip: _Optional[str] = ...) -> None: ...

class RefreshResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ("refresh_token", "session_id", "access_jti", "access_expires_at")
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACCESS_JTI_FIELD_NUMBER: _ClassVar[int]
    ACCESS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    session_id: str
    access_jti: str
    access_expires_at: _timestamp_pb2.Timestamp
    def __init__(self, refresh_token: _Optional[str] = ..., session_id: _Optional[str] = ..., access_jti: _Optional[str] = ..., access_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogoutAllRequest(_message.Message):
    __slots__ = ("access_jti", "access_expires_at")
    ACCESS_JTI_FIELD_NUMBER: _ClassVar[int]
    ACCESS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    access_jti: str
    access_expires_at: _timestamp_pb2.Timestamp
    def __init__(self, access_jti: _Optional[str] = ..., access_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LogoutAllResponse(_message.Message):
    __slots__ = ("revoked_sessions",)
    REVOKED_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    revoked_sessions: int
    def __init__(self, revoked_sessions: _Optional[int] = ...) -> None: ...

class GetMeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions",)
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ...) -> None: ...

class RevokeSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class RevokeSessionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyEmailRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class VerifyEmailResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class ResendVerificationRequest(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class ResendVerificationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ForgotPasswordRequest(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class ForgotPasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetPasswordRequest(_message.Message):
    __slots__ = ("token", "new_password")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    token: str
    new_password: str
    def __init__(self, token: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ResetPasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangePasswordRequest(_message.Message):
    __slots__ = ("current_password", "new_password", "refresh_token", "session_id", "auth_time")
    CURRENT_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AUTH_TIME_FIELD_NUMBER: _ClassVar[int]
    current_password: str
    new_password: str
    refresh_token: str
    session_id: str
    auth_time: _timestamp_pb2.Timestamp
    def __init__(self, current_password: _Optional[str] = ..., new_password: _Optional[str] = ..., refresh_token: _Optional[str] = ..., session_id: _Optional[str] = ..., auth_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChangePasswordResponse(_message.Message):
    __slots__ = ("revoked_sessions", "access_token", "access_expires_at", "session_id")
    REVOKED_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCESS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    revoked_sessions: int
    access_token: str
    access_expires_at: _timestamp_pb2.Timestamp
    session_id: str
    def __init__(self, revoked_sessions: _Optional[int] = ..., access_token: _Optional[str] = ..., access_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ...) -> None: ...

class PreferencesUpdate(_message.Message):
    __slots__ = ("email_notifications", "job_alerts", "newsletter", "theme", "language")
    EMAIL_NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    JOB_ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEWSLETTER_FIELD_NUMBER: _ClassVar[int]
    THEME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    email_notifications: bool
    job_alerts: bool
    newsletter: bool
    theme: str
    language: str
    def __init__(self, email_notifications: _Optional[bool] = ..., job_alerts: _Optional[bool] = ..., newsletter: _Optional[bool] = ..., theme: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class SocialLinks(_message.Message):
    __slots__ = ("links",)
    class LinksEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LINKS_FIELD_NUMBER: _ClassVar[int]
    links: _containers.ScalarMap[str, str]
    def __init__(self, links: _Optional[_Mapping[str, str]] = ...) -> None: ...

class UpdateMeRequest(_message.Message):
    __slots__ = ("name", "preferences", "social_links", "profile_image_url", "profile_image_file_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_LINKS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    PROFILE_IMAGE_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    preferences: PreferencesUpdate
    social_links: SocialLinks
    profile_image_url: str
    profile_image_file_id: str
    def __init__(self, name: _Optional[str] = ..., preferences: _Optional[_Union[PreferencesUpdate, _Mapping]] = ..., social_links: _Optional[_Union[SocialLinks, _Mapping]] = ..., profile_image_url: _Optional[str] = ..., profile_image_file_id: _Optional[str] = ...) -> None: ...

class DeleteMeRequest(_message.Message):
    __slots__ = ("password", "access_jti", "access_expires_at", "auth_time")
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    ACCESS_JTI_FIELD_NUMBER: _ClassVar[int]
    ACCESS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    AUTH_TIME_FIELD_NUMBER: _ClassVar[int]
    password: str
    access_jti: str
    access_expires_at: _timestamp_pb2.Timestamp
    auth_time: _timestamp_pb2.Timestamp
    def __init__(self, password: _Optional[str] = ..., access_jti: _Optional[str] = ..., access_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., auth_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteMeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetJwksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetJwksResponse(_message.Message):
    __slots__ = ("jwks_json",)
    JWKS_JSON_FIELD_NUMBER: _ClassVar[int]
    jwks_json: str
    def __init__(self, jwks_json: _Optional[str] = ...) -> None: ...

class StartOAuthRequest(_message.Message):
    __slots__ = ("provider", "intent")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    provider: str
    intent: OauthIntent
    def __init__(self, provider: _Optional[str] = ..., intent: _Optional[_Union[OauthIntent, str]] = ...) -> None: ...

class StartOAuthResponse(_message.Message):
    __slots__ = ("authorization_url", "state")
    AUTHORIZATION_URL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    authorization_url: str
    state: str
    def __init__(self, authorization_url: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class FinishOAuthRequest(_message.Message):
    __slots__ = ("provider", "state", "code", "error", "user_agent", "ip")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    provider: str
    state: str
    code: str
    error: str
    user_agent: str
    ip: str
    def __init__(self, provider: _Optional[str] = ..., state: _Optional[str] = ..., code: _Optional[str] = ..., error: _Optional[str] = ..., user_agent: _Optional[str] = ..., ip: _Optional[str] = ...) -> None: ...

class FinishOAuthResponse(_message.Message):
    __slots__ = ("tokens", "user", "two_factor_token", "intent", "linked")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    TWO_FACTOR_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    LINKED_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    user: User
    two_factor_token: str
    intent: OauthIntent
    linked: bool
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ..., user: _Optional[_Union[User, _Mapping]] = ..., two_factor_token: _Optional[str] = ..., intent: _Optional[_Union[OauthIntent, str]] = ..., linked: _Optional[bool] = ...) -> None: ...

class OAuthIdentity(_message.Message):
    __slots__ = ("provider", "subject", "email", "created_at")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    provider: str
    subject: str
    email: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, provider: _Optional[str] = ..., subject: _Optional[str] = ..., email: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListIdentitiesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListIdentitiesResponse(_message.Message):
    __slots__ = ("identities",)
    IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    identities: _containers.RepeatedCompositeFieldContainer[OAuthIdentity]
    def __init__(self, identities: _Optional[_Iterable[_Union[OAuthIdentity, _Mapping]]] = ...) -> None: ...

class UnlinkIdentityRequest(_message.Message):
    __slots__ = ("provider",)
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: str
    def __init__(self, provider: _Optional[str] = ...) -> None: ...

class UnlinkIdentityResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetupTwoFactorRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetupTwoFactorResponse(_message.Message):
    __slots__ = ("secret", "otpauth_uri")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    OTPAUTH_URI_FIELD_NUMBER: _ClassVar[int]
    secret: str
    otpauth_uri: str
    def __init__(self, secret: _Optional[str] = ..., otpauth_uri: _Optional[str] = ...) -> None: ...

class EnableTwoFactorRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class EnableTwoFactorResponse(_message.Message):
    __slots__ = ("recovery_codes",)
    RECOVERY_CODES_FIELD_NUMBER: _ClassVar[int]
    recovery_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, recovery_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class DisableTwoFactorRequest(_message.Message):
    __slots__ = ("password", "code")
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    password: str
    code: str
    def __init__(self, password: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class DisableTwoFactorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CompleteTwoFactorLoginRequest(_message.Message):
    __slots__ = ("two_factor_token", "code", "recovery_code", "user_agent", "ip")
    TWO_FACTOR_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_CODE_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    two_factor_token: str
    code: str
    recovery_code: str
    user_agent: str
    ip: str
    def __init__(self, two_factor_token: _Optional[str] = ..., code: _Optional[str] = ..., recovery_code: _Optional[str] = ..., user_agent: _Optional[str] = ..., ip: _Optional[str] = ...) -> None: ...

class RateLimitExceeded(_message.Message):
    __slots__ = ("rule", "key_kind", "path", "method", "limit", "window_seconds")
    RULE_FIELD_NUMBER: _ClassVar[int]
    KEY_KIND_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    rule: str
    key_kind: str
    path: str
    method: str
    limit: int
    window_seconds: int
    def __init__(self, rule: _Optional[str] = ..., key_kind: _Optional[str] = ..., path: _Optional[str] = ..., method: _Optional[str] = ..., limit: _Optional[int] = ..., window_seconds: _Optional[int] = ...) -> None: ...

class RecordSecurityEventRequest(_message.Message):
    __slots__ = ("kind", "user_id", "ip", "rate_limit_exceeded")
    KIND_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_EXCEEDED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    user_id: str
    ip: str
    rate_limit_exceeded: RateLimitExceeded
    def __init__(self, kind: _Optional[str] = ..., user_id: _Optional[str] = ..., ip: _Optional[str] = ..., rate_limit_exceeded: _Optional[_Union[RateLimitExceeded, _Mapping]] = ...) -> None: ...

class RecordSecurityEventResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSecurityEventsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _pagination_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class SecurityEvent(_message.Message):
    __slots__ = ("id", "kind", "ip", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    ip: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., ip: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSecurityEventsResponse(_message.Message):
    __slots__ = ("events", "page")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SecurityEvent]
    page: _pagination_pb2.PageResponse
    def __init__(self, events: _Optional[_Iterable[_Union[SecurityEvent, _Mapping]]] = ..., page: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...
