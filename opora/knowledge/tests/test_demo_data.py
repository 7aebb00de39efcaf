"""The demo's deflected contacts, recounted by hand from the events and the tickets."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.knowledge import demo_data
from opora.knowledge.deflection import DEFLECTION_WINDOW, deflected_contacts
from opora.knowledge.models import DeflectionEvent
from opora.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_demo_deflections_match_a_count_by_hand():
    now = timezone.now()
    seed_demo(tickets=200, customers=40, now=now)
    call_command("seed_knowledge", verbosity=0)
    line = demo_data.seed(now)
    days = {}
    for event in DeflectionEvent.objects.select_related("user__customer"):
        followed = Ticket.objects.filter(
            customer=event.user.customer,
            created_at__gte=event.created_at,
            created_at__lt=event.created_at + DEFLECTION_WINDOW,
        ).exists()
        key = (event.user_id, timezone.localdate(event.created_at))
        days[key] = days.get(key, False) or followed
    by_hand = sum(1 for followed in days.values() if not followed)
    today = timezone.localdate(now)
    assert by_hand > 0
    assert deflected_contacts(today - timedelta(days=60), today) == by_hand
    assert f"{by_hand} deflected contacts" in line
