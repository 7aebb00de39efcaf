"""Analytics bar: the manager dashboard over 1,000,000 tickets in under 1 s on PostgreSQL;
the CSAT-by-channel report likewise.

Builds its own database ``opora_bench_analytics`` on the server of PG_BENCH_URL (default
postgres://postgres@127.0.0.1:5432/), migrates it, and fills it once with generate_series
INSERT … SELECT (no Python loop over rows): N tickets over two years across six channels,
their messages (customer message + one or two agent replies), audit events, SLA targets, chat
sessions, phone calls, and CSAT/NPS survey responses for 15 % of them. Later runs reuse the
data unless --reseed (they only migrate). Then it runs the daily-rollup job
(opora.analytics.rollups.refresh_rollups: the first run builds every day, later runs the last
14) and times it, and times, as the manager sees them (a logged-in test client, the whole page
rendered), the dashboard for the default 30 days and for a full year, and the CSAT-by-channel
report for a year; median of 3 runs after a warm-up.

    .venv/bin/python bench/analytics.py [--tickets 1000000] [--reseed] [--smoke]

Prints seconds, tickets/s and PASS/FAIL; exits 1 on FAIL.
"""

# Django must be set up before models are imported, hence imports after django.setup().
# ruff: noqa: E402
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
BASE_URL = os.environ.get("PG_BENCH_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/")
SERVER_URL = BASE_URL.rsplit("/", 1)[0] if BASE_URL.count("/") > 2 else BASE_URL
# The smoke run (CI) keeps its own small database beside the 1M-ticket one it must not disturb.
DB_NAME = "opora_bench_analytics_smoke" if "--smoke" in sys.argv else "opora_bench_analytics"
os.environ["DATABASE_URL"] = f"{SERVER_URL}/{DB_NAME}"
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
os.environ.setdefault("OPORA_TESTING", "1")

BAR_TICKETS = 1_000_000
BAR_SECONDS = 1.0
SMOKE_TICKETS = 20_000
CUSTOMERS = 50_000
RUNS = 3


def ensure_database(reseed: bool) -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and reseed:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


import django

ensure_database("--reseed" in sys.argv)
django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from opora.accounts.models import Role, SupportLine, Team, User
from opora.analytics import rollups, services
from opora.chat.models import ChatSession
from opora.customers.models import Customer
from opora.feedback.models import Invitation, Response, Survey
from opora.sla.models import SlaTarget
from opora.telephony.models import Call
from opora.tickets.models import AuditEvent, ContactReason, Message, Ticket

CHANNELS = ["email", "web", "portal", "chat", "phone", "telegram"]


def run(statement: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement, params or {})
    return time.perf_counter() - started


