"""The SLA panel of the ticket page: one query for all of a ticket's targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.sla.models import SlaTarget, TargetStatus
from opora.sla.services import business_minutes_left
from opora.tickets.models import Ticket

register = template.Library()


@dataclass(frozen=True)
class TargetRow:
    target: SlaTarget
    state: str  # running, warning, paused, breached, achieved, late
    badge_class: str  # the workspace's existing colours
    remaining: str  # "2 h 15 min left", "overdue by 40 min", or ""


# Existing badge colours: neutral, amber, blue, red, green, red.
_BADGE_CLASSES = {
    "running": "",
    "warning": "status-new",
    "paused": "status-pending",
    "breached": "priority-urgent",
    "achieved": "status-solved",
    "late": "priority-urgent",
}


def format_minutes(minutes: float) -> str:
    """Business time for people: "2 h 15 min", "40 min", "3 h"."""
    whole = max(0, round(minutes))
    hours, rest = divmod(whole, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


def _row(target: SlaTarget, now: datetime) -> TargetRow:
    if target.status == TargetStatus.ACHIEVED:
        state = "late" if target.is_late else "achieved"
        return TargetRow(target, state, _BADGE_CLASSES[state], "")
    if target.status == TargetStatus.PAUSED:
        return TargetRow(target, "paused", _BADGE_CLASSES["paused"], "")
    left = business_minutes_left(target, now) or 0.0
    if left <= 0 or target.status == TargetStatus.BREACHED:
        remaining = _("overdue by %(duration)s") % {"duration": format_minutes(-left)}
        return TargetRow(target, "breached", _BADGE_CLASSES["breached"], remaining)
    state = "warning" if target.warn_at and target.warn_at <= now else "running"
    remaining = _("%(duration)s left") % {"duration": format_minutes(left)}
    return TargetRow(target, state, _BADGE_CLASSES[state], remaining)


@register.simple_tag
def sla_rows(ticket: Ticket) -> list[TargetRow]:
    """The ticket's targets, running ones first, then history; stopped ones are left out."""
    targets = (
        SlaTarget.objects.filter(ticket=ticket)
        .exclude(status=TargetStatus.STOPPED)
        .select_related("policy__calendar")
    )
    now = timezone.now()
    rows = [_row(target, now) for target in targets]
    return sorted(rows, key=lambda row: row.state in ("achieved", "late"))


@register.simple_tag(takes_context=True)
def viewer_time_zone(context: template.Context) -> str:
    """The signed-in person's own zone, so due times read as their wall clock."""
    user = context.get("user")
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return settings.TIME_ZONE
    return name
