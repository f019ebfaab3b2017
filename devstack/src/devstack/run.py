"""`make run`: the whole platform on this machine, offline, without Docker.

PostgreSQL, NATS and Redis come from POSTGRES_URL (an admin URL; one database per service is
created in it, `career_<service>` unless --db-prefix says otherwise), NATS_URL and REDIS_URL
when set; otherwise real servers are started from pip packages with their data under DATA_DIR
(default .data/), kept between runs. Then every service's migrations run and the eight
processes start, on the ports of .env.example unless the environment sets a process's own port
setting (AUTH_GRPC_PORT, GATEWAY_HTTP_PORT, ...; EVENTS_NAMESPACE and REDIS_KEY_PREFIX too).

Then the launcher supervises them: a process that exits is reported here and restarted with
backoff (devstack.stack.RestartPolicy), while the gateway answers 503 problem+json for it and
its ops port's /readyz shows it failing; a crash loop stops everything with exit status 1.
Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stop everything cleanly. However the launcher
ends, every process group it started is ended and waited for, so the next run finds the ports
free; if it is SIGKILLed, the children get SIGTERM from the kernel (Linux), and a port still
taken is named before anything starts.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from pathlib import Path

from devstack.servers import NatsServer, PostgresServer, RedisServer, free_port
from devstack.stack import Stack, StackPorts, StartCancelled
from devstack.supervisor import CrashLoop, Supervisor

# Preferred ports for the servers we start, away from system servers on the standard ones.
_PREFERRED = {"postgres": 54329, "nats": 42229, "redis": 63799}
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _port(name: str) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", _PREFERRED[name]))
            return _PREFERRED[name]
        except OSError:
            return free_port()


def _say(text: str, *, error: bool = False) -> None:
    # After SIGHUP the terminal is gone and writes fail (EIO, EPIPE): stopping must go on.
    try:
        print(text, file=sys.stderr if error else sys.stdout, flush=True)
    except OSError:
        pass


def _ports_taken(taken: dict[str, int]) -> str:
    listed = ", ".join(f"{port} ({setting})" for setting, port in taken.items())
    first = next(iter(taken.values()))
    return (f"ports already in use: {listed}. Is another `make run` (or what it started) still "
            f"running? `ss -ltnp 'sport = :{first}'` shows the process; or set those variables "
            "to other ports.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("DATA_DIR", ".data")),
        help="where started servers and the auth service's development key keep their data")
    parser.add_argument("--db-prefix", default="career_",
                        help="name the databases <prefix><service> (default: %(default)s)")
    # Ten to twenty seconds as a rule; the margin is for a first run on a busy machine.
    parser.add_argument("--start-timeout", type=float, default=120.0,
                        help="seconds for migrations and start-up (default: %(default)s)")
    args = parser.parse_args(argv)
    data: Path = args.data_dir.resolve()

    # The handler only notes the signal; the main thread polls for it, the start-up included
    # (Stack.start's stop_requested). Python runs a handler between any two bytecodes of the
    # main thread, so one that does more must be safe wherever that thread is. The launcher
    # used to call threading.Event.set() there: when the signal landed while the main thread
    # held that Event's (non-reentrant) lock, in its own set() or wait(), the handler blocked
    # on it forever, and so did every later SIGTERM's — a launcher hung with all children up.
    received: list[int] = []
    for sig in _STOP_SIGNALS:
        # An ignored one stays ignored: `nohup make run` must outlive its terminal.
        if sig == signal.SIGTERM or signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, lambda signum, _frame: received.append(signum))
    started = []

    def server(name: str, env_var: str, factory):
        if received:  # each of these can take seconds; stop between them
            raise StartCancelled("stopped while starting")
        if url := os.environ.get(env_var):
            _say(f"  {name:<10} {url} (from {env_var})")
            return url
        instance = factory(data / name, _port(name))
        instance.start()
        started.append(instance)
        _say(f"  {name:<10} {instance.url} (started, data in {data / name})")
        return instance.url

    stack = None
    code = 1
    try:
        ports = StackPorts.from_env(os.environ)
        if taken := ports.in_use():
            raise RuntimeError(_ports_taken(taken))
        _say("Starting infrastructure:")
        postgres_url = server("postgres", "POSTGRES_URL", PostgresServer)
        nats_url = server("nats", "NATS_URL", NatsServer)
        redis_url = server("redis", "REDIS_URL", lambda d, p: RedisServer(d, p, persist=True))
        stack = Stack(postgres_url, nats_url, redis_url, ports=ports, db_prefix=args.db_prefix,
                      events_namespace=os.environ.get("EVENTS_NAMESPACE", ""),
                      redis_key_prefix=os.environ.get("REDIS_KEY_PREFIX", ""),
                      extra_env={"AUTH_KEYS_DIR": os.environ.get("AUTH_KEYS_DIR")
                                 or str(data / "auth-keys"),
                                 # Uploads and local storage's objects survive restarts.
                                 "FILES_DATA_DIR": os.environ.get("FILES_DATA_DIR")
                                 or str(data / "files")})
        _say("Migrating and starting the gateway and 8 services ...")
        seconds = stack.start(args.start_timeout, stop_requested=lambda: bool(received))
        _say(
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
            + (f"  AI:       fake OpenAI {stack.llms.openai.base_url} (and Anthropic, Gemini, "
               "Cohere; answers at /__fake/requests, scripts at /__fake/script)\n"
               if stack.llms else "")
            + "A process that exits is restarted.\nPress Ctrl-C to stop."
        )
        supervisor = Supervisor(stack, report=_say)
        while not received:
            supervisor.check()
            time.sleep(0.2)
        code = 0
    except StartCancelled:
        code = 0
    except CrashLoop as exc:
        _say(f"make run stopped: {exc}", error=True)
    except Exception as exc:
        _say(f"make run failed: {exc}", error=True)
    finally:
        if received:
            _say(f"\n{signal.Signals(received[0]).name} received.")
        _say("Stopping ...")
        try:
            if stack is not None:
                stack.stop()
        finally:
            for instance in reversed(started):
                instance.stop()
        _say("Stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
