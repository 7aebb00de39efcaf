"""QA bar: drawing a month's sample and computing QA trends stay fast for a large centre.

Seeds N solved tickets over 30 days across 100 agents and 4 channels, a CSAT ≤ 2 response on
1 % of them, and N/2 reviews; then times (1) draw_sample (5 per agent, stratified by channel, plus
every low-CSAT and reopened ticket) and (2) the weekly QA trend per agent and per team. Runs in a
throwaway test database (``<name>_quality_bench``) beside the one in DATABASE_URL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test OPORA_TESTING=1 \\
        .venv/bin/python bench/quality.py [--tickets 100000] [--smoke]

Bar (set by the QA issue): a sample over 100,000 tickets in < 3 s and both trends over 50,000
reviews in < 1 s, on PostgreSQL. Prints tickets/s and reviews/s and PASS/FAIL; exits 1 on FAIL.
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
os.environ.setdefault("OPORA_TESTING", "1")

import django

django.setup()

from django.db import connection
from django.test.utils import setup_databases, teardown_databases
from django.utils import timezone

from opora.accounts.models import Role, SupportLine, Team, User
from opora.customers.models import Customer
from opora.feedback.models import Invitation, Response, SurveyKind, SurveyVersion
from opora.quality import services
from opora.quality.models import Criterion, Review, Scorecard
from opora.tickets.models import Channel, Status, Ticket

BAR_TICKETS = 100_000
BAR_SAMPLE_SECONDS = 3.0
BAR_TREND_SECONDS = 1.0
SMOKE_TICKETS = 5_000
BATCH = 5_000
CHANNELS = [Channel.EMAIL, Channel.CHAT, Channel.PHONE, Channel.PORTAL]


def seed(tickets: int) -> tuple[User, Scorecard]:
    rng = random.Random(7)
    teams = [Team.objects.create(name=f"Bench {i}", line=SupportLine.FIRST) for i in range(5)]
    agents = User.objects.bulk_create(
        User(username=f"bench-agent-{i}", role=Role.AGENT) for i in range(100)
    )
    lead = User.objects.create(username="bench-lead", role=Role.MANAGER)
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {i}", email=f"c{i}@example.com") for i in range(500)
    )
    card = Scorecard.objects.create(name="Bench")
    Criterion.objects.create(scorecard=card, title="Right answer")
    # The CSAT survey and its first version come with the feedback migrations.
    version = SurveyVersion.objects.filter(survey__kind=SurveyKind.CSAT).earliest("pk")
    now = timezone.now()
    for offset in range(0, tickets, BATCH):
        size = min(BATCH, tickets - offset)
        created = Ticket.objects.bulk_create(
            Ticket(
                subject=f"Bench {offset + i}",
                customer=customers[(offset + i) % len(customers)],
                status=Status.SOLVED,
                channel=rng.choice(CHANNELS),
                team=teams[(offset + i) % 5],
                assignee=agents[(offset + i) % len(agents)],
                reopen_count=1 if rng.random() < 0.01 else 0,
                created_at=now - timedelta(days=30),
                solved_at=now - timedelta(seconds=rng.randint(0, 29 * 86400)),
            )
            for i in range(size)
        )
        low = [t for t in created if rng.random() < 0.01]
        invitations = Invitation.objects.bulk_create(
            Invitation(
                version=version,
                ticket=t,
                customer=t.customer,
                channel="email",
                expires_at=now,
            )
            for t in low
        )
        Response.objects.bulk_create(
            Response(invitation=i, version=version, kind=SurveyKind.CSAT, score=1)
            for i in invitations
        )
        Review.objects.bulk_create(
            Review(
                ticket=t,
                scorecard=card,
                agent_id=t.assignee_id,
                team_id=t.team_id,
                reviewer=lead,
                score=rng.choice((60.0, 80.0, 100.0)),
                created_at=t.solved_at,
            )
            for t in created[::2]
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return lead, card


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=BAR_TICKETS)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_TICKETS} tickets, quick")
    args = parser.parse_args()
    tickets = SMOKE_TICKETS if args.smoke else args.tickets
    test_settings = connection.settings_dict.setdefault("TEST", {})
    test_settings["NAME"] = f"{connection.settings_dict['NAME']}_quality_bench"
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        lead, card = seed(tickets)
        print(
            f"seeded {tickets:,} tickets on {connection.vendor} in {time.perf_counter() - started:.1f} s"
        )
        today = timezone.localdate()
        started = time.perf_counter()
        run = services.draw_sample(
            lead,
            card,
            today - timedelta(days=30),
            today,
            per_agent=5,
            seed=1,
            csat_at_most=2,
            reopened=True,
        )
        sample_seconds = time.perf_counter() - started
        sampled = run.items.count()
        reviews = Review.objects.count()
        started = time.perf_counter()
        by_agent = services.score_trend(Review.objects.all(), "agent")
        by_team = services.score_trend(Review.objects.all(), "team")
        trend_seconds = time.perf_counter() - started
    finally:
        teardown_databases(old_config, verbosity=0)
    print(
        f"sample: {sampled:,} tickets picked from {tickets:,} in {sample_seconds:.2f} s "
        f"= {tickets / sample_seconds:,.0f} tickets/s"
    )
    print(
        f"trends: {len(by_agent):,} agent-weeks and {len(by_team):,} team-weeks over "
        f"{reviews:,} reviews in {trend_seconds:.2f} s = {reviews / trend_seconds:,.0f} reviews/s"
    )
    scale = BAR_TICKETS / tickets
    projected_sample = sample_seconds * scale
    projected_trend = trend_seconds * scale
    passed = (
        projected_sample < BAR_SAMPLE_SECONDS
        and projected_trend < BAR_TREND_SECONDS
        and connection.vendor == "postgresql"
    )
    print(
        f"{'PASS' if passed else 'FAIL'}: sample {projected_sample:.2f} s (bar < {BAR_SAMPLE_SECONDS:.0f} s), "
        f"trends {projected_trend:.2f} s (bar < {BAR_TREND_SECONDS:.0f} s) for {BAR_TICKETS:,} tickets"
        + ("" if tickets == BAR_TICKETS else f", projected linearly from {tickets:,}")
        + ("" if connection.vendor == "postgresql" else f"; measured on {connection.vendor}")
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
