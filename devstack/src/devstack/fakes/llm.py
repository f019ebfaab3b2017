"""What every LLM fake shares (never on the production path): the script of behaviours for the
next calls, the record of requests received, the HTTP control endpoints, the deterministic
"echo" model that fills a JSON Schema from the request's text, and the hashed bag-of-words
embeddings. The provider modules (`openai`, `anthropic`, `gemini`, `cohere`) speak each API's
wire format on top of it.

A step is a dict, used by the next request that passes authentication and validation:
    {"answer": {...}}                 exactly this JSON as the answer
    {"malformed": True}               an answer that is not JSON
    {"truncated": True}               the answer cut off, as when max tokens runs out
    {"refusal": "I can't help"}       the model refuses (each API's own way of saying so)
    {"status": 500}                   that HTTP error in the provider's own error body
                                      ("message": ... replaces the body's text)
    {"status": 429, "retry_after": 1} 429 with the wait, announced the provider's way
    {"delay": 5}                      wait this many seconds first (to trip a client timeout)
Steps combine: {"delay": 0.2, "answer": {...}}. With no step queued the echo model answers.

Over HTTP (tests against a stack in other processes): `POST /__fake/script` with
{"steps": [...]}, `GET /__fake/requests`, `DELETE /__fake/requests` (forget requests and steps).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.fakes.serving import ServedFake, ThreadedApp

Step = dict[str, Any]
STEP_KEYS = frozenset({"answer", "malformed", "truncated", "refusal", "status", "retry_after",
                       "delay", "message"})
EMBEDDING_DIMENSIONS = 256
# An answer a model might give when it ignores the format: prose, then JSON cut short.
# nginx's "client closed request": what a handler answers, to nobody, once the client has gone.
CLIENT_GONE = 499
MALFORMED_ANSWER = 'Sure! Here is the JSON you asked for: {"summary": "Experienced'
_WORD = re.compile(r"\w[\w'-]*")


@dataclass(frozen=True)
class ReceivedRequest:
    """A request as the fake received it: the JSON body parsed (None if it was not JSON)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float

    def as_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "query": self.query,
                "headers": self.headers, "body": self.body, "at": self.at}


@dataclass(frozen=True)
class Answer:
    """What the model "said": its text and how it ended ("complete", "truncated", "refused";
    a refusal's text is the refusal)."""

    text: str
    ending: str


