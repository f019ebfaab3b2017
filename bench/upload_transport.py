"""How an upload's bytes should travel from the gateway to the files service: an HTTP stream
(httpx → uvicorn/Starlette, what the gateway does) against gRPC client streaming (grpc.aio,
one message per chunk), measured in one run on this machine.

A receiver process serves both (uvloop, as the services run): a Starlette route that reads
the request stream and a gRPC stream-unary method that reads the messages, each only counting
the bytes. This process sends `--uploads` (8) bodies of `--megabytes` (50) MiB at once in
256 KiB pieces, from memory, through each transport in turn. For each: MB/s over the batch and
the CPU milliseconds per MiB of the sender (this process, getrusage) and of the receiver (its
/proc figures), which is what the transport costs the gateway and the files service.

    python -m bench.upload_transport [--uploads 8] [--megabytes 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import time

import grpc
import httpx

from bench.harness import ProcessCpu, emit

CHUNK = 256 * 1024
MB = 1024 * 1024
METHOD = "/bench.Upload/Send"


def _identity(data: bytes) -> bytes:
    return data


async def serve(http_port: int, grpc_port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def receive_http(request: Request) -> PlainTextResponse:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return PlainTextResponse(str(size))

    async def receive_grpc(requests, context) -> bytes:
        size = 0
        async for chunk in requests:
            size += len(chunk)
        return str(size).encode()

    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 4 * MB)])
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("bench.Upload", {
        "Send": grpc.stream_unary_rpc_method_handler(receive_grpc, _identity, _identity)})])
    server.add_insecure_port(f"127.0.0.1:{grpc_port}")
    await server.start()
    app = Starlette(routes=[Route("/upload", receive_http, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=http_port, log_level="warning",
                            access_log=False, loop="none", http="httptools")
    await uvicorn.Server(config).serve()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def pieces(total: int):
    piece = os.urandom(CHUNK)
    for _ in range(total // CHUNK):
        yield piece


async def measure(send, uploads: int, size: int, receiver: ProcessCpu) -> dict[str, float]:
    await send(CHUNK * 8)  # warm up connections
    sender_before, receiver_before = own_cpu(), receiver.seconds()
    started = time.perf_counter()
    await asyncio.gather(*(send(size) for _ in range(uploads)))
    seconds = time.perf_counter() - started
    megabytes = uploads * size / MB
    return {"seconds": round(seconds, 2), "mb_per_second": round(megabytes / seconds, 1),
            "sender_cpu_ms_per_mb": round((own_cpu() - sender_before) * 1000 / megabytes, 3),
            "receiver_cpu_ms_per_mb": round((receiver.seconds() - receiver_before) * 1000
                                            / megabytes, 3)}


async def compare(args: argparse.Namespace, http_port: int, grpc_port: int,
                  receiver: ProcessCpu) -> dict[str, object]:
    size = int(args.megabytes * MB) // CHUNK * CHUNK
    async with httpx.AsyncClient(timeout=120) as http, grpc.aio.insecure_channel(
            f"127.0.0.1:{grpc_port}") as channel:
        send_grpc_stream = channel.stream_unary(METHOD, _identity, _identity)

        async def send_http(total: int) -> None:
            response = await http.post(f"http://127.0.0.1:{http_port}/upload",
                                       content=pieces(total))
            assert int(response.text) == total

        async def send_grpc(total: int) -> None:
            assert int(await send_grpc_stream(pieces(total))) == total

        for _ in range(100):  # the receiver is up when both answer
            try:
                await send_http(CHUNK)
                await send_grpc(CHUNK)
                break
            except (httpx.HTTPError, grpc.aio.AioRpcError):
                await asyncio.sleep(0.1)
        http_result = await measure(send_http, args.uploads, size, receiver)
        grpc_result = await measure(send_grpc, args.uploads, size, receiver)
    return {"uploads": args.uploads, "megabytes_each": round(size / MB, 1),
            "http_stream": http_result, "grpc_client_stream": grpc_result,
            "ratio": {"http_over_grpc_throughput": round(
                http_result["mb_per_second"] / grpc_result["mb_per_second"], 2),
                "http_over_grpc_receiver_cpu": round(
                    http_result["receiver_cpu_ms_per_mb"]
                    / grpc_result["receiver_cpu_ms_per_mb"], 2)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--serve", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        import uvloop

        uvloop.run(serve(*args.serve))
        return
    http_port, grpc_port = free_port(), free_port()
    child = subprocess.Popen([sys.executable, "-m", "bench.upload_transport", "--serve",
                              str(http_port), str(grpc_port)], start_new_session=True)
    try:
        results = asyncio.run(compare(args, http_port, grpc_port, ProcessCpu(child.pid)))
    finally:
        child.terminate()
        child.wait(timeout=10)
    emit("upload_transport", **results)


if __name__ == "__main__":
    main()