def seed(tickets: int) -> None:
    teams = [
        Team.objects.create(name=f"Line {line}", line=line, is_default=line == 1)
        for line in (SupportLine.FIRST, SupportLine.SECOND, SupportLine.THIRD)
    ]
    agents = []
    for index in range(12):
        agent = User.objects.create(
            username=f"agent{index}", email=f"agent{index}@example.com", role=Role.AGENT
        )
        teams[index % 3].members.add(agent)
        agents.append(agent)
    manager = User.objects.create(username="manager", role=Role.MANAGER, is_staff=True)
    manager.set_password("bench")
    manager.save()
    Customer.objects.bulk_create(
        (Customer(name=f"Customer {i}", email=f"c{i}@example.com") for i in range(CUSTOMERS)),
        batch_size=5000,
    )
    parents = [
        ContactReason.objects.create(name=f"Тема {i}", name_en=f"Topic {i}") for i in range(5)
    ]
    for index in range(20):
        ContactReason.objects.create(
            name=f"Причина {index}", name_en=f"Reason {index}", parent=parents[index % 5]
        )
    csat = Survey.objects.get(kind="csat", audience="everyone").current_version()
    nps = Survey.objects.get(kind="nps", audience="everyone").current_version()
    params = {
        "n": tickets,
        "channels": CHANNELS,
        "teams": [team.pk for team in teams],
        "agents": [agent.pk for agent in agents],
        "customer_min": Customer.objects.order_by("pk").values_list("pk", flat=True).first(),
        "customers": CUSTOMERS,
        "reason_min": ContactReason.objects.filter(parent__isnull=False).order_by("pk").first().pk,
        "csat": csat.pk,
        "nps": nps.pk,
    }
    now_unsolved = "g > %(n)s - %(n)s / 50 AND g %% 3 = 0"
    steps = [
        (
            # Two years of tickets, newest last; a third of the last 2 % still unsolved.
            Ticket,
            {
                "subject": "'Bench ticket ' || g",
                "customer_id": "%(customer_min)s + (g::bigint * 7919) %% %(customers)s",
                "channel": "(%(channels)s::text[])[1 + g %% 6]",
                "status": f"CASE WHEN {now_unsolved} THEN 'open' ELSE 'solved' END",
                "team_id": "(%(teams)s::int[])[1 + g %% 3]",
                "assignee_id": "(%(agents)s::int[])[1 + g %% 12]",
                "reason_id": "%(reason_min)s + (g * 31) %% 20",
                "reopen_count": "CASE WHEN g %% 13 = 0 THEN 1 ELSE 0 END",
                "created_at": "c",
                "updated_at": "c",
                "first_response_at": "CASE WHEN g %% 20 <> 0 THEN c + (g %% 480) * interval '1 minute' END",
                "solved_at": f"CASE WHEN NOT ({now_unsolved}) THEN c + (30 + g %% 4000) * interval '1 minute' END",
            },
            "FROM (SELECT g, now() - interval '730 days' * (1 - g::float / %(n)s) AS c"
            " FROM generate_series(1, %(n)s) g) s",
        ),
        (
            # The customer's message, an agent reply, and a second reply on every 4th ticket.
            Message,
            {
                "ticket_id": "t.id",
                "kind": "'reply'",
                "channel": "t.channel",
                "author_user_id": "CASE WHEN m.k > 0 THEN t.assignee_id END",
                "author_customer_id": "CASE WHEN m.k = 0 THEN t.customer_id END",
                "body": "CASE WHEN m.k = 0 THEN 'Help, it does not work' ELSE 'Here is the fix' END",
                "created_at": "COALESCE(CASE WHEN m.k > 0 THEN t.first_response_at END, t.created_at)"
                " + m.k * interval '1 hour'",
            },
            "FROM tickets_ticket t CROSS JOIN generate_series(0, 2) m(k)"
            " WHERE m.k = 0 OR (m.k = 1 AND t.first_response_at IS NOT NULL)"
            " OR (m.k = 2 AND t.id %% 4 = 0 AND t.first_response_at IS NOT NULL)",
        ),
        (
            AuditEvent,
            {
                "ticket_id": "id",
                "actor_customer_id": "customer_id",
                "action": "'created'",
                "created_at": "created_at",
            },
            "FROM tickets_ticket",
        ),
        (
            # First response within 4 h; breached when the first reply took longer.
            SlaTarget,
            {
                "ticket_id": "id",
                "kind": "'first_response'",
                "status": "CASE WHEN first_response_at IS NULL THEN 'active'"
                " WHEN first_response_at > created_at + interval '4 hours' THEN 'breached'"
                " ELSE 'achieved' END",
                "target_minutes": "240",
                "started_at": "created_at",
                "due_at": "created_at + interval '4 hours'",
                "breached_at": "CASE WHEN first_response_at > created_at + interval '4 hours'"
                " THEN created_at + interval '4 hours' END",
                "achieved_at": "first_response_at",
            },
            "FROM tickets_ticket",
        ),
        (
            ChatSession,
            {
                "ticket_id": "id",
                "team_id": "team_id",
                "agent_id": "assignee_id",
                "status": "'ended'",
                "queued_at": "created_at - interval '5 minutes'",
                "accepted_at": "CASE WHEN id %% 10 <> 0 THEN created_at - interval '5 minutes'"
                " + (id %% 300) * interval '1 second' END",
                "ended_at": "created_at + (id %% 40) * interval '1 minute'",
                "abandoned": "id %% 10 = 0",
            },
            "FROM tickets_ticket WHERE channel = 'chat'",
        ),
        (
            Call,
            {
                "ticket_id": "id",
                "agent_id": "assignee_id",
                "direction": "'inbound'",
                "started_at": "created_at",
                "answered_at": "CASE WHEN id %% 8 <> 0 THEN created_at + (id %% 90) * interval '1 second' END",
                "ended_at": "created_at + interval '15 minutes'",
                "duration_seconds": "CASE WHEN id %% 8 <> 0 THEN 60 + id %% 800 ELSE 0 END",
                "outcome": "CASE WHEN id %% 8 <> 0 THEN 'resolved' ELSE 'missed' END",
            },
            "FROM tickets_ticket WHERE channel = 'phone'",
        ),
        (
            Invitation,
            {
                "version_id": "CASE WHEN id %% 5 = 0 THEN %(nps)s ELSE %(csat)s END",
                "customer_id": "customer_id",
                "ticket_id": "id",
                "channel": "'email'",
                "nonce": "md5(id::text)",
                "created_at": "solved_at",
                "sent_at": "solved_at",
                "expires_at": "solved_at + interval '14 days'",
                "answered_at": "solved_at + interval '1 hour'",
            },
            "FROM tickets_ticket WHERE solved_at IS NOT NULL AND id %% 7 < 1",
        ),
        (
            Response,
            {
                "invitation_id": "id",
                "version_id": "version_id",
                "kind": "CASE WHEN version_id = %(nps)s THEN 'nps' ELSE 'csat' END",
                "score": "CASE WHEN version_id = %(nps)s THEN id %% 11 ELSE 1 + (id * 7) %% 5 END",
                "created_at": "answered_at",
                "completed_at": "answered_at",
            },
            "FROM feedback_invitation",
        ),
    ]
    for model, columns, source in steps:
        started = time.perf_counter()
        insert_select(model, columns, source, params)
        print(f"  {model._meta.label}: {time.perf_counter() - started:.1f} s", flush=True)
    run("ANALYZE")


