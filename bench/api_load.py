"""API load bar: the production server on PostgreSQL with 100,000 tickets, driven by wrk.

Bars (PRODUCT.md §3 / issue 12): ≥ 1,000 reads/s and ≥ 300 creates/s with p99 < 100 ms, and peak
RSS per worker < 300 MB.

Builds a throwaway database (``opora_bench_api`` on the server in PG_BENCH_URL), migrates it,
seeds N tickets with a message each for one agent's team, starts gunicorn exactly as
``opora serve`` does (production settings: DEBUG off, a SECRET_KEY, connection reuse), then runs
wrk from a second process with a Lua script per scenario — single-ticket reads, filtered list
pages, ticket creates — and reads each worker's peak RSS (VmHWM) from /proc afterwards.

    PG_BENCH_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/api_load.py \\
        [--tickets 100000] [--duration 20] [--connections 16] [--workers 2] [--smoke]

Needs wrk (Debian: ``apt-get install wrk``). Prints rates, p50/p99 and PASS/FAIL; exits 1 on FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "opora_bench_api"
BARS = {"reads": 1000.0, "lists": None, "creates": 300.0}
P99_BAR_MS = 100.0
RSS_BAR_MB = 300.0

# wrk calls request() for every request and done() once; done() prints one JSON line we parse.
LUA_COMMON = """
local token = os.getenv("OPORA_BENCH_TOKEN")
local min_ticket = tonumber(os.getenv("OPORA_BENCH_MIN_TICKET"))
local max_ticket = tonumber(os.getenv("OPORA_BENCH_MAX_TICKET"))
local min_customer = tonumber(os.getenv("OPORA_BENCH_MIN_CUSTOMER"))
local max_customer = tonumber(os.getenv("OPORA_BENCH_MAX_CUSTOMER"))
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
local counter = 0
done = function(summary, latency, requests)
  local non_2xx = summary.errors.status
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "non_2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    non_2xx, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""
LUA_REQUEST = {
    "reads": """
request = function()
  return wrk.format("GET", "/api/v1/tickets/" .. math.random(min_ticket, max_ticket))
end
""",
    "lists": """
local statuses = {"open", "pending", "new"}
request = function()
  local path = "/api/v1/tickets?status=" .. statuses[math.random(1, 3)] .. "&offset=" .. math.random(0, 19) * 25
  return wrk.format("GET", path)
end
""",
    "creates": """
request = function()
  counter = counter + 1
  local body = string.format(
    '{"subject": "Не работает оплата картой %d", "body": "Платёж отклонён, деньги списаны. Order %d", "customer_id": %d}',
    counter, counter, math.random(min_customer, max_customer))
  return wrk.format("POST", "/api/v1/tickets", nil, body)
end
""",
}


def recreate_database(any_database_url: str) -> str:
    """The scratch database on the same server as ``any_database_url`` (whose own data is untouched)."""
    server = any_database_url.rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DB_NAME}")
    return server + "/" + DB_NAME


def server_environment(database_url: str) -> dict[str, str]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OPORA_SECURE_COOKIES": "0",
        "DJANGO_SETTINGS_MODULE": "opora.settings",
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("OPORA_TESTING", None)
    environment.pop("OPORA_DEBUG", None)
    return environment


def seed(tickets: int) -> dict[str, str]:
    """Runs in this process against the bench database; returns the ids the Lua scripts use."""
    from datetime import timedelta

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from opora.accounts.models import ApiToken, Role, SupportLine, Team, User
    from opora.customers.models import Customer
    from opora.tickets.models import Channel, Message, MessageKind, Status, Ticket

    call_command("migrate", interactive=False, verbosity=0)
    team = Team.objects.create(name="Bench", line=SupportLine.FIRST, is_default=True)
    agent = User.objects.create(username="bench-agent", role=Role.AGENT, email="agent@example.com")
    team.members.add(agent)
    customers = Customer.objects.bulk_create(
        Customer(name=f"Клиент {i}", email=f"client{i}@example.com", language="ru")
        for i in range(2000)
    )
    statuses = [Status.NEW, Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED]
    now = timezone.now()
    batch = 10_000
    first_ticket = last_ticket = None
    for offset in range(0, tickets, batch):
        rows = Ticket.objects.bulk_create(
            Ticket(
                subject=f"Обращение {offset + i}: не приходит код подтверждения",
                customer=customers[(offset + i) % len(customers)],
                status=statuses[(offset + i) % len(statuses)],
                channel=Channel.EMAIL,
                team=team,
                assignee=agent if (offset + i) % 3 else None,
                # A ticket a minute, as a busy desk receives them: lists order by these.
                created_at=now - timedelta(minutes=tickets - offset - i),
                updated_at=now - timedelta(minutes=tickets - offset - i),
            )
            for i in range(min(batch, tickets - offset))
        )
        Message.objects.bulk_create(
            Message(
                ticket=ticket,
                kind=MessageKind.REPLY,
                author_customer_id=ticket.customer_id,
                body="Здравствуйте! Не приходит SMS с кодом, пробовал трижды.",
                created_at=ticket.created_at,
            )
            for ticket in rows
        )
        first_ticket = first_ticket or rows[0].pk
        last_ticket = rows[-1].pk
    _token, raw = ApiToken.issue(agent, "bench")
    # A production database has planner statistics (autovacuum keeps them); a freshly bulk-loaded
    # one has none until autovacuum gets to it, and the planner then misjudges every list query.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "OPORA_BENCH_TOKEN": raw,
        "OPORA_BENCH_MIN_TICKET": str(first_ticket),
        "OPORA_BENCH_MAX_TICKET": str(last_ticket),
        "OPORA_BENCH_MIN_CUSTOMER": str(customers[0].pk),
        "OPORA_BENCH_MAX_CUSTOMER": str(customers[-1].pk),
    }


