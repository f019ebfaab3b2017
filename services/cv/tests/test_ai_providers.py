"""Each of the five providers through its official SDK against its fake (devstack.fakes) over
real HTTP, wrapped in `Resilient` as the features use it: the answer and its usage, the request
as each API documents it, retries, the repair turn, rejection, timeouts, the circuit breaker
and embeddings. Sleeps and the breaker's clock are injected, so nothing waits for real."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cv.ai.providers.base import Generation, Provider, ProviderError, repair_instruction
from cv.ai.providers.factory import build_provider
from cv.ai.providers.resilience import Resilient
from devstack.fakes.anthropic import FakeAnthropic
from devstack.fakes.cohere import FakeCohere
from devstack.fakes.gemini import FakeGemini
from devstack.fakes.llm import MALFORMED_ANSWER, LlmFake, ReceivedRequest, content_text, echo
from devstack.fakes.openai import FakeOpenAI
from devstack.servers import free_port

# cohere 7.3 reads pydantic's deprecated __fields__ while parsing every answer.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The `__fields__` attribute is deprecated:DeprecationWarning:cohere")

PROVIDERS = ["openai", "openai-compatible", "anthropic", "gemini", "cohere"]
SYSTEM = "You rewrite CV headlines. Answer in JSON only."
USER = "Dana Reyes, backend engineer: six years of Python, PostgreSQL and NATS at Acme."
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["headline", "skills", "years"],
    "properties": {
        "headline": {"type": "string", "maxLength": 120},
        "skills": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "years": {"type": "integer", "minimum": 0},
    },
}
MAX_TOKENS = 321
MODELS = {"openai": "gpt-4.1-mini", "openai-compatible": "llama3.2", "anthropic":
          "claude-sonnet-4-5", "gemini": "gemini-2.5-flash", "cohere": "command-a-03-2025"}
# Anthropic has none (test_anthropic_has_no_embeddings).
EMBED_MODELS = {"openai": "text-embedding-3-small", "openai-compatible": "nomic-embed-text",
                "gemini": "gemini-embedding-001", "cohere": "embed-v4.0"}
# What each API answers a wrong key with: Gemini says 400 API_KEY_INVALID, not 401.
REJECTED_STATUS = {"openai": 401, "openai-compatible": 401, "anthropic": 401, "gemini": 400,
                   "cohere": 401}


@dataclass(frozen=True)
class Case:
    name: str
    fake: LlmFake

    @property
    def model(self) -> str:
        return MODELS[self.name]

    def provider(self, *, api_key: str | None = None, timeout: float = 5.0) -> Provider:
        return build_provider(self.name, api_key=api_key or self.fake.api_key,
                              base_url=self.fake.base_url, timeout=timeout)


class Sleeps(list[float]):
    """An injected sleep that records the waits instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def generation(**changes: Any) -> Generation:
    fields: dict[str, Any] = {"system": SYSTEM, "user": USER, "schema_name": "cv_headline",
                              "schema": SCHEMA, "model": "any-model", "max_tokens": MAX_TOKENS,
                              "temperature": 0.3}
    fields.update(changes)
    return Generation(**fields)


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, LlmFake]]:
    started: dict[str, LlmFake] = {
        "openai": FakeOpenAI(),
        # A gateway's own prefix, as OpenRouter's /api/v1: proves the base URL's path is kept.
        "openai-compatible": FakeOpenAI(api_key="gateway-key", prefix="/api/v1"),
        "anthropic": FakeAnthropic(),
        "gemini": FakeGemini(),
        "cohere": FakeCohere(),
    }
    for fake in started.values():
        fake.start()
    yield started
    for fake in started.values():
        fake.stop()


@pytest.fixture(params=PROVIDERS)
def case(request: pytest.FixtureRequest, fakes: dict[str, LlmFake]) -> Case:
    fake = fakes[request.param]
    fake.reset()
    return Case(request.param, fake)


@pytest.fixture
async def provider(case: Case) -> AsyncIterator[Provider]:
    built = case.provider()
    yield built
    await built.aclose()


def resilient(provider: Provider, **options: Any) -> tuple[Resilient, Sleeps]:
    sleeps = Sleeps()
    options.setdefault("jitter", lambda: 1.0)
    return Resilient(provider, sleep=sleeps, **options), sleeps


