"""SLA scheduler bar: one pass over 100,000 open tickets in under 10 s on PostgreSQL.

Creates N open tickets, each with an SLA clock and two running targets (first response and
resolution) whose due times are spread over the day around "now" (an hour of them already
overdue, as after a scheduler outage), then times ONE scheduler pass: warnings, breaches and
the breach notifications (e-mails to an in-memory outbox). Runs in a throwaway test database
(``<name>_sla_bench``) beside the one in DATABASE_URL, which it never touches.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test OPORA_TESTING=1 \\
        .venv/bin/python bench/sla.py [--tickets 100000] [--smoke]

Prints tickets/s and PASS/FAIL; exits 1 on FAIL. On SQLite it runs and reports, but the bar
is defined for PostgreSQL.
"""

# Django must be set up before models are imported, hence imports after django.setup().
# ruff: noqa: E402
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

# Run from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
os.environ.setdefault("OPORA_TESTING", "1")

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases, teardown_databases
from django.utils import timezone

from opora.accounts.models import Role, SupportLine, Team, User
from opora.customers.models import Customer
from opora.sla.models import SlaTarget, TargetKind, TicketSla
from opora.sla.scheduler import run_pass
from opora.tickets.models import Status, Ticket

BAR_TICKETS = 100_000
BAR_SECONDS = 10.0
SMOKE_TICKETS = 2_000
BATCH = 5_000
DUE_SPREAD = timedelta(hours=24)
ALREADY_OVERDUE = timedelta(hours=1)


def seed(tickets: int) -> None:
    team = Team.objects.create(name="Bench", line=SupportLine.FIRST, is_default=True)
    agents = [
        User.objects.create(username=f"bench-agent-{i}", email=f"a{i}@example.com", role=Role.AGENT)
        for i in range(20)
    ]
    team.lead = agents[0]
    team.save()
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {i}", email=f"c{i}@example.com") for i in range(500)
    )
    now = timezone.now()
    rng = random.Random(7)
    for offset in range(0, tickets, BATCH):
        size = min(BATCH, tickets - offset)
        created = Ticket.objects.bulk_create(
            Ticket(
                subject=f"Bench {offset + i}",
                customer=customers[(offset + i) % len(customers)],
                status=Status.OPEN,
                team=team,
                assignee=agents[(offset + i) % len(agents)],
                created_at=now - timedelta(hours=2),
            )
            for i in range(size)
        )
        TicketSla.objects.bulk_create(TicketSla(ticket=ticket) for ticket in created)
        targets = []
        for ticket in created:
            for kind, minutes in ((TargetKind.FIRST_RESPONSE, 60), (TargetKind.RESOLUTION, 1440)):
                due = now - ALREADY_OVERDUE + rng.random() * DUE_SPREAD
                targets.append(
                    SlaTarget(
                        ticket=ticket,
                        kind=kind,
                        target_minutes=minutes,
                        started_at=ticket.created_at,
                        due_at=due,
                        warn_at=due - timedelta(minutes=minutes * 0.2),
                    )
                )
        SlaTarget.objects.bulk_create(targets)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=BAR_TICKETS)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_TICKETS} tickets, quick")
    args = parser.parse_args()
    tickets = SMOKE_TICKETS if args.smoke else args.tickets
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    test_settings = connection.settings_dict.setdefault("TEST", {})
    test_settings["NAME"] = f"{connection.settings_dict['NAME']}_sla_bench"
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        seed(tickets)
        print(
            f"seeded {tickets:,} open tickets ({2 * tickets:,} targets) on {connection.vendor} "
            f"in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        report = run_pass()
        elapsed = time.perf_counter() - started
    finally:
        teardown_databases(old_config, verbosity=0)
    rate = tickets / elapsed
    print(
        f"one pass: {elapsed:.2f} s = {rate:,.0f} tickets/s "
        f"({report.breached:,} breached, {report.warned:,} warned, {report.escalated:,} "
        f"escalated, {report.emails:,} e-mails)"
    )
    projected = BAR_TICKETS / rate
    passed = projected < BAR_SECONDS and connection.vendor == "postgresql"
    print(
        f"{'PASS' if passed else 'FAIL'}: {BAR_TICKETS:,} tickets in {projected:.2f} s "
        f"(bar < {BAR_SECONDS:.0f} s on PostgreSQL"
        + ("" if tickets == BAR_TICKETS else f", projected from {tickets:,}")
        + ("" if connection.vendor == "postgresql" else f"; measured on {connection.vendor}")
        + ")"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
