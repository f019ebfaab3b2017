"""The LLM fakes themselves (devstack.fakes), driven with the official SDKs and plain HTTP: the
checks they make as the real APIs do, the traps they reproduce, and the HTTP control endpoints
that tests of a whole stack use from another process."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import anthropic
import cohere
import httpx
import openai
import pytest
from cohere.core.api_error import ApiError
from google import genai
from google.genai import errors, types
from jsonschema import Draft202012Validator

from cv.ai.providers.base import ProviderError
from cv.ai.providers.factory import build_provider
from devstack.fakes.anthropic import FakeAnthropic
from devstack.fakes.cohere import FakeCohere
from devstack.fakes.gemini import FakeGemini
from devstack.fakes.llm import echo, embedding
from devstack.fakes.openai import FakeOpenAI

pytestmark = pytest.mark.filterwarnings(
    "ignore:The `__fields__` attribute is deprecated:DeprecationWarning:cohere")

LOOSE = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
STRICT = {**LOOSE, "additionalProperties": False}
MESSAGES: list[Any] = [{"role": "user", "content": "Dana Reyes, Python"}]


@pytest.fixture(scope="module")
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def anthropic_fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture(scope="module")
def gemini_fake() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


@pytest.fixture(scope="module")
def cohere_fake() -> Iterator[FakeCohere]:
    with FakeCohere() as fake:
        yield fake


async def test_openai_strict_schema_needs_additional_properties_false(
        openai_fake: FakeOpenAI) -> None:
    async with openai.AsyncOpenAI(api_key="sk-test", base_url=openai_fake.base_url,
                                  max_retries=0) as client:
        with pytest.raises(openai.BadRequestError) as refused:
            await client.chat.completions.create(
                model="gpt-4.1-mini", messages=MESSAGES, response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "loose", "strict": True, "schema": LOOSE}})
        answered = await client.chat.completions.create(
            model="gpt-4.1-mini", messages=MESSAGES, response_format={
                "type": "json_schema",
                "json_schema": {"name": "strict", "strict": True, "schema": STRICT}})

    assert (refused.value.code, refused.value.param) == ("invalid_json_schema",
                                                         "response_format")
    assert "'additionalProperties' is required to be supplied and to be false" in (
        refused.value.message)
    assert answered.choices[0].message.content == '{"a": "Dana Reyes Python Dana"}'


async def test_openai_reasoning_model_refuses_max_tokens(openai_fake: FakeOpenAI) -> None:
    async with openai.AsyncOpenAI(api_key="sk-test", base_url=openai_fake.base_url,
                                  max_retries=0) as client:
        with pytest.raises(openai.BadRequestError) as refused:
            await client.chat.completions.create(model="o4-mini", messages=MESSAGES,
                                                 max_tokens=100)

    assert (refused.value.code, refused.value.param) == ("unsupported_parameter", "max_tokens")


async def test_openai_answers_carry_request_id_and_rate_limit_headers(
        openai_fake: FakeOpenAI) -> None:
    async with openai.AsyncOpenAI(api_key="sk-test", base_url=openai_fake.base_url,
                                  max_retries=0) as client:
        raw = await client.chat.completions.with_raw_response.create(model="gpt-4.1-mini",
                                                                     messages=MESSAGES)

    assert raw.headers["x-request-id"].startswith("req_")
    assert raw.headers["x-ratelimit-remaining-requests"] == "499"
    assert raw.headers["x-ratelimit-reset-tokens"] == "300ms"


async def test_openai_embeddings_in_base64_are_the_float_vectors(
        openai_fake: FakeOpenAI) -> None:
    async with openai.AsyncOpenAI(api_key="sk-test", base_url=openai_fake.base_url,
                                  max_retries=0) as client:
        # The SDK asks for base64 unless told, and decodes it.
        encoded = await client.embeddings.create(model="text-embedding-3-small", input="Python")
        floats = await client.embeddings.create(model="text-embedding-3-small", input="Python",
                                                encoding_format="float", dimensions=64)

    assert openai_fake.requests[-2].body["encoding_format"] == "base64"
    assert encoded.data[0].embedding == pytest.approx(embedding("Python"), abs=1e-6)
    assert len(floats.data[0].embedding) == 64


async def test_anthropic_requires_its_version_header_and_max_tokens(
        anthropic_fake: FakeAnthropic) -> None:
    url = anthropic_fake.url + "/v1/messages"
    body = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": MESSAGES}
    async with httpx.AsyncClient() as client:
        no_version = await client.post(url, json=body, headers={"x-api-key": "sk-ant-test"})
        no_max_tokens = await client.post(
            url, json={k: v for k, v in body.items() if k != "max_tokens"},
            headers={"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"})
        system_role = await client.post(
            url, json={**body, "messages": [{"role": "system", "content": "x"}, *MESSAGES]},
            headers={"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"})
        answered = await client.post(
            url, json=body, headers={"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"})

    assert no_version.status_code == 400
    assert no_version.json()["error"] == {"type": "invalid_request_error",
                                          "message": "anthropic-version: header is required"}
    assert no_version.json()["request_id"] == no_version.headers["request-id"]
    assert no_max_tokens.json()["error"]["message"] == "max_tokens: Field required"
    assert 'Unexpected role "system"' in system_role.json()["error"]["message"]
    assert answered.status_code == 200
    assert answered.headers["anthropic-ratelimit-requests-remaining"] == "49"


async def test_anthropic_api_2026_10_21_refuses_temperature(
        anthropic_fake: FakeAnthropic) -> None:
    async with anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=anthropic_fake.url,
                                        max_retries=0) as client:
        with pytest.raises(anthropic.BadRequestError) as refused:
            await client.messages.create(model="claude-sonnet-4-5", max_tokens=100,
                                         messages=MESSAGES, extra_body={"temperature": 0.2})
        # The API version before it still takes one.
        older = await client.messages.create(
            model="claude-sonnet-4-5", max_tokens=100, messages=MESSAGES,
            extra_body={"temperature": 0.2}, extra_headers={"anthropic-version": "2023-06-01"})

    assert refused.value.api_message == "temperature: Extra inputs are not permitted"
    assert older.stop_reason == "end_turn"


async def test_anthropic_overloaded_is_529_overloaded_error(
        anthropic_fake: FakeAnthropic) -> None:
    anthropic_fake.script({"status": 529})
    async with anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=anthropic_fake.url,
                                        max_retries=0) as client:
        with pytest.raises(anthropic.OverloadedError) as overloaded:
            await client.messages.create(model="claude-sonnet-4-5", max_tokens=100,
                                         messages=MESSAGES)

    assert overloaded.value.type == "overloaded_error"
    assert overloaded.value.request_id is not None


async def test_gemini_response_schema_refuses_additional_properties(
        gemini_fake: FakeGemini) -> None:
    client = genai.Client(vertexai=False, api_key="gemini-test-key", http_options=types.HttpOptions(
        base_url=gemini_fake.url, retry_options=types.HttpRetryOptions(attempts=1)))
    try:
        with pytest.raises(errors.ClientError) as refused:
            await client.aio.models.generate_content(
                model="gemini-2.5-flash", contents="Dana Reyes",
                config=types.GenerateContentConfig(response_mime_type="application/json",
                                                   response_schema=STRICT))
        answered = await client.aio.models.generate_content(
            model="gemini-2.5-flash", contents="Dana Reyes",
            config=types.GenerateContentConfig(response_mime_type="application/json",
                                               response_json_schema=STRICT))
    finally:
        await client.aio.aclose()

    assert refused.value.code == 400 and "Unknown name" in str(refused.value.message)
    assert answered.text == '{"a": "Dana Reyes Dana Reyes"}'


async def test_gemini_says_how_long_to_wait_in_the_body_not_a_header(
        gemini_fake: FakeGemini) -> None:
    gemini_fake.script({"status": 429, "retry_after": 7})
    async with httpx.AsyncClient() as client:
        response = await client.post(
            gemini_fake.url + "/v1beta/models/gemini-2.5-flash:generateContent",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
            headers={"x-goog-api-key": "gemini-test-key"})

    assert response.status_code == 429 and "retry-after" not in response.headers
    error = response.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"} in (
        error["details"])


async def test_gemini_refusal_has_no_content(gemini_fake: FakeGemini) -> None:
    gemini_fake.script({"refusal": "no"})
    async with httpx.AsyncClient() as client:
        response = await client.post(
            gemini_fake.url + "/v1/models/gemini-2.5-flash:generateContent",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
            params={"key": "gemini-test-key"})

    [candidate] = response.json()["candidates"]
    assert candidate["finishReason"] == "SAFETY" and "content" not in candidate


async def test_cohere_embeds_at_most_96_texts_a_call(cohere_fake: FakeCohere) -> None:
    async with cohere.AsyncClientV2(api_key="co-test", base_url=cohere_fake.url,
                                    max_retries=0) as client:
        with pytest.raises(ApiError) as refused:
            await client.embed(model="embed-v4.0", texts=["x"] * 97,
                               input_type="search_document", embedding_types=["float"])

    assert refused.value.status_code == 400
    assert "at most 96" in refused.value.body["message"]


async def test_cohere_provider_splits_long_lists_into_calls_of_96(
        cohere_fake: FakeCohere) -> None:
    cohere_fake.reset()
    provider = build_provider("cohere", api_key="co-test", base_url=cohere_fake.url, timeout=5)
    try:
        vectors = await provider.embed([f"skill {n}" for n in range(100)], "embed-v4.0")
    finally:
        await provider.aclose()

    assert len(vectors) == 100
    assert [len(r.body["texts"]) for r in cohere_fake.requests] == [96, 4]


async def test_control_endpoint_scripts_and_lists_requests_over_http(
        openai_fake: FakeOpenAI) -> None:
    provider = build_provider("openai", api_key="sk-test", base_url=openai_fake.base_url,
                              timeout=5)
    async with httpx.AsyncClient(base_url=openai_fake.url) as control:
        assert (await control.delete("/__fake/requests")).status_code == 204
        scripted = await control.post("/__fake/script", json={"steps": [{"status": 503}]})
        try:
            with pytest.raises(ProviderError) as failed:
                await provider.embed(["Python"], "text-embedding-3-small")
        finally:
            await provider.aclose()
        listed = (await control.get("/__fake/requests")).json()["requests"]
        typo = await control.post("/__fake/script", json={"steps": [{"stauts": 500}]})

    assert scripted.status_code == 204
    assert failed.value.kind == "unavailable"
    assert [(r["method"], r["path"]) for r in listed] == [("POST", "/v1/embeddings")]
    assert listed[0]["body"]["input"] == ["Python"]
    assert typo.status_code == 400 and "stauts" in typo.json()["error"]


def test_script_refuses_unknown_steps(openai_fake: FakeOpenAI) -> None:
    with pytest.raises(ValueError, match="unknown step keys"):
        openai_fake.script({"answer": {}, "dealy": 3})


def test_echo_fills_refs_enums_bounds_and_nesting() -> None:
    schema = {
        "type": "object", "additionalProperties": False,
        "required": ["level", "entries", "score", "note"],
        "$defs": {"entry": {"type": "object", "additionalProperties": False,
                            "required": ["title", "remote"],
                            "properties": {"title": {"type": "string", "maxLength": 10},
                                           "remote": {"type": "boolean"}}}},
        "properties": {
            "level": {"type": "string", "enum": ["junior", "senior"]},
            "entries": {"type": "array", "items": {"$ref": "#/$defs/entry"}, "minItems": 3},
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        },
    }

    filled = echo(schema, "Led a team of five engineers building payment systems")

    Draft202012Validator(schema).validate(filled)
    assert filled["level"] == "junior" and len(filled["entries"]) == 3
    assert isinstance(filled["note"], str)
    assert echo(schema, "Led a team of five engineers building payment systems") == filled


def test_embeddings_are_unit_vectors_closer_for_shared_words() -> None:
    python, python_too, baking = (embedding(t) for t in (
        "Python backend engineer", "backend engineer, Python and Go", "pastry baking"))

    assert math.isclose(sum(v * v for v in python), 1.0)
    assert _dot(python, python_too) > _dot(python, baking)


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