def insert_select(model, columns: dict[str, str], source: str, params: dict) -> None:
    """INSERT … SELECT with the given SQL per column; every other NOT NULL column gets the
    model field's default, so the script survives fields other apps add."""
    values = dict(columns)
    params = dict(params)
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in values or field.null:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.column] = "now()"
            continue
        name = f"default_{field.column}"
        params[name] = field.get_db_prep_save(field.get_default(), connection)
        values[field.column] = f"%({name})s"
    statement = "INSERT INTO {} ({}) SELECT {} {}".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(column) for column in values),
        ", ".join(values.values()),
        source,
    )
    run(statement, params)


def median_seconds(call) -> float:
    call()  # warm-up: caches, plans, the span layout of a business calendar
    times = []
    for _run in range(RUNS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=BAR_TICKETS)
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_TICKETS:,} tickets")
    args = parser.parse_args()
    wanted = SMOKE_TICKETS if args.smoke else args.tickets
    call_command("migrate", verbosity=0)
    have = Ticket.objects.count()
    if have and have != wanted:
        print(f"the database holds {have:,} tickets, not {wanted:,}: run with --reseed")
        return 2
    if not have:
        started = time.perf_counter()
        print(f"seeding {wanted:,} tickets into {DB_NAME} …", flush=True)
        seed(wanted)
        print(f"seeded in {time.perf_counter() - started:.0f} s")
    counts = {
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
    }
    print(f"{counts['tickets']:,} tickets, {counts['messages']:,} messages on PostgreSQL")
    for _run in range(2):  # the first run may build every day; the second is the hourly job
        started = time.perf_counter()
        built = rollups.refresh_rollups()
        print(
            f"rollup job: {built} days built in {time.perf_counter() - started:.1f} s", flush=True
        )
    setup_test_environment()
    manager = User.objects.get(username="manager")
    client = Client()
    client.force_login(manager)
    viewer = services.viewer_of(manager)

    def dashboard(days: int):
        def render() -> None:
            response = client.get(f"/analytics/?days={days}")
            assert response.status_code == 200, response.status_code

        return render

    year = services.parse_filters({"days": "365"})
    results = [
        ("manager dashboard, 30 days", median_seconds(dashboard(30))),
        ("manager dashboard, 365 days", median_seconds(dashboard(365))),
        (
            "CSAT by channel, 365 days",
            median_seconds(lambda: services.csat_breakdown(viewer, year, "channel")),
        ),
    ]
    failed = False
    for name, seconds in results:
        verdict = "PASS" if seconds < BAR_SECONDS else "FAIL"
        failed |= verdict == "FAIL"
        print(
            f"{name}: {seconds * 1000:,.0f} ms over {counts['tickets']:,} tickets = "
            f"{counts['tickets'] / seconds:,.0f} tickets/s (bar < {BAR_SECONDS:.0f} s) {verdict}"
        )
    print("(a shared, busy 2-core machine: figures vary from run to run)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
