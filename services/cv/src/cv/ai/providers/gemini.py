"""Google Gemini (the Gemini API, not Vertex AI) through the official `google-genai` SDK:
`generateContent` with JSON output constrained by `responseJsonSchema`, and embeddings."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx2
from google import genai
from google.genai import errors, types

from cv.ai.providers.base import (
    Generated,
    Generation,
    ProviderError,
    kind_for_status,
    milliseconds_since,
    parse_answer,
    retry_after_seconds,
)

# The SDK lets its HTTP client's errors through as they are.
_FAILURES = (errors.APIError, httpx2.TransportError)
_REFUSED = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
                      "LANGUAGE"})
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")


class GeminiProvider:
    """Gemini through the Gemini API (an API key, `generativelanguage`)."""

    name = "gemini"

    def __init__(self, *, api_key: str, base_url: str | None, timeout: float) -> None:
        # Our own HTTP client: otherwise the SDK picks aiohttp when it happens to be installed
        # (other errors, and its own retries of connection errors, 1-10 s each) or httpx or
        # httpx2 as GOOGLE_GENAI_HTTP_CLIENT says.
        self._http = httpx2.AsyncClient(timeout=timeout)
        self._client = genai.Client(
            # Explicit, so that GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch the
            # backend.
            vertexai=False,
            api_key=api_key,
            http_options=types.HttpOptions(
                base_url=base_url,
                timeout=round(timeout * 1000),  # milliseconds
                httpx_async_client=self._http,
                # One attempt: retries are Resilient's (the SDK's default is none, but an
                # HttpRetryOptions() left at its defaults would mean five).
                retry_options=types.HttpRetryOptions(attempts=1),
            ))

    async def generate(self, request: Generation) -> Generated:
        contents = [types.Content(role="model" if role == "assistant" else "user",
                                  parts=[types.Part(text=text)])
                    for role, text in request.turns()]
        config = types.GenerateContentConfig(
            system_instruction=request.system,
            response_mime_type="application/json",
            # responseJsonSchema takes JSON Schema as it is; responseSchema (an OpenAPI subset)
            # refuses additionalProperties.
            response_json_schema=request.schema,
            max_output_tokens=request.max_tokens,
            temperature=request.temperature,
        )
        started = time.perf_counter()
        try:
            response = await self._client.aio.models.generate_content(
                model=request.model, contents=contents, config=config)
        except _FAILURES as error:
            raise _provider_error(error) from error
        latency_ms = milliseconds_since(started)
        if not response.candidates:
            feedback = response.prompt_feedback
            reason = feedback.block_reason if feedback and feedback.block_reason else "none"
            raise ProviderError("invalid_answer", f"no answer (prompt blocked: {reason})",
                                answer="")
        candidate = response.candidates[0]
        parts = candidate.content.parts if candidate.content and candidate.content.parts else []
        text = "".join(part.text for part in parts if part.text and not part.thought)
        finish = candidate.finish_reason.value if candidate.finish_reason else "STOP"
        if finish == "MAX_TOKENS":
            raise ProviderError("invalid_answer", "the answer was cut off at max tokens",
                                answer=text)
        if finish in _REFUSED:
            raise ProviderError("invalid_answer", f"the answer was blocked ({finish})",
                                answer=text)
        usage = response.usage_metadata
        return Generated(
            data=parse_answer(text),
            model=response.model_version or request.model,
            input_tokens=(usage.prompt_token_count or 0) if usage else 0,
            # Thinking models bill their thoughts as output.
            output_tokens=((usage.candidates_token_count or 0)
                           + (usage.thoughts_token_count or 0)) if usage else 0,
            latency_ms=latency_ms, provider=self.name)

    async def embed(self, texts: list[str], model: str) -> list[list[float]]:
        try:
            response = await self._client.aio.models.embed_content(
                model=model, contents=texts,
                # One task type for every text, so that any two vectors compare.
                config=types.EmbedContentConfig(task_type="RETRIEVAL_DOCUMENT"))
        except _FAILURES as error:
            raise _provider_error(error) from error
        return [list(item.values or []) for item in response.embeddings or []]

    async def aclose(self) -> None:
        # The SDK leaves a client it was given open.
        await self._http.aclose()


def _provider_error(error: errors.APIError | httpx2.TransportError) -> ProviderError:
    if isinstance(error, errors.APIError):
        status = int(error.code)
        retry_after = _retry_delay(error.details)
        if retry_after is None:
            retry_after = retry_after_seconds(getattr(error.response, "headers", None))
        return ProviderError(kind_for_status(status), error.message or str(error),
                             retry_after, status)
    if isinstance(error, httpx2.TimeoutException):
        return ProviderError("timeout", "no answer within the timeout")
    return ProviderError("unavailable", f"cannot connect: {error}")


def _retry_delay(details: Any) -> float | None:
    """Gemini says how long to wait in the error body (`RetryInfo.retryDelay`, e.g. "47s"),
    not in a Retry-After header."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("@type", "").endswith("google.rpc.RetryInfo"):
            match = _DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None
