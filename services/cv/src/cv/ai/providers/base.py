"""The interface between the AI features and the LLM providers, and what every adapter shares.

A feature describes one structured answer (`Generation`: instructions, the data, a JSON Schema
in the strict subset every provider accepts) and gets back the parsed answer with its usage
(`Generated`), or a `ProviderError` whose kind says what to do about it: retry later
(rate_limited, unavailable, timeout), ask again with a repair turn (invalid_answer), or give up
(rejected: a bad key or a bad request, which no retry fixes).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol

ErrorKind = Literal["rate_limited", "unavailable", "timeout", "invalid_answer", "rejected"]
RETRYABLE: frozenset[str] = frozenset({"rate_limited", "unavailable", "timeout"})
# OpenAI's rule for a schema name, the strictest of the five.
_SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Generation:
    """One structured answer to ask for. `system` holds the instructions and `user` the data,
    kept apart so that text in a CV cannot pass for instructions. `repair` is a previous
    invalid answer and what was wrong with it: the adapter sends it back as an assistant turn,
    followed by a user turn asking for a corrected answer."""

    system: str
    user: str
    schema_name: str
    schema: dict[str, Any]
    model: str
    max_tokens: int
    temperature: float
    repair: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if not _SCHEMA_NAME.match(self.schema_name):
            raise ValueError(f"schema name {self.schema_name!r} must match {_SCHEMA_NAME.pattern}")
        problem = strict_schema_problem(self.schema)
        if problem is not None:
            # Caught here rather than as a 400 from whichever provider is strictest.
            raise ValueError(f"schema {self.schema_name!r} is outside the strict subset every "
                             f"provider accepts: {problem}")

    def turns(self) -> list[tuple[Literal["user", "assistant"], str]]:
        """The conversation after the system prompt: the data, and the repair turns if any."""
        turns: list[tuple[Literal["user", "assistant"], str]] = [("user", self.user)]
        if self.repair is not None:
            previous, error = self.repair
            turns.append(("assistant", previous))
            turns.append(("user", repair_instruction(error)))
        return turns


@dataclass(frozen=True)
class Generated:
    """A structured answer: `data` parsed from the model's JSON (and, through `Resilient`,
    valid against the schema), the model as the provider reported it, tokens as billed."""

    data: dict[str, Any]
    model: str
    input_tokens: int
    output_tokens: int
    latency_ms: int
    provider: str


class ProviderError(Exception):
    """A provider call that gave no usable answer. `retry_after` is the wait the provider
    asked for (seconds), `status` the HTTP status if there was one, `answer` the text of an
    invalid answer (what a repair turn sends back)."""

    def __init__(self, kind: ErrorKind, message: str, retry_after: float | None = None,
                 status: int | None = None, *, answer: str | None = None) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.retry_after = retry_after
        self.status = status
        self.answer = answer


class Provider(Protocol):
    """An LLM provider. `generate` returns the answer parsed but not yet checked against the
    schema (`Resilient` does that, once for all providers)."""

    name: str

    async def generate(self, request: Generation) -> Generated: ...

    async def embed(self, texts: list[str], model: str) -> list[list[float]]:
        """One vector per text, all of one dimension; ProviderError("rejected") where the
        provider has no embeddings."""
        ...

    async def aclose(self) -> None: ...


def strict_schema_problem(schema: Any, where: str = "$") -> str | None:
    """What keeps `schema` out of the strict subset (None if nothing): every object lists all
    its properties in `required` and says `additionalProperties: false`, and no `format`
    (providers disagree on which formats they know)."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            if problem := strict_schema_problem(item, f"{where}[{index}]"):
                return problem
        return None
    if not isinstance(schema, dict):
        return None
    if "format" in schema and isinstance(schema["format"], str):
        return f"{where}: no 'format' (not every provider accepts it)"
    kind = schema.get("type")
    if kind == "object" or (isinstance(kind, list) and "object" in kind):
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return f"{where}: an object needs its properties listed"
        if schema.get("additionalProperties") is not False:
            return f"{where}: an object needs additionalProperties: false"
        missing = sorted(set(properties) - set(schema.get("required") or ()))
        if missing:
            return f"{where}: every property must be required, missing {missing}"
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            for name, sub in value.items():
                if problem := strict_schema_problem(sub, f"{where}.{key}.{name}"):
                    return problem
        elif key not in ("enum", "const", "required", "default", "examples"):
            if problem := strict_schema_problem(value, f"{where}.{key}"):
                return problem
    return None


def repair_instruction(error: str) -> str:
    """The user turn that follows an invalid answer sent back to the model."""
    return (f"Your previous answer could not be used: {error}. Answer again with only a JSON "
            "object that fits the required schema.")


def parse_answer(text: str | None) -> dict[str, Any]:
    """The JSON object the model answered; ProviderError("invalid_answer") if it is not one."""
    if not text or not text.strip():
        raise ProviderError("invalid_answer", "the answer is empty", answer=text or "")
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ProviderError("invalid_answer", f"the answer is not JSON ({error})",
                            answer=text) from error
    if not isinstance(data, dict):
        raise ProviderError("invalid_answer", "the answer is not a JSON object", answer=text)
    return data


def kind_for_status(status: int) -> ErrorKind:
    """The error kind of an HTTP status: 429 waits, 408 and 5xx (Anthropic's 529 overloaded
    and Cohere's 499 cancelled included) are worth retrying, other 4xx are not."""
    if status == 429:
        return "rate_limited"
    if status == 408:
        return "timeout"
    if status >= 500 or status == 499:
        return "unavailable"
    return "rejected"


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The wait a response asks for: `retry-after-ms` (OpenAI), `retry-after` in seconds or as
    an HTTP date."""
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    if (millis := lowered.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def milliseconds_since(started: float) -> int:
    """Milliseconds since `started`, a `time.perf_counter()` reading."""
    return round((time.perf_counter() - started) * 1000)
