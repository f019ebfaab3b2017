"""Domain errors that carry their gRPC status.

Service code raises these; the server interceptor turns them into statuses and the gateway
turns statuses into RFC 9457 problem+json with one table (see gateway/problems.py).
"""

from __future__ import annotations

import grpc

# Trailing-metadata key with a short machine-readable problem type (e.g. "email-taken").
PROBLEM_TYPE_KEY = "x-problem-type"
# Trailing-metadata key with the seconds after which a refused call may be tried again (the
# gateway answers it as Retry-After).
RETRY_AFTER_KEY = "x-retry-after"


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


class DeadlineExceeded(DomainError):
    """The caller's deadline has passed (or is too close to finish): nothing was committed."""

    status = grpc.StatusCode.DEADLINE_EXCEEDED
