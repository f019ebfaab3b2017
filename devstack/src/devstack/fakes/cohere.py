"""A fake Cohere API v2 for tests and local runs (never on the production path): `POST /v2/chat`
and `POST /v2/embed` as the contract (storage_ai_analytics_misc.md §7) describes them.

What it checks, as the real API does: the bearer key (401 `{"message": "invalid api token"}`),
the required `model` and `messages`, the roles, `response_format` (not together with `documents`
or `tools`), and for embed the required `input_type` and `embedding_types`, at most 96 texts.
Errors are `{"message": ...}`. Answers carry `usage.billed_units` and `usage.tokens` (the
tokens count the prompt template Cohere adds, billed units do not); a truncation is
`finish_reason: "MAX_TOKENS"`. Cohere has no refusal field: a refusal is the model saying so in
text. Scripting: `devstack.fakes.llm`.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.fakes.llm import (
    LlmFake,
    Step,
    answer,
    content_text,
    embedding,
    estimate_tokens,
    first_user_text,
)

MAX_EMBED_TEXTS = 96
INPUT_TYPES = ("search_document", "search_query", "classification", "clustering", "image")
# Tokens of the prompt template Cohere wraps around the messages: counted, not billed.
TEMPLATE_TOKENS = 180
_MESSAGES = {
    400: "invalid request",
    401: "invalid api token",
    402: "Please add or update your payment method at https://dashboard.cohere.com/billing",
    404: "model not found",
    429: "You are using a Trial key, which is limited to 20 API calls / minute. You can "
         "continue to use the Trial key for free or upgrade to a Production key with higher "
         "rate limits.",
    500: "internal server error, this has been reported to our developers",
    503: "service unavailable",
}


class FakeCohere(LlmFake):
    """Cohere on 127.0.0.1. Base URL for the SDK: `url` (it adds `/v2/...`)."""

    def __init__(self, *, api_key: str = "co-test") -> None:
        super().__init__("cohere", api_key, [
            Route("/v2/chat", self._chat, methods=["POST"]),
            Route("/v2/embed", self._embed, methods=["POST"]),
        ])

    async def _chat(self, request: Request) -> Response:
        received = await self._receive(request)
        if (refused := self._unauthorised(request)) is not None:
            return refused
        body = received.body
        if not isinstance(body, dict):
            return _error(400, "invalid request: body is not valid JSON")
        if (invalid := _invalid_chat(body)) is not None:
            return invalid
        step, failed = await self._step(request)
        if failed is not None:
            return failed
        response_format = body.get("response_format") or {}
        schema = response_format.get("json_schema") \
            if response_format.get("type") == "json_object" else None
        messages = body["messages"]
        said = answer(step, schema, first_user_text(messages))
        input_tokens = sum(estimate_tokens(content_text(m.get("content"))) for m in messages)
        output_tokens = estimate_tokens(said.text)
        return JSONResponse({
            "id": str(uuid.uuid4()),
            "finish_reason": "MAX_TOKENS" if said.ending == "truncated" else "COMPLETE",
            "message": {"role": "assistant", "content": [{"type": "text", "text": said.text}]},
            "usage": {
                "billed_units": {"input_tokens": input_tokens, "output_tokens": output_tokens},
                "tokens": {"input_tokens": input_tokens + TEMPLATE_TOKENS,
                           "output_tokens": output_tokens},
            },
        }, headers=_headers())

    async def _embed(self, request: Request) -> Response:
        received = await self._receive(request)
        if (refused := self._unauthorised(request)) is not None:
            return refused
        body = received.body
        if not isinstance(body, dict):
            return _error(400, "invalid request: body is not valid JSON")
        if not body.get("model"):
            return _error(400, "invalid request: model must be specified")
        if body.get("input_type") not in INPUT_TYPES:
            return _error(400, "invalid request: input_type must be one of "
                          + ", ".join(INPUT_TYPES))
        types = body.get("embedding_types")
        if not types:
            return _error(400, "invalid request: embedding_types is required")
        if set(types) - {"float"}:
            return _error(400, "invalid request: the fake serves float embeddings only")
        texts = body.get("texts")
        if not isinstance(texts, list) or not texts:
            return _error(400, "invalid request: texts must be a non-empty list")
        if len(texts) > MAX_EMBED_TEXTS:
            return _error(400, "invalid request: total number of texts must be at most "
                          f"{MAX_EMBED_TEXTS} - received {len(texts)}")
        _, failed = await self._step(request)
        if failed is not None:
            return failed
        dimensions = int(body.get("output_dimension") or 256)
        return JSONResponse({
            "id": str(uuid.uuid4()),
            "embeddings": {"float": [embedding(str(t), dimensions) for t in texts]},
            "texts": texts,
            "meta": {"api_version": {"version": "2"},
                     "billed_units": {"input_tokens": sum(estimate_tokens(str(t))
                                                          for t in texts)}},
            "response_type": "embeddings_by_type",
        }, headers=_headers())

    def _unauthorised(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return _error(401, "no api key supplied")
        if auth[7:] != self.api_key:
            return _error(401, "invalid api token")
        return None

    def _scripted_error(self, status: int, step: Step) -> Response:
        message = step.get("message") or _MESSAGES.get(
            status, _MESSAGES[500 if status >= 500 else 400])
        response = _error(status, message)
        if step.get("retry_after") is not None:
            response.headers["retry-after"] = str(step["retry_after"])
        return response


def _invalid_chat(body: dict[str, Any]) -> Response | None:
    if not body.get("model"):
        return _error(400, "invalid request: model must be specified")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _error(400, "invalid request: messages must not be empty")
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("system", "user", "assistant", "tool"):
            return _error(400, f"invalid request: invalid role '{role}', must be one of "
                          "system, user, assistant, tool")
    if body.get("stream"):
        return _error(400, "invalid request: the fake does not stream")
    response_format = body.get("response_format")
    if response_format is None:
        return None
    if response_format.get("type") not in ("text", "json_object"):
        return _error(400, "invalid request: response_format.type must be text or json_object")
    if body.get("documents") or body.get("tools"):
        return _error(400, "invalid request: response_format is not supported together with "
                      "documents or tools")
    schema = response_format.get("json_schema")
    if schema is not None and not isinstance(schema, dict):
        return _error(400, "invalid request: response_format.json_schema must be an object")
    return None


def _headers() -> dict[str, str]:
    return {"x-endpoint-monthly-call-limit": "1000", "x-trial-endpoint-call-limit": "20",
            "x-trial-endpoint-call-remaining": "19"}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)