# Where each API puts the parts of a request: the system prompt, the schema, the max tokens,
# the conversation turns (as ("user" | "assistant", text)) and the key.

def _chat_turns(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["role"], content_text(m["content"])) for m in body["messages"]
            if m["role"] != "system"]


def _gemini_turns(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [("assistant" if c["role"] == "model" else c["role"],
             "".join(p["text"] for p in c["parts"])) for c in body["contents"]]


TURNS: dict[str, Callable[[dict[str, Any]], list[tuple[str, str]]]] = {
    "openai": _chat_turns, "openai-compatible": _chat_turns, "anthropic": _chat_turns,
    "gemini": _gemini_turns, "cohere": _chat_turns,
}


def _openai_shape(case: Case, sent: ReceivedRequest) -> None:
    prefix = "/api/v1" if case.name == "openai-compatible" else "/v1"
    assert sent.path == f"{prefix}/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {case.fake.api_key}"
    body = sent.body
    assert body["messages"][0] == {"role": "system", "content": SYSTEM}
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "cv_headline", "strict": True, "schema": SCHEMA}}
    assert body["max_completion_tokens"] == MAX_TOKENS
    assert "max_tokens" not in body
    assert body["temperature"] == 0.3


def _anthropic_shape(case: Case, sent: ReceivedRequest) -> None:
    assert sent.path == "/v1/messages"
    # SDK 2.x: API version 2026-10-21, and the key as a bearer token.
    assert sent.headers["anthropic-version"] == "2026-10-21"
    assert sent.headers["authorization"] == "Bearer sk-ant-test"
    body = sent.body
    assert body["system"] == SYSTEM
    assert all(m["role"] != "system" for m in body["messages"])
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    assert body["max_tokens"] == MAX_TOKENS
    assert "temperature" not in body  # removed in 2026-10-21: sending it is a 400


def _gemini_shape(case: Case, sent: ReceivedRequest) -> None:
    assert sent.path == f"/v1/models/{case.model}:generateContent"
    assert sent.headers["x-goog-api-key"] == "gemini-test-key"
    body = sent.body
    assert body["systemInstruction"]["parts"] == [{"text": SYSTEM}]
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    # JSON Schema as it is, not the OpenAPI-subset responseSchema that refuses
    # additionalProperties.
    assert config["responseJsonSchema"] == SCHEMA
    assert "responseSchema" not in config
    assert config["maxOutputTokens"] == MAX_TOKENS
    assert config["temperature"] == 0.3


def _cohere_shape(case: Case, sent: ReceivedRequest) -> None:
    assert sent.path == "/v2/chat"
    assert sent.headers["authorization"] == "Bearer co-test"
    body = sent.body
    assert body["messages"][0] == {"role": "system", "content": SYSTEM}
    assert body["response_format"] == {"type": "json_object", "json_schema": SCHEMA}
    assert body["max_tokens"] == MAX_TOKENS
    assert body["temperature"] == 0.3
    assert body["stream"] is False


SHAPES: dict[str, Callable[[Case, ReceivedRequest], None]] = {
    "openai": _openai_shape, "openai-compatible": _openai_shape, "anthropic": _anthropic_shape,
    "gemini": _gemini_shape, "cohere": _cohere_shape,
}


async def test_structured_answer_fits_the_schema_and_reports_usage(case: Case,
                                                                   provider: Provider) -> None:
    case.fake.script({"delay": 0.15})
    wrapped, _ = resilient(provider)

    generated = await wrapped.generate(generation(model=case.model))

    assert generated.data == echo(SCHEMA, USER)  # the fake's answer, parsed and validated
    assert generated.provider == case.name
    assert generated.model.startswith(case.model)
    assert generated.input_tokens > 0 and generated.output_tokens > 0
    assert generated.latency_ms >= 150


async def test_request_has_the_documented_shape(case: Case, provider: Provider) -> None:
    await provider.generate(generation(model=case.model))

    [sent] = case.fake.requests
    SHAPES[case.name](case, sent)
    assert TURNS[case.name](sent.body) == [("user", USER)]


async def test_rate_limit_is_retried_after_the_wait_it_asks_for(case: Case,
                                                                provider: Provider) -> None:
    # Gemini says how long in the error body (RetryInfo), the others in Retry-After.
    case.fake.script({"status": 429, "retry_after": 1})
    wrapped, sleeps = resilient(provider)

    generated = await wrapped.generate(generation(model=case.model))

    assert generated.data == echo(SCHEMA, USER)
    assert sleeps == [1.0]
    assert len(case.fake.requests) == 2


