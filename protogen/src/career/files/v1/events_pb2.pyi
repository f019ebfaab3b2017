import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FileUploaded(_message.Message):
    __slots__ = ("file_id", "user_id", "bucket", "kind", "size", "uploaded_at")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_AT_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    user_id: str
    bucket: str
    kind: str
    size: int
    uploaded_at: _timestamp_pb2.Timestamp
    def __init__(self, file_id: _Optional[str] = ..., user_id: _Optional[str] = ..., bucket: _Optional[str] = ..., kind: _Optional[str] = ..., size: _Optional[int] = ..., uploaded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FileDeleted(_message.Message):
    __slots__ = ("file_id", "user_id", "bucket", "reason", "deleted_at")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    user_id: str
    bucket: str
    reason: str
    deleted_at: _timestamp_pb2.Timestamp
    def __init__(self, file_id: _Optional[str] = ..., user_id: _Optional[str] = ..., bucket: _Optional[str] = ..., reason: _Optional[str] = ..., deleted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
