"""Tickets placed at chosen moments, without going through the ticket services (which
stamp the current time): the workforce reads only when and where contacts arrived."""

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone, translation

from opora.customers.models import Customer
from opora.tickets.models import Channel, Ticket
from opora.workforce.planning import planning_zone

PlaceTickets = Callable[..., list[Ticket]]


@pytest.fixture
def place_tickets(erin: Customer) -> PlaceTickets:
    def place(moments: Iterable[datetime], channel: str = Channel.EMAIL, **fields) -> list[Ticket]:
        return Ticket.objects.bulk_create(
            Ticket(subject="contact", customer=erin, channel=channel, created_at=moment, **fields)
            for moment in moments
        )

    return place


@pytest.fixture
def six_weeks_of_contacts(place_tickets: PlaceTickets) -> list[Ticket]:
    """Every day of the last six weeks: e-mails at 10:05 and 10:20, a chat at 14:40."""
    today = timezone.now().astimezone(planning_zone()).date()
    moments = []
    for days_back in range(1, 43):
        day = today - timedelta(days=days_back)
        moments += [
            datetime.combine(day, time(10, 5), planning_zone()),
            datetime.combine(day, time(10, 20), planning_zone()),
        ]
    chats = [
        datetime.combine(today - timedelta(days=days_back), time(14, 40), planning_zone())
        for days_back in range(1, 43)
    ]
    return place_tickets(moments) + place_tickets(chats, channel=Channel.CHAT)


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read English messages, whatever the catalogue translates them to."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
