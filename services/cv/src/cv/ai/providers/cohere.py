"""Cohere's API v2 through the official `cohere` SDK: `/v2/chat` with a JSON-object
`response_format` carrying the schema, and `/v2/embed`."""

from __future__ import annotations

import time

import cohere
import httpx
from cohere.core.api_error import ApiError

from cv.ai.providers.base import (
    Generated,
    Generation,
    ProviderError,
    kind_for_status,
    milliseconds_since,
    parse_answer,
    retry_after_seconds,
)

MAX_EMBED_TEXTS = 96  # per /v2/embed call


class CohereProvider:
    """Command models through Cohere's v2 API."""

    name = "cohere"

    def __init__(self, *, api_key: str, base_url: str | None, timeout: float) -> None:
        # Our own HTTP client, so that aclose can close it (the SDK only closes its own on
        # leaving `async with`).
        self._http = httpx.AsyncClient(timeout=timeout)
        # Retries are Resilient's, with one policy for every provider: the SDK's own (two, by
        # default) are off.
        self._client = cohere.AsyncClientV2(api_key=api_key, base_url=base_url,
                                            timeout=timeout, max_retries=0,
                                            httpx_client=self._http)

    async def generate(self, request: Generation) -> Generated:
        messages = [{"role": "system", "content": request.system}]
        messages += [{"role": role, "content": text} for role, text in request.turns()]
        started = time.perf_counter()
        try:
            response = await self._client.chat(
                model=request.model,
                messages=messages,  # type: ignore[arg-type]
                response_format={"type": "json_object", "json_schema": request.schema},
                max_tokens=request.max_tokens,
                temperature=request.temperature,
            )
        except (ApiError, httpx.TransportError) as error:
            raise _provider_error(error) from error
        latency_ms = milliseconds_since(started)
        content = response.message.content if response.message else None
        text = "".join(getattr(item, "text", "") for item in content or [])
        finish = response.finish_reason
        if finish == "MAX_TOKENS":
            raise ProviderError("invalid_answer", "the answer was cut off at max tokens",
                                answer=text)
        if finish in ("ERROR", "TIMEOUT"):
            raise ProviderError("timeout" if finish == "TIMEOUT" else "unavailable",
                                f"generation ended with {finish}")
        usage = response.usage
        # Billed units, what we pay for; `tokens` also counts Cohere's own prompt template.
        counted = (usage.billed_units or usage.tokens) if usage else None
        return Generated(data=parse_answer(text),
                         # Cohere's answer does not name the model.
                         model=request.model,
                         input_tokens=int(counted.input_tokens or 0) if counted else 0,
                         output_tokens=int(counted.output_tokens or 0) if counted else 0,
                         latency_ms=latency_ms, provider=self.name)

    async def embed(self, texts: list[str], model: str) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), MAX_EMBED_TEXTS):
            try:
                response = await self._client.embed(
                    model=model, texts=texts[start:start + MAX_EMBED_TEXTS],
                    # One input type for every text, so that any two vectors compare.
                    input_type="search_document", embedding_types=["float"])
            except (ApiError, httpx.TransportError) as error:
                raise _provider_error(error) from error
            vectors.extend(list(v) for v in response.embeddings.float_ or [])
        return vectors

    async def aclose(self) -> None:
        await self._http.aclose()


def _provider_error(error: ApiError | httpx.TransportError) -> ProviderError:
    if isinstance(error, httpx.TimeoutException):
        return ProviderError("timeout", "no answer within the timeout")
    if isinstance(error, httpx.TransportError):
        return ProviderError("unavailable", f"cannot connect: {error}")
    status = error.status_code or 500
    body = error.body
    message = body.get("message") if isinstance(body, dict) else None
    return ProviderError(kind_for_status(status), str(message or body or status),
                         retry_after_seconds(error.headers), status)
