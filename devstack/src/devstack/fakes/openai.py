"""A fake OpenAI API for tests and local runs (never on the production path): Chat Completions
and Embeddings as the contract (email_ai_misc.md §2.1) describes them, served under `/v1` or
any prefix an OpenAI-compatible gateway uses (`FakeOpenAI(prefix="/api/v1")`).

What it checks, as the real API does: the bearer key (401 `invalid_api_key`), a model and
messages, `max_tokens` refused by reasoning models, and with `strict: true` a schema whose every
object has `additionalProperties: false` and lists every property in `required` (400
`invalid_json_schema`). Answers carry `x-request-id` and the `x-ratelimit-*` headers; a
refusal comes back in `message.refusal` with `content: null`, a truncation as
`finish_reason: "length"`. Embeddings honour `dimensions` and `encoding_format` (the SDK asks
for base64 unless told otherwise). Scripting and the echo model: `devstack.fakes.llm`.
"""

from __future__ import annotations

import base64
import re
import struct
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.fakes.llm import (
    LlmFake,
    answer,
    content_text,
    embedding,
    estimate_tokens,
    first_user_text,
    non_strict_object,
)

_SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Reasoning models take max_completion_tokens only.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")
_SNAPSHOT = "2026-01-15"  # invented: the answer names a dated snapshot, as the real API does
_ERRORS = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported"),
    404: ("invalid_request_error", "model_not_found", "The model does not exist or you do not "
          "have access to it."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests per min (RPM): "
          "Limit 500, Used 500, Requested 1."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry "
          "about that!"),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


