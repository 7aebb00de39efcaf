"""The phone demo: plausible calls on the core demo's phone tickets and a queue with one overdue."""

import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.telephony import demo_data
from opora.telephony.models import Call, Callback, Outcome
from opora.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db


def test_demo_calls_and_callbacks():
    seed_demo(tickets=200, customers=40)
    now = timezone.now()
    line = demo_data.seed(now)
    phone_tickets = Ticket.objects.filter(channel=Channel.PHONE)
    assert phone_tickets.exists()
    # Every phone ticket has its first (inbound) call, and calls sit only on phone tickets.
    assert set(Call.objects.values_list("ticket_id", flat=True)) == set(
        phone_tickets.values_list("pk", flat=True)
    )
    answered = Call.objects.filter(answered_at__isnull=False)
    durations = sorted(answered.values_list("duration_seconds", flat=True))
    assert durations[0] >= 20 and durations[-1] <= 3600
    assert 120 <= durations[len(durations) // 2] <= 480  # a median of a few minutes
    assert not Call.objects.filter(answered_at__isnull=True, duration_seconds__gt=0).exists()
    assert not Call.objects.filter(
        answered_at__isnull=True, outcome__in=[Outcome.RESOLVED, Outcome.FOLLOW_UP_NEEDED]
    ).exists()
    pending = Callback.objects.pending()
    assert 1 <= pending.count() <= 5
    assert pending.overdue(now).count() == 1
    assert f"Seeded {Call.objects.count()} calls and {pending.count()} pending" in line
