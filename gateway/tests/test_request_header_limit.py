"""Request heads (request line + header fields) over GATEWAY_MAX_HEADER_BYTES get 431 from the
HTTP layer (server.py) before anything buffers or parses them; heads within it are served."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from gateway.config import GatewaySettings
from gateway.tests.test_security_headers_and_cors import assert_security_headers

LIMIT = 32 * 1024  # the default, which the session's gateway runs with


def vm_rss_kib() -> int:
    for line in open("/proc/self/status"):  # the server runs in this process
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


async def connect(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(url)
    return await asyncio.open_connection(parts.hostname, parts.port)


def head(path: str, *headers: str, host: str = "gateway.test") -> bytes:
    return "".join([f"GET {path} HTTP/1.1\r\nHost: {host}\r\n",
                    *(f"{h}\r\n" for h in headers), "\r\n"]).encode()


def padded_head(path: str, size: int) -> bytes:
    """A request head of exactly `size` bytes."""
    bare = head(path, "X-Pad: ")
    return head(path, "X-Pad: " + "p" * (size - len(bare)))


async def read_answers(reader: asyncio.StreamReader, count: int = 1) -> list[httpx.Response]:
    answers = []
    for _ in range(count):
        status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        headers = [tuple(line.split(": ", 1)) for line in lines if line]
        length = int(dict((k.lower(), v) for k, v in headers)["content-length"])
        answers.append(httpx.Response(int(status_line.split()[1]), headers=headers,
                                      content=await reader.readexactly(length)))
    return answers


def assert_refused(response: httpx.Response, instance: str) -> None:
    assert response.status_code == 431
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["connection"] == "close"
    body = response.json()
    assert body == {"type": "about:blank", "title": "Request Header Fields Too Large",
                    "status": 431, "detail": f"The request line and header fields exceed "
                    f"{LIMIT} bytes.", "instance": instance,
                    "request_id": response.headers["x-request-id"]}
    assert_security_headers(response)


async def test_a_40_kb_header_gets_431_at_once_and_the_connection_is_closed(
    gateway_url: str, settings: GatewaySettings,
) -> None:
    assert settings.max_header_bytes == LIMIT
    reader, writer = await connect(gateway_url)
    started = time.perf_counter()
    writer.write(head("/healthz", "Authorization: Bearer " + "a" * 40_000))
    (answer,) = await asyncio.wait_for(read_answers(reader), timeout=2)
    assert time.perf_counter() - started < 1.0
    assert_refused(answer, "/healthz")
    assert await asyncio.wait_for(reader.read(), timeout=2) == b""  # closed by the server
    writer.close()


async def test_an_httpx_client_reads_the_431(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/me", headers={"Authorization": "Bearer " + "a" * 40_000})
    assert_refused(response, "/auth/me")


async def test_a_32_mb_header_is_refused_long_before_it_has_been_sent(gateway_url: str) -> None:
    reader, writer = await connect(gateway_url)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer ")
    sent, chunk = 0, b"a" * 4096
    answer = asyncio.ensure_future(read_answers(reader))
    while not answer.done() and sent < 32 * 1024 * 1024:
        writer.write(chunk)
        sent += len(chunk)
        await writer.drain()
        await asyncio.sleep(0.001)  # a slow sender: the server reads each piece as it comes
    assert sent < 2 * LIMIT, f"no answer after {sent} bytes"
    assert_refused((await answer)[0], "/healthz")
    writer.close()


async def test_a_32_mb_header_costs_the_server_no_memory(gateway_url: str) -> None:
    """Before the limit, httptools gathered such a header in memory: +66 MB and 3 s here."""
    before = peak = vm_rss_kib()
    reader, writer = await connect(gateway_url)
    answer = asyncio.ensure_future(read_answers(reader))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer ")
    chunk = b"a" * 65536
    try:
        for _ in range(32 * 1024 * 1024 // len(chunk)):  # as fast as the server reads
            writer.write(chunk)
            await writer.drain()
            peak = max(peak, vm_rss_kib())
    except ConnectionError:
        pass  # the server stopped reading once its linger was over
    assert (await asyncio.wait_for(answer, timeout=2))[0].status_code == 431
    assert peak - before < 8 * 1024, f"RSS grew by {peak - before} KiB"
    writer.close()


async def test_heads_just_under_and_at_the_limit_are_served(gateway_url: str,
                                                            client: httpx.AsyncClient) -> None:
    many = {f"X-Pad-{n}": "v" * 1000 for n in range(30)}  # ~30 KB in 30 headers
    assert (await client.get("/healthz", headers=many)).status_code == 200
    reader, writer = await connect(gateway_url)
    writer.write(padded_head("/healthz", LIMIT))
    (answer,) = await asyncio.wait_for(read_answers(reader), timeout=2)
    assert answer.status_code == 200
    writer.write(padded_head("/healthz", LIMIT + 1))  # the same connection, a fresh count
    (answer,) = await asyncio.wait_for(read_answers(reader), timeout=2)
    assert_refused(answer, "/healthz")
    writer.close()


async def test_many_small_headers_adding_up_over_the_limit_are_refused(
    client: httpx.AsyncClient,
) -> None:
    many = {f"X-Pad-{n}": "v" * 100 for n in range(400)}  # ~44 KB, no header over 120 bytes
    response = await client.get("/caf%C3%A9?q=1", headers=many)
    assert_refused(response, "/café")


async def test_pipelined_requests_each_get_the_whole_limit(gateway_url: str) -> None:
    reader, writer = await connect(gateway_url)
    writer.write(padded_head("/healthz", 20_000) * 2)  # 40 KB arriving in one read
    answers = await asyncio.wait_for(read_answers(reader, 2), timeout=2)
    assert [answer.status_code for answer in answers] == [200, 200]
    writer.close()


async def test_a_body_sent_with_its_head_is_not_counted_as_head(
    start_gateway: Any, fleet: Any, receiver: Any,
) -> None:
    async with start_gateway(fleet, max_header_bytes=1024) as client:
        body = json.dumps({"pad": "b" * 1000}).encode()  # under GATEWAY_MAX_BODY_BYTES (1024)
        reader, writer = await connect(str(client.base_url))
        request_head = (f"POST /webhooks/stripe/events HTTP/1.1\r\nHost: gateway.test\r\n"
                        f"Content-Length: {len(body)}\r\nX-Pad: {'p' * 300}\r\n\r\n").encode()
        writer.write(request_head + body)  # one write: 1.4 KB, over the limit, in one read
        (answer,) = await asyncio.wait_for(read_answers(reader), timeout=5)
        assert answer.status_code == 202, answer.text
        assert receiver.received[-1].body == body
        writer.close()
        refused = await client.get("/healthz", headers={"X-Pad": "p" * 1024})
        assert refused.status_code == 431
