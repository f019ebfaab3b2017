"""What makes any provider dependable, the same for all of them: retries with backoff for the
errors that pass (rate_limited, unavailable, timeout), honouring the wait the provider asks
for; the answer checked against the schema (JSON Schema draft 2020-12) and, when it is
invalid, asked for once more with a repair turn; and a circuit breaker that stops calling a
provider that keeps failing, so that callers fail fast instead of each waiting out timeouts.

The composition root builds one `Resilient` per provider and shares it: the breaker's state
lives in the instance.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Literal, TypeVar

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from cv.ai.providers.base import RETRYABLE, Generated, Generation, Provider, ProviderError

T = TypeVar("T")
# The failures that say the provider itself is down; a 429 or a bad answer shows it is up.
BREAKER_KINDS = frozenset({"unavailable", "timeout"})
_MESSAGE_LIMIT = 300


class CircuitOpen(ProviderError):
    """Failing fast: the provider failed too often lately to be called now."""

    def __init__(self, provider: str) -> None:
        super().__init__("unavailable", f"circuit open: {provider} failed too often lately")


class CircuitBreaker:
    """Closed; open after `failures` consecutive failures (unavailable, timeout), when calls
    fail fast; half-open `reset_seconds` after opening, when one call goes through: its success
    closes the breaker, its failure opens it again."""

    def __init__(self, provider: str, failures: int, reset_seconds: float,
                 clock: Callable[[], float]) -> None:
        self.provider = provider
        self.failures = failures
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._consecutive = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> Literal["closed", "open", "half-open"]:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_seconds:
            return "half-open"
        return "open"

    def admit(self) -> None:
        """Let a call through, or raise CircuitOpen."""
        state = self.state
        if state == "open" or (state == "half-open" and self._probing):
            raise CircuitOpen(self.provider)
        if state == "half-open":
            self._probing = True

    def record(self, *, failed: bool) -> None:
        """The outcome of an admitted call."""
        self._probing = False
        if not failed:
            self._consecutive = 0
            self._opened_at = None
            return
        self._consecutive += 1
        if self._opened_at is not None or self._consecutive >= self.failures:
            self._opened_at = self._clock()

    def abandon(self) -> None:
        """An admitted call that ended without an outcome (cancelled): the next may probe."""
        self._probing = False


class Resilient:
    """A Provider that retries, repairs, validates and breaks the circuit around another."""

    def __init__(self, provider: Provider, *, attempts: int = 3, base_delay: float = 0.5,
                 max_delay: float = 8.0, breaker_failures: int = 5,
                 breaker_reset_seconds: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        self.provider = provider
        self.name = provider.name
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.breaker = CircuitBreaker(provider.name, breaker_failures, breaker_reset_seconds,
                                      clock)
        self._sleep = sleep
        self._jitter = jitter

    async def generate(self, request: Generation) -> Generated:
        """An answer valid against the request's schema; one repair turn if the first is not."""
        try:
            return await self._valid_answer(request)
        except ProviderError as error:
            if error.kind != "invalid_answer":
                raise
            repair = (error.answer or "", error.message)
        return await self._valid_answer(replace(request, repair=repair))

    async def embed(self, texts: list[str], model: str) -> list[list[float]]:
        return await self._with_retries(lambda: self.provider.embed(texts, model))

    async def aclose(self) -> None:
        await self.provider.aclose()

    async def _valid_answer(self, request: Generation) -> Generated:
        generated = await self._with_retries(lambda: self.provider.generate(request))
        problem = schema_problem(request.schema, generated.data)
        if problem is not None:
            raise ProviderError("invalid_answer", f"the answer does not fit the schema: {problem}",
                                answer=json.dumps(generated.data, ensure_ascii=False))
        return generated

    async def _with_retries(self, call: Callable[[], Awaitable[T]]) -> T:
        failures = 0
        while True:
            try:
                return await self._through_breaker(call)
            except CircuitOpen:
                raise
            except ProviderError as error:
                failures += 1
                if error.kind not in RETRYABLE or failures >= self.attempts:
                    raise
                await self._sleep(self._delay(failures, error.retry_after))

    async def _through_breaker(self, call: Callable[[], Awaitable[T]]) -> T:
        self.breaker.admit()
        try:
            result = await call()
        except ProviderError as error:
            self.breaker.record(failed=error.kind in BREAKER_KINDS)
            raise
        except BaseException:
            self.breaker.abandon()
            raise
        self.breaker.record(failed=False)
        return result

    def _delay(self, failures: int, retry_after: float | None) -> float:
        if retry_after is not None:
            # The provider knows when it will take us again; capped, so a caller never waits
            # minutes inside one request.
            return min(retry_after, self.max_delay)
        backoff = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        # Half fixed, half random: callers that failed together do not retry together.
        return backoff * (0.5 + self._jitter() / 2)


def schema_problem(schema: dict[str, Any], data: Any) -> str | None:
    """Where and how `data` breaks `schema` (the most relevant error), or None if it fits."""
    error = best_match(Draft202012Validator(schema).iter_errors(data))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"[:_MESSAGE_LIMIT]