def start_server(environment: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    # As `opora serve --wsgi` runs it. (granian 2.8 in WSGI mode, 2 workers × 2 threads, measured
    # no better on 2026-11-23: reads 123/s against gunicorn's 147/s, and over the RSS bar.)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "opora.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--max-requests",
            "5000",
            "--max-requests-jitter",
            "500",
        ],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(
        "gunicorn did not answer /healthz within 60 s:\n" + process.stderr.read().decode()
    )


def run_wrk(
    scenario: str, port: int, seconds: int, connections: int, ids: dict, workdir: Path
) -> dict:
    script = workdir / f"{scenario}.lua"
    script.write_text(LUA_COMMON + LUA_REQUEST[scenario])
    completed = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        env={**os.environ, **ids},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("{"))
    result = json.loads(line)
    result["rate"] = result["requests"] / result["seconds"]
    return result


def worker_peak_rss_mb(master_pid: int) -> list[float]:
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == master_pid and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return peaks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--smoke", action="store_true", help="2,000 tickets, 3 s per scenario")
    args = parser.parse_args()
    if args.smoke:
        args.tickets, args.duration = 2_000, 3
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)")
        return 2

    database_url = recreate_database(
        os.environ.get("PG_BENCH_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    environment = server_environment(database_url)
    os.environ.update(
        {
            key: environment[key]
            for key in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "OPORA_SECURE_COOKIES")
        }
    )
    os.environ.pop("OPORA_TESTING", None)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "opora.settings"
    started = time.perf_counter()
    ids = seed(args.tickets)
    print(f"Seeded {args.tickets:,} tickets in {time.perf_counter() - started:.0f} s")

    server = start_server(environment, args.port, args.workers)
    failures = []
    try:
        with tempfile.TemporaryDirectory() as workdir:
            run_wrk("reads", args.port, 2, args.connections, ids, Path(workdir))  # warm-up
            for scenario in ("reads", "lists", "creates"):
                result = run_wrk(
                    scenario, args.port, args.duration, args.connections, ids, Path(workdir)
                )
                bar = BARS[scenario]
                p99_ms = result["p99_us"] / 1000
                ok = result["non_2xx"] == 0 and result["socket_errors"] == 0 and p99_ms < P99_BAR_MS
                ok = ok and (bar is None or result["rate"] >= bar)
                if not ok:
                    failures.append(scenario)
                target = f" (bar ≥ {bar:,.0f}/s, ratio {result['rate'] / bar:.2f})" if bar else ""
                print(
                    f"{scenario:>8}: {result['rate']:8,.0f} req/s{target}; p50 {result['p50_us'] / 1000:6.1f} ms, "
                    f"p99 {p99_ms:6.1f} ms (bar < {P99_BAR_MS:.0f}); {result['non_2xx']} non-2xx, "
                    f"{result['socket_errors']} socket errors — {'PASS' if ok else 'FAIL'}"
                )
        peaks = worker_peak_rss_mb(server.pid)
        rss_ok = bool(peaks) and max(peaks) < RSS_BAR_MB
        if not rss_ok:
            failures.append("rss")
        print(
            f"peak RSS per worker: {', '.join(f'{peak:.0f} MB' for peak in peaks)} "
            f"(bar < {RSS_BAR_MB:.0f} MB) — {'PASS' if rss_ok else 'FAIL'}"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"{args.workers} gunicorn workers, {args.connections} connections, {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}"
    )
    print("FAIL: " + ", ".join(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
