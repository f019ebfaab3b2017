import datetime

from career.common.v1 import pagination_pb2 as _pagination_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Cv(_message.Message):
    __slots__ = ("id", "owner_id", "title", "template", "content_json", "version", "download_count", "created_at", "updated_at", "deleted_at", "options_json", "role", "completed_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_JSON_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    owner_id: str
    title: str
    template: str
    content_json: str
    version: int
    download_count: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    deleted_at: _timestamp_pb2.Timestamp
    options_json: str
    role: str
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., owner_id: _Optional[str] = ..., title: _Optional[str] = ..., template: _Optional[str] = ..., content_json: _Optional[str] = ..., version: _Optional[int] = ..., download_count: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deleted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., options_json: _Optional[str] = ..., role: _Optional[str] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateCvRequest(_message.Message):
    __slots__ = ("title", "template", "content_json", "copy_of", "options_json")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    COPY_OF_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_JSON_FIELD_NUMBER: _ClassVar[int]
    title: str
    template: str
    content_json: str
    copy_of: str
    options_json: str
    def __init__(self, title: _Optional[str] = ..., template: _Optional[str] = ..., content_json: _Optional[str] = ..., copy_of: _Optional[str] = ..., options_json: _Optional[str] = ...) -> None: ...

class GetCvRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCvsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _pagination_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListCvsResponse(_message.Message):
    __slots__ = ("cvs", "page")
    CVS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    cvs: _containers.RepeatedCompositeFieldContainer[Cv]
    page: _pagination_pb2.PageResponse
    def __init__(self, cvs: _Optional[_Iterable[_Union[Cv, _Mapping]]] = ..., page: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ReplaceCvRequest(_message.Message):
    __slots__ = ("id", "expected_version", "title", "template", "content_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    title: str
    template: str
    content_json: str
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., title: _Optional[str] = ..., template: _Optional[str] = ..., content_json: _Optional[str] = ...) -> None: ...

class UpdateSectionRequest(_message.Message):
    __slots__ = ("id", "expected_version", "section", "value_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    VALUE_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    section: str
    value_json: str
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., section: _Optional[str] = ..., value_json: _Optional[str] = ...) -> None: ...

class DeleteCvRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class DeleteCvResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RestoreCvRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListVersionsRequest(_message.Message):
    __slots__ = ("id", "page")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    page: _pagination_pb2.PageRequest
    def __init__(self, id: _Optional[str] = ..., page: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class VersionInfo(_message.Message):
    __slots__ = ("version", "author_id", "title", "saved_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SAVED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    author_id: str
    title: str
    saved_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., author_id: _Optional[str] = ..., title: _Optional[str] = ..., saved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions", "page")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[VersionInfo]
    page: _pagination_pb2.PageResponse
    def __init__(self, versions: _Optional[_Iterable[_Union[VersionInfo, _Mapping]]] = ..., page: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetVersionRequest(_message.Message):
    __slots__ = ("id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class CvVersion(_message.Message):
    __slots__ = ("info", "template", "content_json")
    INFO_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    info: VersionInfo
    template: str
    content_json: str
    def __init__(self, info: _Optional[_Union[VersionInfo, _Mapping]] = ..., template: _Optional[str] = ..., content_json: _Optional[str] = ...) -> None: ...

class SetDesignRequest(_message.Message):
    __slots__ = ("id", "expected_version", "template", "options_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    template: str
    options_json: str
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., template: _Optional[str] = ..., options_json: _Optional[str] = ...) -> None: ...

class ListTemplatesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Template(_message.Message):
    __slots__ = ("name", "title", "description", "premium", "ats_safe")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PREMIUM_FIELD_NUMBER: _ClassVar[int]
    ATS_SAFE_FIELD_NUMBER: _ClassVar[int]
    name: str
    title: str
    description: str
    premium: bool
    ats_safe: bool
    def __init__(self, name: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., premium: _Optional[bool] = ..., ats_safe: _Optional[bool] = ...) -> None: ...

class ListTemplatesResponse(_message.Message):
    __slots__ = ("templates",)
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[Template]
    def __init__(self, templates: _Optional[_Iterable[_Union[Template, _Mapping]]] = ...) -> None: ...

class GetTemplatePreviewRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class TemplatePreview(_message.Message):
    __slots__ = ("png",)
    PNG_FIELD_NUMBER: _ClassVar[int]
    png: bytes
    def __init__(self, png: _Optional[bytes] = ...) -> None: ...

class ExportCvRequest(_message.Message):
    __slots__ = ("id", "format")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    id: str
    format: str
    def __init__(self, id: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class Export(_message.Message):
    __slots__ = ("content", "media_type", "file_name", "version")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    media_type: str
    file_name: str
    version: int
    def __init__(self, content: _Optional[bytes] = ..., media_type: _Optional[str] = ..., file_name: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ImportCvFileRequest(_message.Message):
    __slots__ = ("file_id", "title")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    title: str
    def __init__(self, file_id: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class ImportLinkedInRequest(_message.Message):
    __slots__ = ("zip", "title", "profile")
    ZIP_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    zip: bytes
    title: str
    profile: LinkedInProfile
    def __init__(self, zip: _Optional[bytes] = ..., title: _Optional[str] = ..., profile: _Optional[_Union[LinkedInProfile, _Mapping]] = ...) -> None: ...

class LinkedInProfile(_message.Message):
    __slots__ = ("name", "picture_url", "photo_file_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PICTURE_URL_FIELD_NUMBER: _ClassVar[int]
    PHOTO_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    picture_url: str
    photo_file_id: str
    def __init__(self, name: _Optional[str] = ..., picture_url: _Optional[str] = ..., photo_file_id: _Optional[str] = ...) -> None: ...

class CreateShareLinkRequest(_message.Message):
    __slots__ = ("id", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShareLink(_message.Message):
    __slots__ = ("id", "cv_id", "slug", "created_at", "expires_at", "revoked_at", "views", "downloads")
    ID_FIELD_NUMBER: _ClassVar[int]
    CV_ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADS_FIELD_NUMBER: _ClassVar[int]
    id: str
    cv_id: str
    slug: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    views: int
    downloads: int
    def __init__(self, id: _Optional[str] = ..., cv_id: _Optional[str] = ..., slug: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., views: _Optional[int] = ..., downloads: _Optional[int] = ...) -> None: ...

class ListShareLinksRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListShareLinksResponse(_message.Message):
    __slots__ = ("links",)
    LINKS_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[ShareLink]
    def __init__(self, links: _Optional[_Iterable[_Union[ShareLink, _Mapping]]] = ...) -> None: ...

class RevokeShareLinkRequest(_message.Message):
    __slots__ = ("id", "link_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    link_id: str
    def __init__(self, id: _Optional[str] = ..., link_id: _Optional[str] = ...) -> None: ...

class GetShareLinkStatsRequest(_message.Message):
    __slots__ = ("id", "link_id", "days")
    ID_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    id: str
    link_id: str
    days: int
    def __init__(self, id: _Optional[str] = ..., link_id: _Optional[str] = ..., days: _Optional[int] = ...) -> None: ...

class DayCount(_message.Message):
    __slots__ = ("day", "views", "downloads")
    DAY_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADS_FIELD_NUMBER: _ClassVar[int]
    day: str
    views: int
    downloads: int
    def __init__(self, day: _Optional[str] = ..., views: _Optional[int] = ..., downloads: _Optional[int] = ...) -> None: ...

class ShareLinkStats(_message.Message):
    __slots__ = ("link", "days")
    LINK_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    link: ShareLink
    days: _containers.RepeatedCompositeFieldContainer[DayCount]
    def __init__(self, link: _Optional[_Union[ShareLink, _Mapping]] = ..., days: _Optional[_Iterable[_Union[DayCount, _Mapping]]] = ...) -> None: ...

class GetPublicCvRequest(_message.Message):
    __slots__ = ("slug", "viewer")
    SLUG_FIELD_NUMBER: _ClassVar[int]
    VIEWER_FIELD_NUMBER: _ClassVar[int]
    slug: str
    viewer: str
    def __init__(self, slug: _Optional[str] = ..., viewer: _Optional[str] = ...) -> None: ...

class PublicCv(_message.Message):
    __slots__ = ("title", "template", "content_json", "options_json", "updated_at")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_JSON_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    title: str
    template: str
    content_json: str
    options_json: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, title: _Optional[str] = ..., template: _Optional[str] = ..., content_json: _Optional[str] = ..., options_json: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportPublicCvRequest(_message.Message):
    __slots__ = ("slug", "viewer")
    SLUG_FIELD_NUMBER: _ClassVar[int]
    VIEWER_FIELD_NUMBER: _ClassVar[int]
    slug: str
    viewer: str
    def __init__(self, slug: _Optional[str] = ..., viewer: _Optional[str] = ...) -> None: ...

class ShareCvRequest(_message.Message):
    __slots__ = ("id", "email", "role")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    role: str
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class Collaborator(_message.Message):
    __slots__ = ("user_id", "email", "name", "role", "granted_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email: str
    name: str
    role: str
    granted_at: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., email: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[str] = ..., granted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCollaboratorsRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCollaboratorsResponse(_message.Message):
    __slots__ = ("collaborators",)
    COLLABORATORS_FIELD_NUMBER: _ClassVar[int]
    collaborators: _containers.RepeatedCompositeFieldContainer[Collaborator]
    def __init__(self, collaborators: _Optional[_Iterable[_Union[Collaborator, _Mapping]]] = ...) -> None: ...

class UnshareCvRequest(_message.Message):
    __slots__ = ("id", "user_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class UnshareCvResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddCommentRequest(_message.Message):
    __slots__ = ("id", "section", "body")
    ID_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    id: str
    section: str
    body: str
    def __init__(self, id: _Optional[str] = ..., section: _Optional[str] = ..., body: _Optional[str] = ...) -> None: ...

class Comment(_message.Message):
    __slots__ = ("id", "cv_id", "section", "author_id", "body", "created_at", "resolved_at", "resolved_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    CV_ID_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    cv_id: str
    section: str
    author_id: str
    body: str
    created_at: _timestamp_pb2.Timestamp
    resolved_at: _timestamp_pb2.Timestamp
    resolved_by: str
    def __init__(self, id: _Optional[str] = ..., cv_id: _Optional[str] = ..., section: _Optional[str] = ..., author_id: _Optional[str] = ..., body: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_by: _Optional[str] = ...) -> None: ...

class ListCommentsRequest(_message.Message):
    __slots__ = ("id", "section", "include_resolved")
    ID_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    id: str
    section: str
    include_resolved: bool
    def __init__(self, id: _Optional[str] = ..., section: _Optional[str] = ..., include_resolved: _Optional[bool] = ...) -> None: ...

class ListCommentsResponse(_message.Message):
    __slots__ = ("comments",)
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    comments: _containers.RepeatedCompositeFieldContainer[Comment]
    def __init__(self, comments: _Optional[_Iterable[_Union[Comment, _Mapping]]] = ...) -> None: ...

class ResolveCommentRequest(_message.Message):
    __slots__ = ("id", "comment_id", "resolved")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    id: str
    comment_id: str
    resolved: bool
    def __init__(self, id: _Optional[str] = ..., comment_id: _Optional[str] = ..., resolved: _Optional[bool] = ...) -> None: ...

class DeleteCommentRequest(_message.Message):
    __slots__ = ("id", "comment_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    comment_id: str
    def __init__(self, id: _Optional[str] = ..., comment_id: _Optional[str] = ...) -> None: ...

class DeleteCommentResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RestoreVersionRequest(_message.Message):
    __slots__ = ("id", "version", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., expected_version: _Optional[int] = ...) -> None: ...

class EnhanceCvRequest(_message.Message):
    __slots__ = ("id", "section", "index", "tone", "target_role")
    ID_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TONE_FIELD_NUMBER: _ClassVar[int]
    TARGET_ROLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    section: str
    index: int
    tone: str
    target_role: str
    def __init__(self, id: _Optional[str] = ..., section: _Optional[str] = ..., index: _Optional[int] = ..., tone: _Optional[str] = ..., target_role: _Optional[str] = ...) -> None: ...

class DiffOp(_message.Message):
    __slots__ = ("op", "before", "after")
    OP_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    op: str
    before: str
    after: str
    def __init__(self, op: _Optional[str] = ..., before: _Optional[str] = ..., after: _Optional[str] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("path", "original", "suggested", "reason", "diff")
    PATH_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    path: str
    original: str
    suggested: str
    reason: str
    diff: _containers.RepeatedCompositeFieldContainer[DiffOp]
    def __init__(self, path: _Optional[str] = ..., original: _Optional[str] = ..., suggested: _Optional[str] = ..., reason: _Optional[str] = ..., diff: _Optional[_Iterable[_Union[DiffOp, _Mapping]]] = ...) -> None: ...

class DroppedSuggestion(_message.Message):
    __slots__ = ("path", "suggested", "unsupported")
    PATH_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_FIELD_NUMBER: _ClassVar[int]
    UNSUPPORTED_FIELD_NUMBER: _ClassVar[int]
    path: str
    suggested: str
    unsupported: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, path: _Optional[str] = ..., suggested: _Optional[str] = ..., unsupported: _Optional[_Iterable[str]] = ...) -> None: ...

class Enhancement(_message.Message):
    __slots__ = ("cv_version", "suggestions", "dropped", "model")
    CV_VERSION_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    cv_version: int
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    dropped: _containers.RepeatedCompositeFieldContainer[DroppedSuggestion]
    model: str
    def __init__(self, cv_version: _Optional[int] = ..., suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., dropped: _Optional[_Iterable[_Union[DroppedSuggestion, _Mapping]]] = ..., model: _Optional[str] = ...) -> None: ...

class SuggestSkillsRequest(_message.Message):
    __slots__ = ("id", "job_text")
    ID_FIELD_NUMBER: _ClassVar[int]
    JOB_TEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    job_text: str
    def __init__(self, id: _Optional[str] = ..., job_text: _Optional[str] = ...) -> None: ...

class SkillSuggestion(_message.Message):
    __slots__ = ("name", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SkillSuggestions(_message.Message):
    __slots__ = ("skills",)
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    skills: _containers.RepeatedCompositeFieldContainer[SkillSuggestion]
    def __init__(self, skills: _Optional[_Iterable[_Union[SkillSuggestion, _Mapping]]] = ...) -> None: ...

class WriteCoverLetterRequest(_message.Message):
    __slots__ = ("id", "job_text", "job_title", "tone", "words")
    ID_FIELD_NUMBER: _ClassVar[int]
    JOB_TEXT_FIELD_NUMBER: _ClassVar[int]
    JOB_TITLE_FIELD_NUMBER: _ClassVar[int]
    TONE_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    job_text: str
    job_title: str
    tone: str
    words: int
    def __init__(self, id: _Optional[str] = ..., job_text: _Optional[str] = ..., job_title: _Optional[str] = ..., tone: _Optional[str] = ..., words: _Optional[int] = ...) -> None: ...

class CoverLetter(_message.Message):
    __slots__ = ("id", "greeting", "paragraphs", "closing", "job_title", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    GREETING_FIELD_NUMBER: _ClassVar[int]
    PARAGRAPHS_FIELD_NUMBER: _ClassVar[int]
    CLOSING_FIELD_NUMBER: _ClassVar[int]
    JOB_TITLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    greeting: str
    paragraphs: _containers.RepeatedScalarFieldContainer[str]
    closing: str
    job_title: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., greeting: _Optional[str] = ..., paragraphs: _Optional[_Iterable[str]] = ..., closing: _Optional[str] = ..., job_title: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCoverLettersRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCoverLettersResponse(_message.Message):
    __slots__ = ("letters",)
    LETTERS_FIELD_NUMBER: _ClassVar[int]
    letters: _containers.RepeatedCompositeFieldContainer[CoverLetter]
    def __init__(self, letters: _Optional[_Iterable[_Union[CoverLetter, _Mapping]]] = ...) -> None: ...

class ExportCoverLetterRequest(_message.Message):
    __slots__ = ("id", "letter_id", "format")
    ID_FIELD_NUMBER: _ClassVar[int]
    LETTER_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    id: str
    letter_id: str
    format: str
    def __init__(self, id: _Optional[str] = ..., letter_id: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class ListAiUsageRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _pagination_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class AiCall(_message.Message):
    __slots__ = ("feature", "provider", "model", "input_tokens", "output_tokens", "latency_ms", "outcome", "created_at")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    feature: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    outcome: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, feature: _Optional[str] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., latency_ms: _Optional[float] = ..., outcome: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAiUsageResponse(_message.Message):
    __slots__ = ("calls", "page")
    CALLS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[AiCall]
    page: _pagination_pb2.PageResponse
    def __init__(self, calls: _Optional[_Iterable[_Union[AiCall, _Mapping]]] = ..., page: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class AnalyseAtsRequest(_message.Message):
    __slots__ = ("id", "job_text", "job_title", "advice")
    ID_FIELD_NUMBER: _ClassVar[int]
    JOB_TEXT_FIELD_NUMBER: _ClassVar[int]
    JOB_TITLE_FIELD_NUMBER: _ClassVar[int]
    ADVICE_FIELD_NUMBER: _ClassVar[int]
    id: str
    job_text: str
    job_title: str
    advice: bool
    def __init__(self, id: _Optional[str] = ..., job_text: _Optional[str] = ..., job_title: _Optional[str] = ..., advice: _Optional[bool] = ...) -> None: ...

class ScorePart(_message.Message):
    __slots__ = ("name", "score", "weight", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    score: float
    weight: float
    reason: str
    def __init__(self, name: _Optional[str] = ..., score: _Optional[float] = ..., weight: _Optional[float] = ..., reason: _Optional[str] = ...) -> None: ...

class AtsFinding(_message.Message):
    __slots__ = ("code", "severity", "message", "where")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WHERE_FIELD_NUMBER: _ClassVar[int]
    code: str
    severity: str
    message: str
    where: str
    def __init__(self, code: _Optional[str] = ..., severity: _Optional[str] = ..., message: _Optional[str] = ..., where: _Optional[str] = ...) -> None: ...

class Advice(_message.Message):
    __slots__ = ("path", "advice")
    PATH_FIELD_NUMBER: _ClassVar[int]
    ADVICE_FIELD_NUMBER: _ClassVar[int]
    path: str
    advice: str
    def __init__(self, path: _Optional[str] = ..., advice: _Optional[str] = ...) -> None: ...

class AtsAnalysis(_message.Message):
    __slots__ = ("score", "parts", "matched_keywords", "missing_keywords", "missing_skills", "findings", "words", "advice")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    MATCHED_KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    MISSING_KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    MISSING_SKILLS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    ADVICE_FIELD_NUMBER: _ClassVar[int]
    score: int
    parts: _containers.RepeatedCompositeFieldContainer[ScorePart]
    matched_keywords: _containers.RepeatedScalarFieldContainer[str]
    missing_keywords: _containers.RepeatedScalarFieldContainer[str]
    missing_skills: _containers.RepeatedScalarFieldContainer[str]
    findings: _containers.RepeatedCompositeFieldContainer[AtsFinding]
    words: int
    advice: _containers.RepeatedCompositeFieldContainer[Advice]
    def __init__(self, score: _Optional[int] = ..., parts: _Optional[_Iterable[_Union[ScorePart, _Mapping]]] = ..., matched_keywords: _Optional[_Iterable[str]] = ..., missing_keywords: _Optional[_Iterable[str]] = ..., missing_skills: _Optional[_Iterable[str]] = ..., findings: _Optional[_Iterable[_Union[AtsFinding, _Mapping]]] = ..., words: _Optional[int] = ..., advice: _Optional[_Iterable[_Union[Advice, _Mapping]]] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("title", "description", "skills", "location", "remote", "seniority", "salary_min", "salary_max", "currency")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    REMOTE_FIELD_NUMBER: _ClassVar[int]
    SENIORITY_FIELD_NUMBER: _ClassVar[int]
    SALARY_MIN_FIELD_NUMBER: _ClassVar[int]
    SALARY_MAX_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    title: str
    description: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    location: str
    remote: bool
    seniority: str
    salary_min: float
    salary_max: float
    currency: str
    def __init__(self, title: _Optional[str] = ..., description: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., location: _Optional[str] = ..., remote: _Optional[bool] = ..., seniority: _Optional[str] = ..., salary_min: _Optional[float] = ..., salary_max: _Optional[float] = ..., currency: _Optional[str] = ...) -> None: ...

class MatchCvJobRequest(_message.Message):
    __slots__ = ("id", "job", "expected_salary", "expected_currency")
    ID_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_SALARY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    id: str
    job: Job
    expected_salary: float
    expected_currency: str
    def __init__(self, id: _Optional[str] = ..., job: _Optional[_Union[Job, _Mapping]] = ..., expected_salary: _Optional[float] = ..., expected_currency: _Optional[str] = ...) -> None: ...

class JobMatch(_message.Message):
    __slots__ = ("score", "parts", "matched_skills", "missing_skills", "years_of_experience")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    MATCHED_SKILLS_FIELD_NUMBER: _ClassVar[int]
    MISSING_SKILLS_FIELD_NUMBER: _ClassVar[int]
    YEARS_OF_EXPERIENCE_FIELD_NUMBER: _ClassVar[int]
    score: int
    parts: _containers.RepeatedCompositeFieldContainer[ScorePart]
    matched_skills: _containers.RepeatedScalarFieldContainer[str]
    missing_skills: _containers.RepeatedScalarFieldContainer[str]
    years_of_experience: float
    def __init__(self, score: _Optional[int] = ..., parts: _Optional[_Iterable[_Union[ScorePart, _Mapping]]] = ..., matched_skills: _Optional[_Iterable[str]] = ..., missing_skills: _Optional[_Iterable[str]] = ..., years_of_experience: _Optional[float] = ...) -> None: ...
