"""`make run`: the whole platform on this machine, offline, without Docker.

PostgreSQL, NATS and Redis come from POSTGRES_URL (an admin URL; one database per service is
created in it), NATS_URL and REDIS_URL when set; otherwise real servers are started from pip
packages with their data under DATA_DIR (default .data/), kept between runs. Then every
service's migrations run and the eight processes start. Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from pathlib import Path

from devstack.servers import NatsServer, PostgresServer, RedisServer, free_port
from devstack.stack import Stack

# Preferred ports for the servers we start, away from system servers on the standard ones.
_PREFERRED = {"postgres": 54329, "nats": 42229, "redis": 63799}


def _port(name: str) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", _PREFERRED[name]))
            return _PREFERRED[name]
        except OSError:
            return free_port()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.run", description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("DATA_DIR", ".data")).resolve()
    )
    args = parser.parse_args(argv)
    data: Path = args.data_dir
    started = []
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def server(name: str, env_var: str, factory):
        if url := os.environ.get(env_var):
            print(f"  {name:<10} {url} (from {env_var})")
            return url
        instance = factory(data / name, _port(name))
        instance.start()
        started.append(instance)
        print(f"  {name:<10} {instance.url} (started, data in {data / name})")
        return instance.url

    stack = None
    try:
        print("Starting infrastructure:")
        postgres_url = server("postgres", "POSTGRES_URL", PostgresServer)
        nats_url = server("nats", "NATS_URL", NatsServer)
        redis_url = server("redis", "REDIS_URL", lambda d, p: RedisServer(d, p, persist=True))
        stack = Stack(postgres_url, nats_url, redis_url)
        print("Migrating and starting the gateway and 7 services ...")
        seconds = stack.start()
        print(
            f"\nCareer Tools is up in {seconds:.1f}s\n"
            f"  Gateway:  {stack.gateway_url}\n"
            f"  API docs: {stack.gateway_url}/docs\n"
            f"  Ready:    {stack.gateway_metrics_url}/readyz\n"
            f"  Metrics:  {stack.gateway_metrics_url}/metrics\n"
            + (f"  E-mails:  {stack.mail_catcher.http_url}/messages (local catcher)\n"
               if stack.mail_catcher else "")
            + (f"  Payments: fake Stripe {stack.payments.stripe.url} "
               "(checkout pages pay offline; events at /__fake/events)\n"
               if stack.payments and stack.payments.stripe else "")
            + "Press Ctrl-C to stop.",
            flush=True,
        )
        while not stop.wait(1.0):
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping", file=sys.stderr)
                    stop.set()
        return 0
    except Exception as exc:
        print(f"make run failed: {exc}", file=sys.stderr)
        return 1
    finally:
        print("Stopping ...", flush=True)
        if stack is not None:
            stack.stop()
        for instance in reversed(started):
            instance.stop()
        print("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
