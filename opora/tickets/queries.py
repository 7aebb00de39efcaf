"""Ticket lists for the workspace: the built-in views, filters and sort orders."""

from datetime import timedelta

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Team, User

from .models import UNSOLVED_STATUSES, TicketQuerySet

# Until SLA policies apply, "overdue" is the default promise: a human reply within 24 hours.
DEFAULT_FIRST_REPLY_PROMISE = timedelta(hours=24)

BUILT_IN_VIEWS = {
    "my_open": _("My open tickets"),
    "unassigned": _("Unassigned"),
    "team": _("My teams' queue"),
    "overdue": _("Overdue"),
    "all": _("All visible"),
}

SORTS = {
    "-updated": ("-updated_at", _("Recently updated")),
    "-created": ("-created_at", _("Newest")),
    "created": ("created_at", _("Oldest")),
    "priority": ("priority_rank", _("Priority")),
}


def apply_view(tickets: TicketQuerySet, user: User, view: str) -> TicketQuerySet:
    if view == "my_open":
        return tickets.filter(assignee=user, status__in=UNSOLVED_STATUSES)
    if view == "unassigned":
        return tickets.filter(assignee__isnull=True, status__in=UNSOLVED_STATUSES)
    if view == "team":
        my_teams = Team.members.through.objects.filter(user=user).values("team_id")
        return tickets.filter(team_id__in=my_teams, status__in=UNSOLVED_STATUSES)
    if view == "overdue":
        cutoff = timezone.now() - DEFAULT_FIRST_REPLY_PROMISE
        return tickets.filter(
            status__in=UNSOLVED_STATUSES, first_response_at__isnull=True, created_at__lt=cutoff
        )
    return tickets


# Query parameter -> ORM lookup.
FILTER_LOOKUPS = {
    "status": "status",
    "priority": "priority",
    "channel": "channel",
    "type": "type",
    "team": "team_id",
    "assignee": "assignee_id",
    "reason": "reason_id",
    "tag": "tags__name",
}


def apply_filters(tickets: TicketQuerySet, params: QueryDict) -> TicketQuerySet:
    for name, lookup in FILTER_LOOKUPS.items():
        value = params.get(name, "").strip()
        if not value:
            continue
        if lookup.endswith("_id"):
            if value == "none":
                tickets = tickets.filter(**{f"{lookup.removesuffix('_id')}__isnull": True})
                continue
            if not value.isdigit():
                continue
        tickets = tickets.filter(**{lookup: value})
    query = params.get("q", "").strip()[:200]
    if query:
        condition = (
            Q(subject__icontains=query)
            | Q(customer__name__icontains=query)
            | Q(customer__email__icontains=query)
        )
        if query.lstrip("#").isdigit():
            condition |= Q(pk=int(query.lstrip("#")[:18]))
        tickets = tickets.filter(condition)
    return tickets


def apply_sort(tickets: TicketQuerySet, sort: str) -> TicketQuerySet:
    order, _label = SORTS.get(sort, SORTS["-updated"])
    if order == "priority_rank":
        rank = Case(
            When(priority="urgent", then=Value(0)),
            When(priority="high", then=Value(1)),
            When(priority="normal", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        return tickets.annotate(priority_rank=rank).order_by("priority_rank", "-updated_at", "-pk")
    return tickets.order_by(order, "-pk")
