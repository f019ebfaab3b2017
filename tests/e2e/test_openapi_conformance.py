"""/openapi.json tells the truth: schemathesis derives requests for every operation from the
document the gateway serves (valid and invalid ones, as a signed-in user) and checks that each
answer has a documented status and content type, matches the documented schema and is no 5xx.
The SPA's typed client is generated from that document, so a wrong word there is a bug there.

Deterministic (derandomized Hypothesis, no example database) and bounded: a few
examples per operation. Each request comes from its own address (the gateway's per-IP budgets
would otherwise answer most of them with 429, which is documented but tests nothing else).
"""

from __future__ import annotations

import itertools
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devstack.stack import Stack

from .conftest import Browser

CHECKS = [content_type_conformance, response_schema_conformance, status_code_conformance,
          not_a_server_error]
EXAMPLES_PER_OPERATION = 15


class Callers:
    """An address of its own for each request, and a signed-in user for each operation:
    logout, logout-all and account deletion end the token they are called with, and the
    per-user budgets (100 calls an hour under /api/) must not run out for the others. A user
    whose token stopped working is replaced before the operation's next request."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http
        self._addresses = itertools.count(1)
        self._tokens: dict[str, str] = {}

    def address(self) -> str:
        n = next(self._addresses)
        return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def sign_in(self, operations: list[str]) -> None:
        """A user for each operation, two at a time: each costs two password hashes, the
        slowest part of the test."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            self._tokens.update(zip(operations, pool.map(lambda _: self._new_user(), operations),
                                    strict=True))

    def token(self, operation: str) -> str:
        if operation not in self._tokens:
            self._tokens[operation] = self._new_user()
        return self._tokens[operation]

    def saw(self, operation: str, response: schemathesis.Response) -> None:
        if response.status_code == 401 and b'"invalid-token"' in response.content:
            self._tokens.pop(operation, None)

    def _new_user(self) -> str:
        browser = Browser(self._http)  # from an address of its own: register and login budgets
        browser.sign_up_and_in(f"openapi-{uuid.uuid4().hex[:12]}@example.com")
        assert browser.access_token is not None
        return browser.access_token


# The operations are walked here rather than through schemathesis' pytest integration
# (`schemathesis.pytest.from_fixture`), which needs `Function._nodeid`, gone in pytest 9.2.
def conformance_failures(gateway_url: str, callers: Callers) -> dict[str, str]:
    """Each operation whose answers broke a check, with the first such answer."""
    config = schemathesis.Config.from_dict({"generation": {"database": "none"}})
    api = schemathesis.openapi.from_url(f"{gateway_url}/openapi.json", config=config)
    operations = [result.ok() for result in api.get_all_operations()]
    callers.sign_in([operation.label for operation in operations])
    failures: dict[str, str] = {}
    for operation in operations:
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=cases)
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
                  deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        def exercise(case: schemathesis.Case) -> None:
            label = case.operation.label
            if label in failures:
                return
            headers = {"X-Forwarded-For": callers.address(),
                       "Authorization": f"Bearer {callers.token(label)}"}
            response = case.call(headers=headers, timeout=10)
            callers.saw(label, response)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (AssertionError, BaseExceptionGroup) as exc:
                failures[label] = str(exc)

        exercise()
    return failures


def test_every_answer_is_what_the_openapi_document_says(stack: Stack) -> None:
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as http:
        failures = conformance_failures(stack.gateway_url, Callers(http))
    assert not failures, "\n\n".join(f"{label}:\n{why}" for label, why in failures.items())
