"""Deflection: articles suggested while a customer writes a request, and what came of them.

A DeflectionEvent is recorded when a customer opens an article suggested on the request form.
A **deflected contact** is one customer's suggestion views on one calendar day (in the site's time zone), where the
customer submitted **no ticket within DEFLECTION_WINDOW after any of those views**. Views newer
than the window are still undecided and are not counted. All of it is one query: an Exists()
subquery over the customer's tickets per event, then distinct (user, day) pairs."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Case, Exists, Max, OuterRef, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from opora.tickets.models import Ticket

from .models import Article, DeflectionEvent

DEFLECTION_WINDOW = timedelta(minutes=getattr(settings, "OPORA_DEFLECTION_MINUTES", 30))


def record_suggestion_view(user, article: Article, query: str = "") -> DeflectionEvent | None:
    """Only customers who are logged in can be followed to a ticket (or not)."""
    if not user.is_authenticated or user.is_agent_like:
        return None
    return DeflectionEvent.objects.create(user=user, article=article, query=query[:200])


def deflected_contacts(start: date, end: date, window: timedelta = DEFLECTION_WINDOW) -> int:
    """Deflected contacts whose views fall on days start..end (inclusive)."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = min(
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone), timezone.now() - window
    )
    ticket_followed = Ticket.objects.filter(
        customer__user=OuterRef("user"),
        created_at__gte=OuterRef("created_at"),
        created_at__lt=OuterRef("created_at") + window,
    )
    events = DeflectionEvent.objects.filter(created_at__gte=since, created_at__lt=until).annotate(
        day=TruncDate("created_at"), followed=Exists(ticket_followed)
    )
    contacts = events.values("user", "day").annotate(
        tickets_after=Max(Case(When(followed=True, then=Value(1)), default=Value(0)))
    )
    return contacts.filter(tickets_after=0).count()