async def test_server_errors_are_retried_with_backoff_until_an_answer(
        case: Case, provider: Provider) -> None:
    case.fake.script({"status": 500}, {"status": 500})
    wrapped, sleeps = resilient(provider, attempts=3, base_delay=0.5)

    generated = await wrapped.generate(generation(model=case.model))

    assert generated.data == echo(SCHEMA, USER)
    assert sleeps == [0.5, 1.0]
    assert len(case.fake.requests) == 3


async def test_server_errors_beyond_the_attempts_fail_unavailable(case: Case,
                                                                  provider: Provider) -> None:
    case.fake.script(*[{"status": 503}] * 3)
    wrapped, sleeps = resilient(provider, attempts=3)

    with pytest.raises(ProviderError) as failed:
        await wrapped.generate(generation(model=case.model))

    assert (failed.value.kind, failed.value.status) == ("unavailable", 503)
    assert len(sleeps) == 2 and len(case.fake.requests) == 3


async def test_malformed_answer_is_sent_back_once_for_repair(case: Case,
                                                             provider: Provider) -> None:
    case.fake.script({"malformed": True})
    wrapped, sleeps = resilient(provider)

    generated = await wrapped.generate(generation(model=case.model))

    assert generated.data == echo(SCHEMA, USER)
    first, second = case.fake.requests
    assert TURNS[case.name](first.body) == [("user", USER)]
    (data_role, data), (previous_role, previous), (fix_role, fix) = TURNS[case.name](second.body)
    assert (data_role, data) == ("user", USER)
    assert (previous_role, previous) == ("assistant", MALFORMED_ANSWER)
    assert fix_role == "user"
    assert fix.startswith(repair_instruction("the answer is not JSON").split(":")[0])
    assert "the answer is not JSON" in fix
    assert sleeps == []  # a repair is asked for at once


async def test_a_second_malformed_answer_fails_invalid_answer(case: Case,
                                                              provider: Provider) -> None:
    case.fake.script({"malformed": True}, {"malformed": True})
    wrapped, _ = resilient(provider)

    with pytest.raises(ProviderError) as failed:
        await wrapped.generate(generation(model=case.model))

    assert failed.value.kind == "invalid_answer"
    assert len(case.fake.requests) == 2


async def test_answer_outside_the_schema_is_repaired_with_the_validation_error(
        case: Case, provider: Provider) -> None:
    case.fake.script({"answer": {"headline": "Backend engineer", "skills": [], "years": 6}})
    wrapped, _ = resilient(provider)

    generated = await wrapped.generate(generation(model=case.model))

    assert generated.data == echo(SCHEMA, USER)
    _, second = case.fake.requests
    _, (_, previous), (_, fix) = TURNS[case.name](second.body)
    assert previous == '{"headline": "Backend engineer", "skills": [], "years": 6}'
    assert "does not fit the schema" in fix and "skills" in fix


async def test_refusal_is_an_invalid_answer(case: Case, provider: Provider) -> None:
    case.fake.script({"refusal": "I can't help with that."})

    with pytest.raises(ProviderError) as failed:
        await provider.generate(generation(model=case.model))

    assert failed.value.kind == "invalid_answer"


async def test_answer_cut_off_at_max_tokens_is_an_invalid_answer(case: Case,
                                                                 provider: Provider) -> None:
    case.fake.script({"truncated": True})

    with pytest.raises(ProviderError) as failed:
        await provider.generate(generation(model=case.model))

    # Cohere's fake, like Cohere, says MAX_TOKENS; every adapter reads its API's own reason.
    assert failed.value.kind == "invalid_answer"
    assert "max tokens" in failed.value.message


async def test_bad_key_is_rejected_without_retry(case: Case) -> None:
    provider = case.provider(api_key="wrong-key")
    wrapped, sleeps = resilient(provider)
    try:
        with pytest.raises(ProviderError) as failed:
            await wrapped.generate(generation(model=case.model))
    finally:
        await provider.aclose()

    assert (failed.value.kind, failed.value.status) == ("rejected", REJECTED_STATUS[case.name])
    assert sleeps == [] and len(case.fake.requests) == 1


