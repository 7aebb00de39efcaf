"""Compensation report bar: totals by kind and by agent, plus the first page, over 200,000 grants
in under 1 s on PostgreSQL; and the grant itself (limit check under a row lock, audit line,
internal note) at >= 20 grants/s — a thousand agents each granting once a minute is 17/s, and
grants are human-paced, so the bar is headroom rather than throughput.

Seeds N granted compensations spread over 90 days and 20 agents, then times the report's three
SQL queries for a 30-day period, and G real grants through opora.authority.services.grant.
Runs in a throwaway test database (``<name>_authority_bench``) beside the one in DATABASE_URL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test OPORA_TESTING=1 \\
        .venv/bin/python bench/authority.py [--grants 200000] [--smoke]

Prints the figures against the bars and exits 1 on FAIL (the report bar is for PostgreSQL).
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
from decimal import Decimal
from pathlib import Path

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
from opora.authority import services
from opora.authority.models import AuthorityLimit, Compensation, CompensationStatus
from opora.customers.models import Customer
from opora.tickets.models import Status, Ticket

BAR_GRANTS = 200_000
BAR_REPORT_SECONDS = 1.0
BAR_GRANTS_PER_SECOND = 20.0
SMOKE_GRANTS = 5_000
TIMED_GRANTS = 200
BATCH = 5_000
KINDS = ["refund", "credit", "replacement", "goodwill"]


def seed(grants: int) -> tuple[list[User], list[Ticket]]:
    team = Team.objects.create(name="Bench", line=SupportLine.FIRST, is_default=True)
    agents = [
        User.objects.create(username=f"bench-agent-{i}", email=f"a{i}@example.com", role=Role.AGENT)
        for i in range(20)
    ]
    team.members.add(*agents)
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {i}", email=f"c{i}@example.com") for i in range(200)
    )
    tickets = Ticket.objects.bulk_create(
        Ticket(subject=f"Bench {i}", customer=customers[i % 200], status=Status.OPEN, team=team)
        for i in range(2_000)
    )
    now = timezone.now()
    rng = random.Random(7)
    for offset in range(0, grants, BATCH):
        rows = []
        for _ in range(min(BATCH, grants - offset)):
            agent = rng.choice(agents)
            moment = now - timedelta(minutes=rng.randrange(90 * 1440))
            rows.append(
                Compensation(
                    ticket=rng.choice(tickets),
                    kind=rng.choice(KINDS),
                    amount=Decimal(rng.randrange(100, 300_000)) / 100,
                    reason="bench",
                    status=CompensationStatus.GRANTED,
                    requested_by=agent,
                    authorised_by=agent,
                    created_at=moment,
                    granted_at=moment,
                )
            )
        Compensation.objects.bulk_create(rows)
    AuthorityLimit.objects.create(
        role=Role.AGENT, kind="", max_amount=Decimal("3000"), max_count=None, period="week"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return agents, tickets


def time_report() -> float:
    today = timezone.localdate()
    filters = services.report_filters(since=(today - timedelta(days=29)).isoformat())
    started = time.perf_counter()
    rows = services.filtered(Compensation.objects.all(), filters)
    services.totals(rows, "kind")
    services.totals(rows, "agent")
    list(rows.select_related("ticket", "requested_by").order_by("-pk")[:25])
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=BAR_GRANTS)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_GRANTS} grants, quick")
    args = parser.parse_args()
    grants = SMOKE_GRANTS if args.smoke else args.grants
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    test_settings = connection.settings_dict.setdefault("TEST", {})
    test_settings["NAME"] = f"{connection.settings_dict['NAME']}_authority_bench"
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        agents, tickets = seed(grants)
        print(
            f"seeded {grants:,} grants on {connection.vendor} in {time.perf_counter() - started:.1f} s"
        )
        time_report()  # warm caches, as a dashboard that is already open
        report_seconds = min(time_report() for _ in range(3))
        started = time.perf_counter()
        for index in range(TIMED_GRANTS):
            services.grant(
                tickets[index],
                agents[index % len(agents)],
                kind="goodwill",
                amount="100",
                reason="bench",
            )
        grant_rate = TIMED_GRANTS / (time.perf_counter() - started)
    finally:
        teardown_databases(old_config, verbosity=0)
    projected = report_seconds * BAR_GRANTS / grants
    report_ok = projected < BAR_REPORT_SECONDS and connection.vendor == "postgresql"
    grants_ok = grant_rate >= BAR_GRANTS_PER_SECOND
    print(
        f"{'PASS' if report_ok else 'FAIL'}: 30-day report (totals by kind and agent, first page) "
        f"over {BAR_GRANTS:,} grants in {projected:.3f} s (bar < {BAR_REPORT_SECONDS:.0f} s on "
        f"PostgreSQL" + ("" if grants == BAR_GRANTS else f", projected from {grants:,}") + ")"
    )
    print(
        f"{'PASS' if grants_ok else 'FAIL'}: {grant_rate:,.0f} grants/s through the service "
        f"(bar >= {BAR_GRANTS_PER_SECOND:.0f}/s; load average {os.getloadavg()[0]:.1f} while measured)"
    )
    return 0 if report_ok and grants_ok else 1


if __name__ == "__main__":
    sys.exit(main())
