"""Ticket lists for the workspace: the built-in views, filters and sort orders."""

from datetime import timedelta

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Team, User

from .models import UNSOLVED_STATUSES, Ticket, TicketQuerySet

# Where no SLA clock runs (tickets from before SLA tracking), "overdue" means the default
# promise was missed: a human reply within 24 hours.
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
        now = timezone.now()
        # SLA targets belong to the sla app; reached through the reverse relation so that
        # tickets do not import it.
        targets = Ticket._meta.get_field("sla_targets").related_model.objects.filter(
            ticket=OuterRef("pk")
        )
        missed = targets.filter(
            Q(status="active", due_at__lt=now) | Q(status="breached", achieved_at__isnull=True)
        )
        # Tickets from before SLA tracking fall back to the default promise of a first reply.
        unanswered = Q(
            first_response_at__isnull=True, created_at__lt=now - DEFAULT_FIRST_REPLY_PROMISE
        ) & ~Exists(targets)
        return tickets.filter(Q(Exists(missed)) | unanswered, status__in=UNSOLVED_STATUSES)
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