async def test_slow_answer_times_out(case: Case) -> None:
    provider = case.provider(timeout=0.3)
    case.fake.script({"delay": 5})
    started = time.monotonic()
    try:
        with pytest.raises(ProviderError) as failed:
            await provider.generate(generation(model=case.model))
    finally:
        await provider.aclose()

    assert failed.value.kind == "timeout"
    assert time.monotonic() - started < 3


async def test_unreachable_provider_is_unavailable(case: Case) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    provider = build_provider(case.name, api_key="any", base_url=nobody, timeout=2)
    try:
        with pytest.raises(ProviderError) as failed:
            await provider.generate(generation(model=case.model))
    finally:
        await provider.aclose()

    assert failed.value.kind == "unavailable"


async def test_breaker_opens_fails_fast_then_lets_one_call_through(
        case: Case, provider: Provider) -> None:
    clock = Clock()
    wrapped, _ = resilient(provider, attempts=1, breaker_failures=3, breaker_reset_seconds=30,
                           clock=clock)
    case.fake.script(*[{"status": 503}] * 3)
    for _ in range(3):
        with pytest.raises(ProviderError):
            await wrapped.generate(generation(model=case.model))
    assert wrapped.breaker.state == "open"

    with pytest.raises(ProviderError) as fast:
        await wrapped.generate(generation(model=case.model))
    assert fast.value.kind == "unavailable" and "circuit open" in fast.value.message
    assert len(case.fake.requests) == 3  # the open breaker did not call the provider

    clock.now += 30
    assert wrapped.breaker.state == "half-open"
    generated = await wrapped.generate(generation(model=case.model))
    assert generated.data == echo(SCHEMA, USER)
    assert wrapped.breaker.state == "closed"


async def test_failed_probe_opens_the_breaker_again(case: Case, provider: Provider) -> None:
    clock = Clock()
    wrapped, _ = resilient(provider, attempts=1, breaker_failures=2, breaker_reset_seconds=10,
                           clock=clock)
    case.fake.script(*[{"status": 500}] * 3)
    for _ in range(2):
        with pytest.raises(ProviderError):
            await wrapped.generate(generation(model=case.model))
    clock.now += 10

    with pytest.raises(ProviderError) as probe:
        await wrapped.generate(generation(model=case.model))

    assert probe.value.status == 500  # the probe reached the provider, and failed
    assert wrapped.breaker.state == "open"
    assert len(case.fake.requests) == 3


async def test_rejections_and_bad_answers_do_not_open_the_breaker(case: Case,
                                                                  provider: Provider) -> None:
    wrapped, _ = resilient(provider, attempts=1, breaker_failures=2)
    case.fake.script({"status": 400}, {"status": 429}, {"malformed": True}, {"malformed": True})
    for _ in range(3):
        with pytest.raises(ProviderError):
            await wrapped.generate(generation(model=case.model))

    assert wrapped.breaker.state == "closed"


@pytest.mark.parametrize("case", list(EMBED_MODELS), indirect=True)
async def test_embeddings_put_similar_texts_closer(case: Case, provider: Provider) -> None:
    wrapped, _ = resilient(provider)
    texts = ["Senior Python developer, PostgreSQL", "Python developer with PostgreSQL",
             "Pastry chef and baker"]

    vectors = await wrapped.embed(texts, EMBED_MODELS[case.name])

    assert len(vectors) == 3 and len({len(v) for v in vectors}) == 1
    assert _cosine(vectors[0], vectors[1]) > _cosine(vectors[0], vectors[2])
    [sent] = case.fake.requests
    assert sent.path.endswith(("/embeddings", ":batchEmbedContents", "/v2/embed"))


@pytest.mark.parametrize("case", list(EMBED_MODELS), indirect=True)
async def test_embeddings_are_retried_like_answers(case: Case, provider: Provider) -> None:
    case.fake.script({"status": 503})
    wrapped, sleeps = resilient(provider, base_delay=0.25)

    vectors = await wrapped.embed(["Python"], EMBED_MODELS[case.name])

    assert len(vectors) == 1 and sleeps == [0.25]


async def test_anthropic_has_no_embeddings(fakes: dict[str, LlmFake]) -> None:
    fake = fakes["anthropic"]
    fake.reset()
    provider = build_provider("anthropic", api_key="sk-ant-test", base_url=fake.url, timeout=5)
    try:
        with pytest.raises(ProviderError) as failed:
            await Resilient(provider).embed(["Python"], "any")
    finally:
        await provider.aclose()

    assert failed.value.kind == "rejected" and "no embeddings" in failed.value.message
    assert fake.requests == []