class LlmFake(ServedFake):
    """The scripting, recording and control endpoints of an LLM fake. A provider's fake passes
    its routes, implements `_scripted_error`, and in each handler records the request
    (`_receive`), checks it, then takes the next step (`_step`) and answers (`answer`)."""

    def __init__(self, name: str, api_key: str, routes: list[Route]) -> None:
        self.api_key = api_key
        self._lock = threading.Lock()
        self._steps: list[Step] = []
        self._requests: list[ReceivedRequest] = []
        self._http = ThreadedApp(Starlette(routes=[
            *routes,
            Route("/__fake/script", self._post_script, methods=["POST"]),
            Route("/__fake/requests", self._get_requests, methods=["GET"]),
            Route("/__fake/requests", self._delete_requests, methods=["DELETE"]),
        ]), f"fake-{name}")

    @property
    def base_url(self) -> str:
        """What to give the provider's SDK as its base URL."""
        return self.url

    def script(self, *steps: Step) -> None:
        """Queue behaviours for the next requests, one step each (see the module docstring)."""
        for step in steps:
            unknown = set(step) - STEP_KEYS
            if unknown:
                raise ValueError(f"unknown step keys {sorted(unknown)}; known: {sorted(STEP_KEYS)}")
        with self._lock:
            self._steps.extend(dict(step) for step in steps)

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every provider request received so far (control requests excluded), oldest first."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget the requests received and the steps not used yet."""
        with self._lock:
            self._steps.clear()
            self._requests.clear()

    async def _receive(self, request: Request) -> ReceivedRequest:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        received = ReceivedRequest(request.method, request.url.path, dict(request.query_params),
                                   {k.lower(): v for k, v in request.headers.items()}, body,
                                   time.time())
        with self._lock:
            self._requests.append(received)
        return received

    async def _step(self, request: Request) -> tuple[Step, Response | None]:
        """Take the next step and wait its delay; with it, the scripted error response to send
        instead of an answer, if the step asks for one."""
        with self._lock:
            step = self._steps.pop(0) if self._steps else {}
        deadline = time.monotonic() + float(step.get("delay") or 0)
        while (left := deadline - time.monotonic()) > 0:
            # Poll for the disconnect: a client that timed out is gone, and a handler still
            # sleeping would hold up the server's shutdown.
            if await request.is_disconnected():
                return step, Response(status_code=CLIENT_GONE)
            await asyncio.sleep(min(left, 0.02))
        status = step.get("status")
        return step, self._scripted_error(int(status), step) if status else None

    def _scripted_error(self, status: int, step: Step) -> Response:
        """The provider's own error response for `status` (a step's `retry_after` and
        `message` included); each provider's fake says how."""
        raise NotImplementedError

    async def _post_script(self, request: Request) -> Response:
        try:
            steps = (await request.json())["steps"]
            self.script(*steps)
        except (ValueError, KeyError, TypeError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return Response(status_code=204)

    async def _get_requests(self, request: Request) -> Response:
        return JSONResponse({"requests": [r.as_json() for r in self.requests]})

    async def _delete_requests(self, request: Request) -> Response:
        self.reset()
        return Response(status_code=204)


def answer(step: Step, schema: dict[str, Any] | None, data_text: str) -> Answer:
    """The model's answer for this step: scripted, or the echo model's fill of `schema`."""
    if "refusal" in step:
        return Answer(str(step["refusal"]), "refused")
    if "answer" in step:
        text = json.dumps(step["answer"])
    elif step.get("malformed"):
        text = MALFORMED_ANSWER
    elif schema is not None:
        text = json.dumps(echo(schema, data_text))
    else:
        text = " ".join(words(data_text)[:40])
    if step.get("truncated"):
        return Answer(text[: max(1, len(text) // 2)], "truncated")
    return Answer(text, "complete")


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or the `text` of its parts or blocks (the
    shape OpenAI, Anthropic and Cohere share)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content
                        if isinstance(part, dict) and part.get("type", "text") == "text")
    return ""


def first_user_text(messages: list[dict[str, Any]]) -> str:
    """The first user message: the data of the request, which a repair turn does not change."""
    return next((content_text(m.get("content")) for m in messages
                 if isinstance(m, dict) and m.get("role") == "user"), "")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def echo(schema: dict[str, Any], text: str) -> Any:
    """A value that fits `schema`, its strings taken in turn from the words of `text`, so that
    the same request always gets the same answer and tests can tell requests apart."""
    return _Echo(schema, words(text) or ["example"]).fill(schema)


class _Echo:
    def __init__(self, root: dict[str, Any], source: list[str]) -> None:
        self.root = root
        self.source = source
        self.cursor = 0

    def fill(self, schema: dict[str, Any]) -> Any:
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                branches = [self._resolve(b) for b in schema[key]]
                chosen = next((b for b in branches if _type(b) != "null"), branches[0])
                return self.fill(chosen)
        kind = _type(schema)
        if kind == "object":
            properties = schema.get("properties") or {}
            return {name: self.fill(sub) for name, sub in properties.items()}
        if kind == "array":
            count = max(int(schema.get("minItems", 0)), min(2, int(schema.get("maxItems", 2))))
            return [self.fill(schema.get("items") or {"type": "string"}) for _ in range(count)]
        if kind == "integer":
            return self._clamp(len(self.source), schema, int)
        if kind == "number":
            return self._clamp(len(self.source) / 2, schema, float)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self._string(schema)

    def _string(self, schema: dict[str, Any]) -> str:
        minimum = int(schema.get("minLength", 1))
        maximum = int(schema.get("maxLength", 200))
        picked: list[str] = []
        while len(" ".join(picked)) < max(minimum, 1) or len(picked) < 4:
            picked.append(self.source[self.cursor % len(self.source)])
            self.cursor += 1
            if len(picked) >= 12:
                break
        return " ".join(picked)[:maximum]

    @staticmethod
    def _clamp(value: float, schema: dict[str, Any], cast: type) -> Any:
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is not None:
            value = max(value, low + (1 if "exclusiveMinimum" in schema else 0))
        if high is not None:
            value = min(value, high - (1 if "exclusiveMaximum" in schema else 0))
        return cast(value)

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        target: Any = self.root
        for part in ref[2:].split("/"):
            target = target[part]
        return self._resolve(target)


def _type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() != "null"), "null")
    if kind is None:
        return "object" if "properties" in schema else "string"
    # Gemini's responseSchema spells types in capitals (OpenAPI subset).
    return str(kind).lower()


def non_strict_object(schema: Any, path: tuple[str, ...] = ()
                      ) -> tuple[tuple[str, ...], str] | None:
    """The first object in `schema` that breaks the strict subset (where, and what), or None:
    strict structured outputs want `additionalProperties: false` on every object and every
    property listed in `required`."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            found = non_strict_object(item, (*path, str(index)))
            if found:
                return found
        return None
    if not isinstance(schema, dict):
        return None
    if _type(schema) == "object" and ("properties" in schema or schema.get("type") == "object"):
        if schema.get("additionalProperties") is not False:
            return path, "additionalProperties"
        missing = [name for name in schema.get("properties") or {}
                   if name not in (schema.get("required") or [])]
        if missing:
            return path, "required:" + ",".join(missing)
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions"):
            for name, sub in (value or {}).items():
                found = non_strict_object(sub, (*path, key, name))
                if found:
                    return found
        elif isinstance(value, dict | list) and key not in ("enum", "const", "required"):
            found = non_strict_object(value, (*path, key))
            if found:
                return found
    return None


def estimate_tokens(text: str) -> int:
    """About four characters a token, as the providers' own rule of thumb says."""
    return max(1, round(len(text) / 4))


def embedding(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A deterministic unit vector: each lowercased word hashed to a signed slot, so texts that
    share words point the same way and their cosine similarity is higher."""
    vector = [0.0] * dimensions
    for word in words(text.lower()) or [""]:
        digest = hashlib.sha256(word.encode()).digest()
        slot = int.from_bytes(digest[:4], "big") % dimensions
        vector[slot] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]
