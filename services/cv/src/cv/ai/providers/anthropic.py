"""Anthropic's Messages API through the official `anthropic` SDK, with structured outputs in
their GA form (`output_config.format`, no beta header). Anthropic has no embeddings API.

SDK 2.x speaks API version 2026-10-21, which removed the sampling parameters: a request with
`temperature` is refused, so `Generation.temperature` does not reach Anthropic."""

from __future__ import annotations

import time

import anthropic

from cv.ai.providers.base import (
    Generated,
    Generation,
    ProviderError,
    kind_for_status,
    milliseconds_since,
    parse_answer,
    retry_after_seconds,
)


class AnthropicProvider:
    """Claude through the Messages API."""

    name = "anthropic"

    def __init__(self, *, api_key: str, base_url: str | None, timeout: float) -> None:
        # Retries are Resilient's, with one policy for every provider: the SDK's own are off.
        self._client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url,
                                                max_retries=0, timeout=timeout)

    async def generate(self, request: Generation) -> Generated:
        started = time.perf_counter()
        try:
            message = await self._client.messages.create(
                model=request.model,
                max_tokens=request.max_tokens,
                # The system prompt is top-level: the Messages API has no "system" role.
                system=request.system,
                messages=[{"role": role, "content": text} for role, text in request.turns()],
                output_config={"format": {"type": "json_schema", "schema": request.schema}},
            )
        except anthropic.APIError as error:
            raise _provider_error(error) from error
        latency_ms = milliseconds_since(started)
        text = "".join(block.text for block in message.content if block.type == "text")
        if message.stop_reason == "refusal":
            raise ProviderError("invalid_answer", "the model refused", answer=text)
        if message.stop_reason == "max_tokens":
            raise ProviderError("invalid_answer", "the answer was cut off at max tokens",
                                answer=text)
        if message.stop_reason == "model_context_window_exceeded":
            # The input leaves no room for an answer: asking again, longer, cannot help.
            raise ProviderError("rejected", "the input fills the model's context window")
        return Generated(data=parse_answer(text), model=message.model,
                         input_tokens=message.usage.input_tokens,
                         output_tokens=message.usage.output_tokens,
                         latency_ms=latency_ms, provider=self.name)

    async def embed(self, texts: list[str], model: str) -> list[list[float]]:
        raise ProviderError("rejected", "Anthropic has no embeddings API; configure another "
                            "provider for embeddings")

    async def aclose(self) -> None:
        await self._client.close()


def _provider_error(error: anthropic.APIError) -> ProviderError:
    # APITimeoutError is an APIConnectionError: test it first.
    if isinstance(error, anthropic.APITimeoutError):
        return ProviderError("timeout", "no answer within the timeout")
    if isinstance(error, anthropic.APIConnectionError):
        return ProviderError("unavailable", f"cannot connect: {error.message}")
    if isinstance(error, anthropic.APIStatusError):
        # 529 overloaded_error counts as a 5xx: unavailable, worth retrying.
        status = error.status_code
        return ProviderError(kind_for_status(status), error.api_message or error.message,
                             retry_after_seconds(error.response.headers), status)
    return ProviderError("unavailable", error.message)
