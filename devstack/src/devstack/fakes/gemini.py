"""A fake Gemini API (generativelanguage, v1beta and v1) for tests and local runs (never on the
production path): `models/{model}:generateContent`, `:embedContent` and `:batchEmbedContents`
as the contract (storage_ai_analytics_misc.md §6) describes them.

What it checks, as the real API does: the key (`x-goog-api-key` or `?key=`; a wrong one is 400
`INVALID_ARGUMENT` with reason `API_KEY_INVALID`, none at all 403), `contents`, no unknown fields
in the request or its `generationConfig`, and `responseSchema` limited to its OpenAPI subset
(`additionalProperties` there is 400 'Unknown name', the trap that sends JSON Schema to
`responseJsonSchema`). A 429 says how long to wait the way Gemini does, in the body's
`RetryInfo.retryDelay` ("1s"), not in a header. A refusal is a candidate with
`finishReason: "SAFETY"` and no content; a truncation `"MAX_TOKENS"`. Answers carry
`usageMetadata`, `modelVersion` and `responseId`. Scripting: `devstack.fakes.llm`.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.fakes.llm import LlmFake, Step, answer, embedding, estimate_tokens

VERSIONS = ("v1beta", "v1")
_REQUEST_FIELDS = frozenset({"contents", "systemInstruction", "generationConfig",
                             "safetySettings", "tools", "toolConfig", "cachedContent", "labels"})
_CONFIG_FIELDS = frozenset({
    "stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema",
    "responseModalities", "candidateCount", "maxOutputTokens", "temperature", "topP", "topK",
    "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs",
    "enableEnhancedCivicAnswers", "speechConfig", "thinkingConfig", "imageConfig",
    "mediaResolution",
})
# The OpenAPI subset `responseSchema` accepts; anything else there is an unknown field.
_SCHEMA_FIELDS = frozenset({
    "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
    "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
    "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum",
})
_STATUSES = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and "
          "billing details."),
    500: ("INTERNAL", "An internal error has occurred. Please retry or report in "
          "https://developers.generativeai.google/guide/troubleshooting"),
    503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    504: ("DEADLINE_EXCEEDED", "The request timed out. Please try again."),
}
_CAMEL = re.compile(r"_([a-z])")


class FakeGemini(LlmFake):
    """Gemini on 127.0.0.1. Base URL for the SDK: `url` (it adds `/v1beta/models/...`)."""

    def __init__(self, *, api_key: str = "gemini-test-key") -> None:
        super().__init__("gemini", api_key,
                         [Route("/{version}/models/{call}", self._call, methods=["POST"])])

    async def _call(self, request: Request) -> Response:
        received = await self._receive(request)
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
        if not key:
            return _error(403, "Method doesn't allow unregistered callers (callers without "
                          "established identity). Please use API Key or other form of API "
                          "consumer identity to call this API.")
        if key != self.api_key:
            return _error(400, "API key not valid. Please pass a valid API key.", [{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID", "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"}}])
        version = request.path_params["version"]
        model, _, method = request.path_params["call"].partition(":")
        if version not in VERSIONS or method not in (
                "generateContent", "embedContent", "batchEmbedContents"):
            return _error(404, f"Method not found: {version}/models/{model}:{method}")
        body = received.body
        if not isinstance(body, dict):
            return _error(400, "Invalid JSON payload received.")
        if method == "generateContent":
            return await self._generate(request, version, model, body)
        return await self._embed(request, model, body, batch=method == "batchEmbedContents")

    async def _generate(self, request: Request, version: str, model: str,
                        body: dict[str, Any]) -> Response:
        if (invalid := _invalid_generation(body)) is not None:
            return invalid
        step, failed = await self._step(request)
        if failed is not None:
            return failed
        config = {_camel(k): v for k, v in (body.get("generationConfig") or {}).items()}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        contents = body["contents"]
        data_text = next((_parts_text(c) for c in contents if c.get("role", "user") == "user"), "")
        said = answer(step, schema, data_text)
        prompt_tokens = estimate_tokens(_parts_text(body.get("systemInstruction"))) + sum(
            estimate_tokens(_parts_text(c)) for c in contents)
        candidate: dict[str, Any] = {"index": 0}
        if said.ending == "refused":
            # A blocked answer has no content at all, only the reason and the ratings.
            candidate["finishReason"] = "SAFETY"
            candidate["safetyRatings"] = [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT",
                                           "probability": "HIGH", "blocked": True}]
            output_tokens = 0
        else:
            candidate["content"] = {"parts": [{"text": said.text}], "role": "model"}
            candidate["finishReason"] = "MAX_TOKENS" if said.ending == "truncated" else "STOP"
            output_tokens = estimate_tokens(said.text)
        return JSONResponse({
            "candidates": [candidate],
            "usageMetadata": {
                "promptTokenCount": prompt_tokens, "candidatesTokenCount": output_tokens,
                "totalTokenCount": prompt_tokens + output_tokens,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
            },
            "modelVersion": model,
            "responseId": secrets.token_urlsafe(16),
        })

    async def _embed(self, request: Request, model: str, body: dict[str, Any], *,
                     batch: bool) -> Response:
        items = body.get("requests") if batch else [body]
        if not isinstance(items, list) or not items:
            return _error(400, "* BatchEmbedContentsRequest.requests: at least one request is "
                          "required")
        texts = []
        for index, item in enumerate(items):
            if batch and item.get("model") != f"models/{model}":
                return _error(400, f"* BatchEmbedContentsRequest.requests[{index}].model: "
                              "Model in request must match the model of the batch.")
            text = _parts_text(item.get("content"))
            if not text:
                return _error(400, "* EmbedContentRequest.content: contents is not specified")
            texts.append((text, int(item.get("outputDimensionality") or 256)))
        _, failed = await self._step(request)
        if failed is not None:
            return failed
        vectors = [{"values": embedding(text, dimensions)} for text, dimensions in texts]
        return JSONResponse({"embeddings": vectors} if batch else {"embedding": vectors[0]})

    def _scripted_error(self, status: int, step: Step) -> Response:
        details = None
        if status == 429:
            details = [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                        "violations": [{"quotaMetric": "generativelanguage.googleapis.com/"
                                        "generate_content_free_tier_requests",
                                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel"
                                        "-FreeTier"}]}]
            if step.get("retry_after") is not None:
                details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                "retryDelay": f"{step['retry_after']}s"})
        return _error(status, step.get("message"), details)


def _invalid_generation(body: dict[str, Any]) -> Response | None:
    for name in body:
        if _camel(name) not in _REQUEST_FIELDS:
            return _error(400, f'Invalid JSON payload received. Unknown name "{name}": Cannot '
                          "find field.")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        return _error(400, "* GenerateContentRequest.contents: contents is not specified")
    for index, content in enumerate(contents):
        if content.get("role", "user") not in ("user", "model"):
            return _error(400, f"* GenerateContentRequest.contents[{index}].role: Please use a "
                          "valid role: user, model.")
        if not content.get("parts"):
            return _error(400, f"* GenerateContentRequest.contents[{index}].parts: contents.parts "
                          "must not be empty.")
    config = body.get("generationConfig") or {}
    for name in config:
        if _camel(name) not in _CONFIG_FIELDS:
            return _error(400, f'Invalid JSON payload received. Unknown name "{name}" at '
                          "'generation_config': Cannot find field.")
    config = {_camel(k): v for k, v in config.items()}
    if "responseSchema" in config and "responseJsonSchema" in config:
        return _error(400, "* GenerateContentRequest.generation_config: response_schema and "
                      "response_json_schema cannot both be set.")
    if ("responseSchema" in config or "responseJsonSchema" in config) and config.get(
            "responseMimeType") != "application/json":
        return _error(400, "* GenerateContentRequest.generation_config.response_mime_type: "
                      "must be application/json when a response schema is set.")
    if "responseSchema" in config:
        unknown = _unknown_schema_field(config["responseSchema"], "response_schema")
        if unknown is not None:
            name, at = unknown
            return _error(400, f'Invalid JSON payload received. Unknown name "{name}" at '
                          f"'generation_config.{at}': Cannot find field.")
    return None


def _unknown_schema_field(schema: Any, at: str) -> tuple[str, str] | None:
    if not isinstance(schema, dict):
        return None
    for name, value in schema.items():
        if _camel(name) not in _SCHEMA_FIELDS:
            return name, at
        name = _camel(name)
        if name == "properties":
            for prop, sub in (value or {}).items():
                found = _unknown_schema_field(sub, f"{at}.properties[{prop}].value")
                if found:
                    return found
        elif name == "items":
            found = _unknown_schema_field(value, f"{at}.items")
            if found:
                return found
        elif name == "anyOf":
            for index, sub in enumerate(value or []):
                found = _unknown_schema_field(sub, f"{at}.any_of[{index}]")
                if found:
                    return found
    return None


def _parts_text(content: Any) -> str:
    if not isinstance(content, dict):
        return ""
    return " ".join(str(part.get("text", "")) for part in content.get("parts") or []
                    if isinstance(part, dict) and not part.get("thought"))


def _camel(name: str) -> str:
    # Google's JSON mapping of protobuf accepts both spellings of a field.
    return _CAMEL.sub(lambda m: m.group(1).upper(), name)


def _error(status: int, message: str | None = None,
           details: list[dict[str, Any]] | None = None) -> JSONResponse:
    name, default = _STATUSES.get(status, _STATUSES[500 if status >= 500 else 400])
    error: dict[str, Any] = {"code": status, "message": message or default, "status": name}
    if details:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=status)
