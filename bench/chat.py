"""Live-chat bar: 1,000 concurrent chat sessions on one server process, message round trip
p99 < 200 ms on loopback, with the Redis channel layer.

Starts daphne (one process) on a free port with REDIS_URL set, against its own PostgreSQL
database ``opora_bench_chat`` on the server of PG_BENCH_URL (default
postgres://postgres@127.0.0.1:5432/; --sqlite for a throw-away SQLite file instead), migrated on
first use. Then, from this process with the ``websockets`` client in asyncio, it starts N chats
through the widget's HTTP endpoint, opens N visitor sockets at once, and has every session send
M messages spaced by --interval seconds (staggered, so the server sees a steady N / interval
messages per second, as live chats do). A round trip is send → the server stores and numbers
the line and broadcasts it through Redis → the same socket receives it; a line not back within
RECEIVE_TIMEOUT seconds counts as lost (0 expected). An `opora worker` alongside files the lines
into their tickets as Messages (docs/chat.md); once the server has stopped, the bench waits for
it to catch up and counts the lines that are not on their tickets (0 expected).

    .venv/bin/python bench/chat.py [--sessions 1000] [--messages 3] [--interval 10] [--smoke]

Prints p50/p95/p99 round trips, the server's CPU time, lost and unfiled lines, the ratio to the bar
and PASS/FAIL; exits 1 on FAIL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import websockets
from common import cpu_seconds

from opora.core.management.commands.serve import DAPHNE_DB_CONNECTIONS

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BASE_URL = os.environ.get("PG_BENCH_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/")
SERVER_URL = BASE_URL.rsplit("/", 1)[0] if BASE_URL.count("/") > 2 else BASE_URL
DB_NAME = "opora_bench_chat"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
BAR_SESSIONS = 1000
BAR_P99_MS = 200.0
# A round trip not back by then is a lost line, not a slow one.
RECEIVE_TIMEOUT = 30.0
# How long the worker may take to file the last lines after the server has stopped.
FILING_CATCH_UP_SECONDS = 600


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(sqlite_dir: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opora.settings",
        "SECRET_KEY": "bench-only",
        "OPORA_TESTING": "1",
        "REDIS_URL": REDIS_URL,
        "OPORA_LOG_LEVEL": "ERROR",
        # Every simulated visitor comes from 127.0.0.1: lift the per-address widget limit.
        "OPORA_CHAT_WIDGET_LIMIT_PER_HOUR": "1000000",
        # Under ASGI a persistent connection is per worker thread and outlives its requests
        # (Django ticket #33497): a pool per process instead, as `opora serve` runs daphne.
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "0"),
        "OPORA_DB_POOL_MAX": os.environ.get("OPORA_DB_POOL_MAX", str(DAPHNE_DB_CONNECTIONS)),
    }
    if sqlite_dir:
        env.pop("DATABASE_URL", None)
        env["OPORA_DATA_DIR"] = sqlite_dir
    else:
        env["DATABASE_URL"] = f"{SERVER_URL}/{DB_NAME}"
    return env


def prepare_database(env: dict[str, str], sqlite: bool) -> None:
    if not sqlite:
        import psycopg

        # A fresh scratch database each run: nothing of an earlier run (queued chats, an older
        # schema) can distort this one.
        with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run(
        [PYTHON, "-m", "opora.cli", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def unfiled_lines(sqlite_dir: str | None) -> int:
    """Customer lines not (yet) on their tickets as messages."""
    query = "SELECT count(*) FROM chat_chatline WHERE message_id IS NULL AND kind <> 'system'"
    if sqlite_dir:
        import sqlite3

        with closing(sqlite3.connect(Path(sqlite_dir) / "opora.sqlite3")) as database:
            return database.execute(query).fetchone()[0]
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/{DB_NAME}") as database:
        return database.execute(query).fetchone()[0]


def wait_for_filing(sqlite_dir: str | None) -> tuple[int, float]:
    """Lines still unfiled once the worker has caught up (or given up), and how long it took."""
    started = time.monotonic()
    while (unfiled := unfiled_lines(sqlite_dir)) and time.monotonic() - started < (
        FILING_CATCH_UP_SECONDS
    ):
        time.sleep(1)
    return unfiled, time.monotonic() - started


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "opora.cli", "worker", "--no-startup-delay", "-v", "0"], env=env, cwd=ROOT
    )


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    daphne = Path(PYTHON).with_name("daphne")
    server = subprocess.Popen(
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "-v", "0", "opora.asgi:application"],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/chat/widget/config/", timeout=30)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("daphne did not come up")


def start_chat(port: int, n: int) -> str:
    body = json.dumps({"name": f"Bench {n}", "body": f"hello {n}", "lang": "en"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/chat/widget/start/",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["token"]


async def start_chats(port: int, count: int) -> list[str]:
    limit = asyncio.Semaphore(8)

    async def one(n: int) -> str:
        async with limit:
            return await asyncio.to_thread(start_chat, port, n)

    return await asyncio.gather(*(one(n) for n in range(count)))


async def session(
    port: int,
    token: str,
    messages: int,
    interval: float,
    all_open: asyncio.Event,
    opening: asyncio.Semaphore,
    opened: list,
    round_trips: list[float],
    lost: list[str],
) -> None:
    url = f"ws://127.0.0.1:{port}/ws/chat/visitor/?token={token}&last_seq=0&lang=en"
    async with opening:
        ws = await websockets.connect(url, max_queue=None, open_timeout=120)
        await ws.recv()  # the server has accepted: the first line arrives
    async with ws:
        opened.append(1)
        await all_open.wait()
        await asyncio.sleep(random.uniform(0, interval))  # staggered, as real chats are
        for n in range(messages):
            text = f"{token[-8:]}-{n}"
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": text}))
            try:
                async with asyncio.timeout(RECEIVE_TIMEOUT):
                    while True:
                        event = json.loads(await ws.recv())
                        if event["type"] == "line" and event["body"] == text:
                            round_trips.append((time.perf_counter() - sent) * 1000)
                            break
                        if event["type"] == "error":
                            raise RuntimeError(event)
            except TimeoutError:
                lost.append(text)
            await asyncio.sleep(interval)


async def run(
    port: int, tokens: list[str], messages: int, interval: float
) -> tuple[list, list, float]:
    all_open, opened, round_trips, lost = asyncio.Event(), [], [], []
    # Sessions ramp up 20 at a time (a thousand handshakes in the same instant is a SYN flood,
    # not a chat load); all stay open until the end.
    opening = asyncio.Semaphore(20)
    tasks = [
        asyncio.create_task(
            session(port, t, messages, interval, all_open, opening, opened, round_trips, lost)
        )
        for t in tokens
    ]
    start = time.perf_counter()
    while len(opened) < len(tokens):
        failed = [task for task in tasks if task.done() and task.exception()]
        if failed:
            raise failed[0].exception()
        await asyncio.sleep(0.1)
    connect_seconds = time.perf_counter() - start
    all_open.set()
    await asyncio.gather(*tasks)
    return round_trips, lost, connect_seconds


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=BAR_SESSIONS)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="50 sessions, 2 messages")
    args = parser.parse_args()
    if args.smoke:
        args.sessions, args.messages, args.interval = 50, 2, 2.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.sessions + 256)), hard)
    )

    sqlite_dir = tempfile.mkdtemp(prefix="opora-bench-chat-") if args.sqlite else None
    env = server_env(sqlite_dir)
    prepare_database(env, args.sqlite)
    port = free_port()
    worker = start_worker(env)
    try:
        server = start_server(env, port)
        try:
            started = time.perf_counter()
            tokens = asyncio.run(start_chats(port, args.sessions))
            start_rate = args.sessions / (time.perf_counter() - started)
            server_cpu = cpu_seconds(server.pid)
            round_trips, lost, connect_seconds = asyncio.run(
                run(port, tokens, args.messages, args.interval)
            )
            server_cpu = cpu_seconds(server.pid) - server_cpu
        finally:
            server.terminate()
            server.wait(120)
        unfiled, catch_up_seconds = wait_for_filing(sqlite_dir)
    finally:
        worker.terminate()
        worker.wait(120)

    p50, p95, p99 = (percentile(round_trips, q) for q in (0.50, 0.95, 0.99))
    rate = args.sessions / args.interval
    print(
        f"{args.sessions} concurrent chat sessions on one daphne process "
        f"({'SQLite' if args.sqlite else 'PostgreSQL'}, Redis layer), {len(round_trips)} messages "
        f"at ~{rate:.0f}/s; chats started at {start_rate:.0f}/s over HTTP, "
        f"all sockets open in {connect_seconds:.1f} s"
    )
    print(
        f"round trip p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
        f"mean {statistics.fmean(round_trips):.1f} ms; server CPU while the sockets were open "
        f"{server_cpu:.1f} s ({1000 * server_cpu / max(1, len(round_trips)):.1f} ms per message)"
    )
    print(
        f"lines lost (not back within {RECEIVE_TIMEOUT:.0f} s): {len(lost)}; not on their tickets "
        f"{catch_up_seconds:.0f} s after the server stopped: {unfiled}"
    )
    passed = args.sessions >= BAR_SESSIONS and p99 < BAR_P99_MS and not lost and unfiled == 0
    print(
        f"bar: {BAR_SESSIONS} sessions with p99 < {BAR_P99_MS:.0f} ms; "
        f"p99 is {p99 / BAR_P99_MS:.2f}× the bar "
        f"({BAR_P99_MS / p99:.2f}× headroom) — {'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