class FakeOpenAI(LlmFake):
    """OpenAI on 127.0.0.1. Base URL for the SDK: `base_url` (`url` + prefix)."""

    def __init__(self, *, api_key: str = "sk-test", prefix: str = "/v1") -> None:
        self.prefix = prefix.rstrip("/")
        super().__init__("openai", api_key, [
            Route(f"{self.prefix}/chat/completions", self._chat, methods=["POST"]),
            Route(f"{self.prefix}/embeddings", self._embeddings, methods=["POST"]),
        ])

    @property
    def base_url(self) -> str:
        return self.url + self.prefix

    async def _chat(self, request: Request) -> Response:
        received = await self._receive(request)
        if (refused := self._unauthorised(request)) is not None:
            return refused
        body = received.body
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.", None, None)
        if (invalid := _invalid_chat(body)) is not None:
            return invalid
        step, failed = await self._step(request)
        if failed is not None:
            return failed
        response_format = body.get("response_format") or {}
        schema = (response_format.get("json_schema") or {}).get("schema") \
            if response_format.get("type") == "json_schema" else None
        messages = body["messages"]
        said = answer(step, schema, first_user_text(messages))
        prompt_tokens = sum(estimate_tokens(content_text(m.get("content"))) for m in messages)
        completion_tokens = estimate_tokens(said.text)
        refused_text = said.text if said.ending == "refused" else None
        return JSONResponse({
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": _snapshot(str(body["model"])),
            "choices": [{
                "index": 0,
                "message": {"role": "assistant",
                            "content": None if refused_text else said.text,
                            "refusal": refused_text, "annotations": []},
                "logprobs": None,
                "finish_reason": "length" if said.ending == "truncated" else "stop",
            }],
            "usage": {
                "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 0},
            },
            "service_tier": "default",
            "system_fingerprint": "fp_fake0001",
        }, headers=_headers())

    async def _embeddings(self, request: Request) -> Response:
        received = await self._receive(request)
        if (refused := self._unauthorised(request)) is not None:
            return refused
        body = received.body
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.", None, None)
        if not body.get("model"):
            return _error(400, "you must provide a model parameter", None, None)
        texts = body.get("input")
        if isinstance(texts, str):
            texts = [texts]
        if (not isinstance(texts, list) or not texts
                or not all(isinstance(t, str) and t for t in texts)):
            return _error(400, "'$.input' is invalid. Please check the API reference: "
                          "https://platform.openai.com/docs/api-reference.", "input", None)
        encoding = body.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            return _error(400, f"'{encoding}' is not one of ['float', 'base64'] - "
                          "'encoding_format'", "encoding_format", None)
        _, failed = await self._step(request)
        if failed is not None:
            return failed
        dimensions = int(body.get("dimensions") or 256)
        data = []
        for index, text in enumerate(texts):
            vector = embedding(text, dimensions)
            value: Any = vector if encoding == "float" else base64.b64encode(
                struct.pack(f"<{len(vector)}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": value})
        tokens = sum(estimate_tokens(t) for t in texts)
        return JSONResponse({"object": "list", "data": data, "model": body["model"],
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}},
                            headers=_headers())

    def _unauthorised(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return _error(401, "You didn't provide an API key. You need to provide your API key "
                          "in an Authorization header using Bearer auth (i.e. Authorization: "
                          "Bearer YOUR_KEY).", None, None)
        if auth[7:] != self.api_key:
            return _error(401, f"Incorrect API key provided: {auth[7:11]}****. You can find "
                          "your API key at https://platform.openai.com/account/api-keys.",
                          None, "invalid_api_key")
        return None

    def _scripted_error(self, status: int, step: dict[str, Any]) -> Response:
        kind, code, message = _ERRORS.get(status, _ERRORS[500 if status >= 500 else 400])
        headers = _headers()
        if status == 429:
            headers["x-ratelimit-remaining-requests"] = "0"
            if step.get("retry_after") is not None:
                headers["retry-after"] = str(step["retry_after"])
        response = _error(status, step.get("message") or message, None, code, kind)
        response.headers.update(headers)
        return response


def _invalid_chat(body: dict[str, Any]) -> Response | None:
    if not body.get("model"):
        return _error(400, "you must provide a model parameter", None, None)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _error(400, "[] is too short - 'messages'", "messages", "empty_array")
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("developer", "system", "user", "assistant", "tool"):
            return _error(400, f"Invalid value: '{role}'. Supported values are: 'system', "
                          "'assistant', 'user', 'tool', 'function' and 'developer'.",
                          f"messages[{index}].role", "invalid_value")
    if "max_tokens" in body and _REASONING_MODEL.match(str(body["model"])):
        return _error(400, "Unsupported parameter: 'max_tokens' is not supported with this "
                      "model. Use 'max_completion_tokens' instead.", "max_tokens",
                      "unsupported_parameter")
    if body.get("stream"):
        return _error(400, "The fake OpenAI API does not stream.", "stream", None)
    response_format = body.get("response_format")
    if response_format is None or response_format.get("type") in ("text", "json_object"):
        return None
    if response_format.get("type") != "json_schema":
        return _error(400, f"Invalid value: '{response_format.get('type')}'. Supported values "
                      "are: 'json_object', 'json_schema', and 'text'.",
                      "response_format.type", "invalid_value")
    json_schema = response_format.get("json_schema") or {}
    name = json_schema.get("name")
    if not isinstance(name, str) or not _SCHEMA_NAME.match(name):
        return _error(400, "Invalid 'response_format.json_schema.name': string does not match "
                      "pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                      "response_format.json_schema.name", "invalid_value")
    schema = json_schema.get("schema")
    if not isinstance(schema, dict):
        return _error(400, "Missing required parameter: 'response_format.json_schema.schema'.",
                      "response_format.json_schema.schema", "missing_required_parameter")
    if json_schema.get("strict"):
        found = non_strict_object(schema)
        if found is not None:
            path, problem = found
            context = repr(path)  # OpenAI prints the path as a Python tuple
            if problem == "additionalProperties":
                detail = "'additionalProperties' is required to be supplied and to be false."
            else:
                missing = ", ".join(f"'{m}'" for m in problem.split(":", 1)[1].split(","))
                detail = ("'required' is required to be supplied and to be an array including "
                          f"every key in properties. Missing {missing}.")
            return _error(400, f"Invalid schema for response_format '{name}': In "
                          f"context={context}, {detail}", "response_format", "invalid_json_schema")
    return None


def _snapshot(model: str) -> str:
    return model if _DATED.search(model) else f"{model}-{_SNAPSHOT}"


def _headers() -> dict[str, str]:
    return {
        "x-request-id": f"req_{uuid.uuid4().hex}",
        "openai-processing-ms": "12",
        "openai-version": "2020-10-01",
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-limit-tokens": "200000",
        "x-ratelimit-remaining-tokens": "199000",
        "x-ratelimit-reset-tokens": "300ms",
    }


def _error(status: int, message: str, param: str | None, code: str | None,
           kind: str | None = None) -> JSONResponse:
    if kind is None:
        kind = "server_error" if status >= 500 else "invalid_request_error"
    return JSONResponse({"error": {"message": message, "type": kind, "param": param,
                                   "code": code}}, status_code=status,
                        headers={"x-request-id": f"req_{uuid.uuid4().hex}"})
