"""A fake Anthropic Messages API for tests and local runs (never on the production path), as the
contract (email_ai_misc.md §2.3) describes it.

What it checks, as the real API does: the key, in `x-api-key` or (as SDK 2.x sends it)
`Authorization: Bearer`, x-api-key winning when both come (401 `authentication_error`); the
required `anthropic-version` header, 2023-06-01 or 2026-10-21, the version SDK 2.x speaks,
which removed `temperature`, `top_p` and `top_k` (sending one is 400 "Extra inputs are not
permitted"); the required `model`, `max_tokens` and `messages`; no "system" role among the
messages (the system prompt is top-level); no unknown top-level fields; the beta
`output_format` only with its beta header; and a structured-output schema
(`output_config.format`) whose objects say `additionalProperties: false`. Errors come in the
`{"type": "error", "error": {...}, "request_id"}` envelope, 529 as `overloaded_error`; answers
carry `request-id` and the `anthropic-ratelimit-*` headers, 429s `retry-after`. A refusal is
`stop_reason: "refusal"`, a truncation `"max_tokens"`. Scripting: `devstack.fakes.llm`.
"""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.fakes.llm import (
    LlmFake,
    Step,
    answer,
    content_text,
    estimate_tokens,
    first_user_text,
    non_strict_object,
)

VERSIONS = ("2026-10-21", "2023-06-01", "2023-01-01")
# What API version 2026-10-21 took away from the request.
REMOVED_IN_2026_10_21 = frozenset({"temperature", "top_p", "top_k"})
STRUCTURED_OUTPUTS_BETA = "structured-outputs-2025-11-13"
_FIELDS = frozenset({
    "model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k",
    "stop_sequences", "stream", "metadata", "tools", "tool_choice", "thinking", "output_config",
    "service_tier", "container", "mcp_servers", "context_management", "inference_geo",
    "cache_control", "speed",
})
_ERRORS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified "
          "resource."),
    404: ("not_found_error", "The requested resource could not be found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "This request would exceed the rate limit for your organization "
          "of 50 requests per minute."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}
_BASE62 = string.ascii_letters + string.digits


class FakeAnthropic(LlmFake):
    """Anthropic on 127.0.0.1. Base URL for the SDK: `url` (the SDK adds `/v1/messages`)."""

    def __init__(self, *, api_key: str = "sk-ant-test") -> None:
        super().__init__("anthropic", api_key,
                         [Route("/v1/messages", self._messages, methods=["POST"])])

    async def _messages(self, request: Request) -> Response:
        received = await self._receive(request)
        bearer = request.headers.get("authorization", "")
        key = request.headers.get("x-api-key") or (
            bearer[7:] if bearer.startswith("Bearer ") else None)
        if not key:
            return _error(401, "authentication_error", "x-api-key header is required")
        if key != self.api_key:
            return _error(401, "authentication_error", "invalid x-api-key")
        version = request.headers.get("anthropic-version")
        if not version:
            return _error(400, "invalid_request_error", "anthropic-version: header is required")
        if version not in VERSIONS:
            return _error(400, "invalid_request_error",
                          f"anthropic-version: invalid value '{version}'")
        body = received.body
        if not isinstance(body, dict):
            return _error(400, "invalid_request_error", "There was an issue with the request "
                          "body: it is not valid JSON.")
        betas = {b.strip() for b in request.headers.get("anthropic-beta", "").split(",")}
        if (invalid := _invalid(body, betas, version)) is not None:
            return invalid
        step, failed = await self._step(request)
        if failed is not None:
            return failed
        output = (body.get("output_config") or {}).get("format") or body.get("output_format")
        schema = output.get("schema") if output else None
        messages = body["messages"]
        said = answer(step, schema, first_user_text(messages))
        input_tokens = estimate_tokens(content_text(body.get("system"))) + sum(
            estimate_tokens(content_text(m.get("content"))) for m in messages)
        stop = {"complete": "end_turn", "truncated": "max_tokens",
                "refused": "refusal"}[said.ending]
        return JSONResponse({
            "id": "msg_01" + "".join(secrets.choice(_BASE62) for _ in range(22)),
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": said.text}],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens,
                      "output_tokens": estimate_tokens(said.text),
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                      "service_tier": "standard"},
        }, headers=_headers())

    def _scripted_error(self, status: int, step: Step) -> Response:
        kind, message = _ERRORS.get(status, _ERRORS[500 if status >= 500 else 400])
        response = _error(status, kind, step.get("message") or message)
        if step.get("retry_after") is not None:
            response.headers["retry-after"] = str(step["retry_after"])
        return response


def _invalid(body: dict[str, Any], betas: set[str], version: str) -> Response | None:
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return _error(400, "invalid_request_error", f"{name}: Field required")
    for name in body:
        if name == "output_format" and STRUCTURED_OUTPUTS_BETA in betas:
            continue
        if name not in _FIELDS or (version == "2026-10-21" and name in REMOVED_IN_2026_10_21):
            return _error(400, "invalid_request_error", f"{name}: Extra inputs are not permitted")
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 0:
        return _error(400, "invalid_request_error",
                      "max_tokens: Input should be a valid integer greater than or equal to 0")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return _error(400, "invalid_request_error", "messages: at least one message is required")
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "system":
            return _error(400, "invalid_request_error", 'messages: Unexpected role "system". '
                          "The Messages API accepts a top-level `system` parameter, not "
                          '"system" as an input message role.')
        if role not in ("user", "assistant"):
            return _error(400, "invalid_request_error",
                          f"messages.{index}.role: Input should be 'user' or 'assistant'")
    if body.get("stream"):
        return _error(400, "invalid_request_error", "stream: the fake does not stream")
    output = (body.get("output_config") or {}).get("format") or body.get("output_format")
    if output is None:
        return None
    where = "output_config.format" if "output_config" in body else "output_format"
    if output.get("type") != "json_schema" or not isinstance(output.get("schema"), dict):
        return _error(400, "invalid_request_error",
                      f"{where}: expected {{'type': 'json_schema', 'schema': {{...}}}}")
    found = non_strict_object(output["schema"])
    if found is not None and found[1] == "additionalProperties":
        at = ".".join(found[0]) or "root"
        return _error(400, "invalid_request_error",
                      f"{where}.schema: For 'object' type at {at}, 'additionalProperties' must "
                      "be explicitly set to false")
    return None


def _request_id() -> str:
    return "req_011C" + "".join(secrets.choice(_BASE62) for _ in range(20))


def _headers() -> dict[str, str]:
    reset = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {"request-id": _request_id()}
    for limit, value in (("requests", 50), ("input-tokens", 30000), ("output-tokens", 8000)):
        headers[f"anthropic-ratelimit-{limit}-limit"] = str(value)
        headers[f"anthropic-ratelimit-{limit}-remaining"] = str(value - 1)
        headers[f"anthropic-ratelimit-{limit}-reset"] = reset
    return headers


def _error(status: int, kind: str, message: str) -> JSONResponse:
    request_id = _request_id()
    return JSONResponse({"type": "error", "error": {"type": kind, "message": message},
                         "request_id": request_id}, status_code=status,
                        headers={"request-id": request_id})
