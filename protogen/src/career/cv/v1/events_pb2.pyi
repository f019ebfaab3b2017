import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CvCreated(_message.Message):
    __slots__ = ("cv_id", "user_id", "template", "created_at")
    CV_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    cv_id: str
    user_id: str
    template: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, cv_id: _Optional[str] = ..., user_id: _Optional[str] = ..., template: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CvUpdated(_message.Message):
    __slots__ = ("cv_id", "user_id", "author_id", "version", "updated_at")
    CV_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    cv_id: str
    user_id: str
    author_id: str
    version: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, cv_id: _Optional[str] = ..., user_id: _Optional[str] = ..., author_id: _Optional[str] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CvDownloaded(_message.Message):
    __slots__ = ("cv_id", "user_id", "format", "version", "downloaded_at", "link_id")
    CV_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADED_AT_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    cv_id: str
    user_id: str
    format: str
    version: int
    downloaded_at: _timestamp_pb2.Timestamp
    link_id: str
    def __init__(self, cv_id: _Optional[str] = ..., user_id: _Optional[str] = ..., format: _Optional[str] = ..., version: _Optional[int] = ..., downloaded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., link_id: _Optional[str] = ...) -> None: ...

class CvViewed(_message.Message):
    __slots__ = ("cv_id", "user_id", "link_id", "views", "viewed_at")
    CV_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    VIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    cv_id: str
    user_id: str
    link_id: str
    views: int
    viewed_at: _timestamp_pb2.Timestamp
    def __init__(self, cv_id: _Optional[str] = ..., user_id: _Optional[str] = ..., link_id: _Optional[str] = ..., views: _Optional[int] = ..., viewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CvCompleted(_message.Message):
    __slots__ = ("cv_id", "user_id", "version", "completed_at")
    CV_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    cv_id: str
    user_id: str
    version: int
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, cv_id: _Optional[str] = ..., user_id: _Optional[str] = ..., version: _Optional[int] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CvEnhanced(_message.Message):
    __slots__ = ("cv_id", "user_id", "author_id", "section", "suggestions", "enhanced_at")
    CV_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    ENHANCED_AT_FIELD_NUMBER: _ClassVar[int]
    cv_id: str
    user_id: str
    author_id: str
    section: str
    suggestions: int
    enhanced_at: _timestamp_pb2.Timestamp
    def __init__(self, cv_id: _Optional[str] = ..., user_id: _Optional[str] = ..., author_id: _Optional[str] = ..., section: _Optional[str] = ..., suggestions: _Optional[int] = ..., enhanced_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
