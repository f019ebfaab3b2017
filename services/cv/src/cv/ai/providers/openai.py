"""OpenAI, and any OpenAI-compatible API (Ollama, OpenRouter, a company gateway) at a configured
base URL, through the official `openai` SDK: Chat Completions with a strict JSON-schema
`response_format`, and Embeddings.

Chat Completions rather than the Responses API because it is the one OpenAI-compatible servers
implement; the same class then serves both names.
"""

from __future__ import annotations

import time

import openai

from cv.ai.providers.base import (
    Generated,
    Generation,
    ProviderError,
    kind_for_status,
    milliseconds_since,
    parse_answer,
    retry_after_seconds,
)


class OpenAIProvider:
    """Chat Completions and Embeddings of OpenAI or an OpenAI-compatible server."""

    def __init__(self, *, api_key: str, base_url: str | None, timeout: float,
                 name: str = "openai") -> None:
        self.name = name
        # Retries are Resilient's, with one policy for every provider: the SDK's own are off.
        self._client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=0,
                                          timeout=timeout)

    async def generate(self, request: Generation) -> Generated:
        messages = [{"role": "system", "content": request.system}]
        messages += [{"role": role, "content": text} for role, text in request.turns()]
        started = time.perf_counter()
        try:
            completion = await self._client.chat.completions.create(
                model=request.model,
                messages=messages,  # type: ignore[arg-type]
                response_format={"type": "json_schema", "json_schema": {
                    "name": request.schema_name, "strict": True, "schema": request.schema}},
                # max_tokens is deprecated, and refused by reasoning models.
                max_completion_tokens=request.max_tokens,
                temperature=request.temperature,
            )
        except openai.APIError as error:
            raise _provider_error(error) from error
        latency_ms = milliseconds_since(started)
        if not completion.choices:
            raise ProviderError("invalid_answer", "the answer has no choices", answer="")
        choice = completion.choices[0]
        if choice.message.refusal:
            raise ProviderError("invalid_answer", f"the model refused: {choice.message.refusal}",
                                answer=choice.message.refusal)
        if choice.finish_reason in ("length", "content_filter"):
            reason = "cut off at max tokens" if choice.finish_reason == "length" \
                else "stopped by the content filter"
            raise ProviderError("invalid_answer", f"the answer was {reason}",
                                answer=choice.message.content or "")
        data = parse_answer(choice.message.content)
        usage = completion.usage
        return Generated(data=data, model=completion.model or request.model,
                         input_tokens=usage.prompt_tokens if usage else 0,
                         output_tokens=usage.completion_tokens if usage else 0,
                         latency_ms=latency_ms, provider=self.name)

    async def embed(self, texts: list[str], model: str) -> list[list[float]]:
        try:
            # Floats asked for explicitly: the SDK asks for base64 by default, which not every
            # OpenAI-compatible server speaks.
            response = await self._client.embeddings.create(model=model, input=texts,
                                                             encoding_format="float")
        except openai.APIError as error:
            raise _provider_error(error) from error
        return [list(item.embedding) for item in sorted(response.data, key=lambda d: d.index)]

    async def aclose(self) -> None:
        await self._client.close()


def _provider_error(error: openai.APIError) -> ProviderError:
    # APITimeoutError is an APIConnectionError: test it first.
    if isinstance(error, openai.APITimeoutError):
        return ProviderError("timeout", "no answer within the timeout")
    if isinstance(error, openai.APIConnectionError):
        return ProviderError("unavailable", f"cannot connect: {error.message}")
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        return ProviderError(kind_for_status(status), error.message,
                             retry_after_seconds(error.response.headers), status)
    # APIResponseValidationError: an answer the SDK could not read.
    return ProviderError("unavailable", error.message)