async def test_anthropic_overloaded_529_is_retried(fakes: dict[str, LlmFake]) -> None:
    fake = fakes["anthropic"]
    fake.reset()
    fake.script({"status": 529, "retry_after": 2})
    provider = build_provider("anthropic", api_key="sk-ant-test", base_url=fake.url, timeout=5)
    wrapped, sleeps = resilient(provider)
    try:
        generated = await wrapped.generate(generation(model=MODELS["anthropic"]))
    finally:
        await provider.aclose()

    assert generated.data == echo(SCHEMA, USER)
    assert sleeps == [2.0] and len(fake.requests) == 2


async def test_retry_after_beyond_the_cap_waits_the_cap(fakes: dict[str, LlmFake]) -> None:
    fake = fakes["openai"]
    fake.reset()
    fake.script({"status": 429, "retry_after": 120})
    provider = build_provider("openai", api_key="sk-test", base_url=fake.base_url, timeout=5)
    wrapped, sleeps = resilient(provider, max_delay=8)
    try:
        await wrapped.generate(generation(model=MODELS["openai"]))
    finally:
        await provider.aclose()

    assert sleeps == [8]


async def test_half_open_breaker_lets_only_one_probe_through(
        fakes: dict[str, LlmFake]) -> None:
    fake = fakes["openai"]
    fake.reset()
    clock = Clock()
    provider = build_provider("openai", api_key="sk-test", base_url=fake.base_url, timeout=5)
    wrapped, _ = resilient(provider, attempts=1, breaker_failures=1, breaker_reset_seconds=5,
                           clock=clock)
    fake.script({"status": 500}, {"delay": 0.2})
    try:
        with pytest.raises(ProviderError):
            await wrapped.generate(generation(model=MODELS["openai"]))
        clock.now += 5

        probe, other = await asyncio.gather(
            wrapped.generate(generation(model=MODELS["openai"])),
            wrapped.generate(generation(model=MODELS["openai"])), return_exceptions=True)
    finally:
        await provider.aclose()

    assert probe.data == echo(SCHEMA, USER)  # type: ignore[union-attr]
    assert isinstance(other, ProviderError) and "circuit open" in other.message
    assert len(fake.requests) == 2 and wrapped.breaker.state == "closed"


@pytest.mark.parametrize("name, options, problem", [
    ("openai-compatible", {"api_key": None, "base_url": None}, "needs a base URL"),
    ("openai", {"api_key": None, "base_url": None}, "needs an API key"),
    ("gemini", {"api_key": "", "base_url": None}, "needs an API key"),
])
def test_factory_refuses_an_incomplete_configuration(name: str, options: dict[str, Any],
                                                     problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        build_provider(name, timeout=5, **options)


async def test_openai_compatible_server_without_a_key_gets_a_placeholder(
        fakes: dict[str, LlmFake]) -> None:
    fake = fakes["openai-compatible"]
    fake.reset()
    # A local Ollama wants no key; the OpenAI SDK will not start without one.
    provider = build_provider("openai-compatible", api_key=None, base_url=fake.base_url,
                              timeout=5)
    try:
        with pytest.raises(ProviderError):
            await provider.generate(generation(model=MODELS["openai-compatible"]))
    finally:
        await provider.aclose()

    assert fake.requests[0].headers["authorization"] == "Bearer none"


@pytest.mark.parametrize("schema, problem", [
    ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
     "additionalProperties: false"),
    ({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
      "required": ["a"], "additionalProperties": False}, "missing ['b']"),
    ({"type": "object", "properties": {"at": {"type": "string", "format": "date"}},
      "required": ["at"], "additionalProperties": False}, "no 'format'"),
    ({"type": "object", "additionalProperties": False, "required": ["items"], "properties": {
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "a": {"type": "string"}}, "required": ["a"]}}}}, "$.properties.items.items"),
])
def test_generation_refuses_a_schema_outside_the_strict_subset(schema: dict[str, Any],
                                                               problem: str) -> None:
    with pytest.raises(ValueError, match="strict subset") as refused:
        generation(schema=schema)

    assert problem in str(refused.value)


def test_unknown_provider_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="openai-compatible"):
        build_provider("mistral", api_key="k", base_url=None, timeout=5)


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))
