"""Domain errors that carry their gRPC status.

Service code raises these; the server interceptor turns them into statuses and the gateway
turns statuses into RFC 9457 problem+json with one table, `HTTP_STATUS` (gateway/problems.py
says why each row; a service's own HTTP routes answer with the same table).
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc

# Trailing-metadata key with a short machine-readable problem type (e.g. "email-taken").
PROBLEM_TYPE_KEY = "x-problem-type"
# Trailing-metadata key with the seconds after which a refused call may be tried again (the
# gateway answers it as Retry-After).
RETRY_AFTER_KEY = "x-retry-after"

# gRPC status -> the HTTP status that answers it; anything else is 502 (`http_status`).
HTTP_STATUS: Mapping[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 412,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    # UpstreamFailed: a third party failed (a crash in our code is INTERNAL, also 502).
    grpc.StatusCode.UNKNOWN: 502,
}


def http_status(code: grpc.StatusCode) -> int:
    """The HTTP status that answers a gRPC status (502 for one the table does not name)."""
    return HTTP_STATUS.get(code, 502)


class DomainError(Exception):
    """Base of errors a client can act on. Anything else becomes INTERNAL."""

    status: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    problem_type: str = "about:blank"

    def __init__(self, detail: str, *, problem_type: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if problem_type is not None:
            self.problem_type = problem_type


class InvalidArgument(DomainError):
    status = grpc.StatusCode.INVALID_ARGUMENT


class Unauthenticated(DomainError):
    status = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(DomainError):
    status = grpc.StatusCode.PERMISSION_DENIED


class NotFound(DomainError):
    status = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    status = grpc.StatusCode.ALREADY_EXISTS


class Conflict(DomainError):
    """A concurrent change won; the caller may retry after re-reading."""

    status = grpc.StatusCode.ABORTED


class FailedPrecondition(DomainError):
    status = grpc.StatusCode.FAILED_PRECONDITION


class QuotaExceeded(DomainError):
    status = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(DomainError):
    """Refused for now, with nothing done (the service is saturated): the caller may try again
    after `retry_after_seconds`."""

    status = grpc.StatusCode.UNAVAILABLE

    def __init__(self, detail: str, *, problem_type: str | None = None,
                 retry_after_seconds: int = 1) -> None:
        super().__init__(detail, problem_type=problem_type)
        self.retry_after_seconds = retry_after_seconds


class UpstreamFailed(DomainError):
    """A third party this service depends on (an LLM provider, say) failed or answered
    nonsense: nothing was done. The gateway answers 502 with this detail."""

    status = grpc.StatusCode.UNKNOWN


class DeadlineExceeded(DomainError):
    """The caller's deadline has passed (or is too close to finish): nothing was committed."""

    status = grpc.StatusCode.DEADLINE_EXCEEDED
