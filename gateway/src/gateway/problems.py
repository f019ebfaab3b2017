"""Every error the gateway answers with, as RFC 9457 problem+json, rendered in this one place.

`problem_response` builds the body; the handlers installed by `install_problem_handlers` turn
routing errors, validation errors, gRPC statuses (one table, `GRPC_TO_HTTP`), `Problem`
raised by gateway code, and anything unexpected into it. `PROBLEM_RESPONSES` documents the
shape in /openapi.json.

gRPC status -> HTTP status:

    INVALID_ARGUMENT, OUT_OF_RANGE 400   UNAUTHENTICATED 401   PERMISSION_DENIED 403
    NOT_FOUND 404   ALREADY_EXISTS, ABORTED 409   FAILED_PRECONDITION 412
    RESOURCE_EXHAUSTED 429   UNIMPLEMENTED 501   UNAVAILABLE 503   DEADLINE_EXCEEDED 504
    anything else (INTERNAL, UNKNOWN, DATA_LOSS, CANCELLED) 502

FAILED_PRECONDITION is 412 rather than 409: the request was well-formed and does not race
anybody, but the state it depends on is not what it must be (a subscription that must be
active, a version the client said it had read). The client has to change that state or re-read,
not merely retry. Races and duplicates are ABORTED / ALREADY_EXISTS, hence 409.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

import grpc
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match

from career_kit import context
from career_kit.errors import HTTP_STATUS, PROBLEM_TYPE_KEY, RETRY_AFTER_KEY, http_status

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

GRPC_TO_HTTP = HTTP_STATUS  # the kit's table (career_kit.errors), named as this docstring does
# Statuses whose text is written for the caller: a service's domain error, or gRPC's own wording
# about the request. Any other status text can describe our insides (addresses, tracebacks) and
# is replaced, unless the service marked the status as a domain error with x-problem-type.
_CLIENT_FACING = frozenset(GRPC_TO_HTTP) - {
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
    # gRPC's own answer for an exception a servicer let out carries its text.
    grpc.StatusCode.UNKNOWN,
}
_GENERIC_DETAIL = {
    503: "A service behind the API is unavailable; try again shortly.",
    504: "A service behind the API did not answer in time.",
    502: "upstream error",
}


class ValidationIssue(BaseModel):
    """One reason a request was refused by validation."""

    location: str = Field(description="Where the bad value is: body, query, path, header, cookie")
    field: str = Field(description="Dotted path of the value within that location")
    message: str
    type: str = Field(description="Machine-readable reason, e.g. int_parsing, missing")


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, the body of every error response."""

    type: str = Field(default="about:blank", description="URI reference naming the problem")
    title: str = Field(description="Short summary of the problem type")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong with this request")
    instance: str = Field(description="The request path")
    request_id: str | None = Field(default=None, description="Echo of the X-Request-ID header")
    errors: list[ValidationIssue] | None = Field(
        default=None, description="Each invalid value, on validation errors")


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}


# For `responses=` on an app, router or route: every 4xx and 5xx is problem+json.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"description": "Client error (RFC 9457 problem details)",
            "content": _problem_content()},
    "5XX": {"description": "Server or upstream error (RFC 9457 problem details)",
            "content": _problem_content()},
}


class Problem(Exception):
    """An error gateway code raises to answer with problem+json (rendered by one handler)."""

    def __init__(self, status: int, detail: str, *, type_: str = "about:blank",
                 title: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.title = title
        self.headers = dict(headers or {})


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str,
    title: str | None = None,
    type_: str = "about:blank",
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """An `application/problem+json` response; `instance` is the request path."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    request_id = context.correlation_id.get()
    if request_id is not None:
        body["request_id"] = request_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}),
                        media_type=PROBLEM_MEDIA_TYPE)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def http_status_for(code: grpc.StatusCode) -> int:
    """The HTTP status that answers a gRPC status (the one table; 502 for anything else)."""
    return http_status(code)


def grpc_problem_type(exc: grpc.aio.AioRpcError) -> str | None:
    """The problem type a service gave its domain error (None for other failures)."""
    return _trailing(exc, PROBLEM_TYPE_KEY)


# Problem types whose HTTP status is more precise than their gRPC status' row in the table.
# A reused Idempotency-Key is well-formed but cannot be processed: 422, as the IETF
# Idempotency-Key draft specifies (INVALID_ARGUMENT alone would say 400).
# A CV whose content breaks its schema is well-formed JSON that cannot be processed: 422; so
# is an uploaded file that cannot be read as a CV.
# An AI provider that failed or answered nonsense is a bad gateway behind us: 502.
PROBLEM_TYPE_STATUS: Mapping[str, int] = {"idempotency-key-reused": 422,
                                          "invalid-content": 422,
                                          "unreadable-cv": 422,
                                          "ai-provider-failed": 502}


def grpc_problem(exc: grpc.aio.AioRpcError, instance: str) -> JSONResponse:
    """The problem response for a failed gRPC call."""
    code = exc.code()
    problem_type = grpc_problem_type(exc)
    status = http_status_for(code)
    if problem_type in PROBLEM_TYPE_STATUS:
        status = PROBLEM_TYPE_STATUS[problem_type]
    # A domain error names its problem type and writes its detail for the client; other
    # failures (a crash, an unreachable service) get a generic one. A 502 shows its detail
    # only for the problem types listed above (a third party's failure, UpstreamFailed).
    if code in _CLIENT_FACING or (problem_type is not None and (
            status != 502 or problem_type in PROBLEM_TYPE_STATUS)):
        detail = exc.details() or _phrase(status)
    else:
        detail = _GENERIC_DETAIL.get(status, "upstream error")
    # A service that refused for now says when to come back (career_kit.errors.Unavailable).
    retry_after = _trailing(exc, RETRY_AFTER_KEY) if status == 503 else None
    headers = {"Retry-After": retry_after} if retry_after and retry_after.isdigit() else None
    return problem_response(status, detail, instance=instance, type_=problem_type or "about:blank",
                            headers=headers)


def _trailing(exc: grpc.aio.AioRpcError, key: str) -> str | None:
    metadata = exc.trailing_metadata() or ()
    for name, value in metadata:
        if name == key and isinstance(value, str) and value:
            return value
    return None


def validation_issues(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic/FastAPI errors as {location, field, message, type}, without the input values
    (they can be passwords or tokens)."""
    issues = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location, path = (loc[0], loc[1:]) if loc else ("body", [])
        issues.append({"location": location, "field": ".".join(path),
                       "message": str(error.get("msg", "")), "type": str(error.get("type", ""))})
    return issues


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers at this request's path. Starlette's 405
    names only the methods of the first route that matched the path, which is wrong wherever
    one path has a route per method (the webhooks: one per method keeps operation ids unique)."""
    routes = request.app.router.routes
    return [method for method in _METHODS
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
                   for route in routes)]


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        headers["Allow"] = ", ".join(allowed_methods(request))
    if exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if detail == _phrase(exc.status_code):
        detail = _default_detail(request, exc.status_code, headers)
    return problem_response(exc.status_code, detail, instance=request.url.path, headers=headers)


def _default_detail(request: Request, status: int, headers: Mapping[str, str]) -> str:
    if status == 404:
        return f"No resource at {request.url.path}."
    if status == 405:
        allowed = headers.get("allow") or headers.get("Allow") or "none"
        return f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}."
    return _phrase(status)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    malformed = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if malformed is not None:
        # Not JSON at all: nothing was validated, so it is a plain bad request.
        reason = (malformed.get("ctx") or {}).get("error", "invalid JSON")
        position = malformed.get("loc", ("body", "?"))[-1]
        return problem_response(
            400, f"The request body is not valid JSON: {reason} at position {position}.",
            instance=request.url.path)
    return problem_response(
        422, f"The request has {len(errors)} invalid value(s); see errors.",
        instance=request.url.path, errors=validation_issues(errors))


async def _grpc_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, grpc.aio.AioRpcError)
    if http_status_for(exc.code()) == 502:
        log.warning("upstream gRPC call failed", extra={"grpc_code": exc.code().name,
                                                        "grpc_details": exc.details()})
    return grpc_problem(exc, request.url.path)


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.detail, instance=request.url.path, title=exc.title,
                            type_=exc.type, headers=exc.headers)


# Seconds a client is told to wait when the gateway's own Redis is unreachable.
DEPENDENCY_RETRY_AFTER_SECONDS = 5


def dependency_unavailable(instance: str, detail: str) -> JSONResponse:
    """503 with Retry-After: something the gateway itself needs (Redis) cannot be reached, so
    the request can be neither served nor safely let through; it will work once that is back."""
    return problem_response(503, detail, instance=instance, type_="dependency-unavailable",
                            headers={"Retry-After": str(DEPENDENCY_RETRY_AFTER_SECONDS)})


async def unhandled_error(request: Request, exc: Exception) -> Response:
    """Last resort: log the traceback, answer 500 without saying anything about the cause;
    503 with Retry-After when the cause is the gateway's Redis being unreachable (nothing is
    wrong with the request, and it will work again once Redis is back)."""
    log.error("unhandled error", exc_info=exc,
              extra={"method": request.method, "path": request.url.path})
    if isinstance(exc, RedisError):
        return dependency_unavailable(
            request.url.path, "A store the API depends on is unavailable; try again shortly.")
    return problem_response(500, "An unexpected error occurred; it has been logged.",
                            instance=request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    """Register every problem handler on `app` and document ProblemDetails in its OpenAPI."""
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(grpc.aio.AioRpcError, _grpc_error)
    app.add_exception_handler(Problem, _problem)
    # Starlette calls this one from outside every middleware; the gateway's own
    # UnhandledErrorMiddleware catches errors first so that 500s carry the usual headers.
    app.add_exception_handler(Exception, unhandled_error)
    _document_problem_schema(app)


def _document_problem_schema(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            problem = ProblemDetails.model_json_schema(
                ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(problem.pop("$defs", {}))
            components["ProblemDetails"] = problem
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
