"""One scheduler pass over every running SLA target: warnings, breaches, escalations.

The pass is set-based: a handful of conditional UPDATEs over the partial indexes on
``SlaTarget``, whatever the number of tickets. Only escalations that change a ticket (raise
its priority, move it to the next line) go ticket by ticket, through the ticket services, so
the audit trail shows them with ``via="sla"``.

Running late or twice is safe:

* a breach is recorded at its due time (``breached_at = due_at``), not when it was noticed;
* a target already past due when the pass runs is breached, never warned as well;
* ``warned_at``, ``breached_at`` and ``escalated_at`` are only set where still empty, so each
  happens once; two concurrent passes split the breached targets between them with
  ``SELECT … FOR UPDATE SKIP LOCKED``.

Escalation is at most once: the claim (``escalated_at``) and the e-mails (queued for the task
workers on commit, see :mod:`opora.sla.notifications`) go with the set-based transaction; changes to the ticket follow in a transaction per ticket, so a
ticket locked by an agent cannot deadlock with the pass (services lock the ticket, then its
targets; the pass never holds a target lock while waiting for a ticket). A crash between the
two loses that ticket's priority raise or line move, never doubles it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.accounts.models import Team
from opora.core.errors import OporaError
from opora.tickets import services as ticket_services
from opora.tickets.models import Priority, Status, Ticket

from . import notifications
from .models import LIVE_STATUSES, SlaTarget, TargetStatus, breach_actions_of

logger = logging.getLogger(__name__)

SLA_ACTOR = ticket_services.Actor(via="sla")
PRIORITY_ORDER = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)


@dataclass
class PassReport:
    stopped: int = 0  # targets of tickets closed without a signal (merged)
    breached: int = 0
    warned: int = 0
    escalated: int = 0  # breached targets handled (notified and/or acted on)
    emails: int = 0  # breach e-mails queued for the task workers
    tickets_changed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Escalation:
    ticket: Ticket
    targets: list[SlaTarget]

    @property
    def raise_priority(self) -> bool:
        return any(breach_actions_of(t.policy).raise_priority for t in self.targets)

    @property
    def move_line(self) -> bool:
        return any(breach_actions_of(t.policy).move_line for t in self.targets)

    @property
    def notify(self) -> bool:
        return any(breach_actions_of(t.policy).notify for t in self.targets)


def run_pass(now: datetime | None = None) -> PassReport:
    """Evaluate every running target once, as of ``now``."""
    now = now or timezone.now()
    report = PassReport()
    with transaction.atomic():
        live = SlaTarget.objects.filter(status__in=LIVE_STATUSES)
        report.stopped = live.filter(ticket__status=Status.CLOSED).update(
            status=TargetStatus.STOPPED
        )
        active = SlaTarget.objects.filter(status=TargetStatus.ACTIVE)
        # Breaches first, so a pass that runs late does not also warn about them.
        report.breached = active.filter(due_at__lte=now).update(
            status=TargetStatus.BREACHED, breached_at=F("due_at")
        )
        report.warned = active.filter(warned_at__isnull=True, warn_at__lte=now).update(
            warned_at=now
        )
        escalations = _claim_breaches(now)
        report.escalated = sum(len(escalation.targets) for escalation in escalations)
        mails = [
            mail
            for escalation in escalations
            if escalation.notify
            for mail in notifications.compose(escalation.ticket, escalation.targets)
        ]
        report.emails = len(mails)
        notifications.send_on_commit(mails)
    for escalation in escalations:
        if (escalation.raise_priority or escalation.move_line) and _act(escalation):
            report.tickets_changed.append(escalation.ticket.pk)
    return report


def _claim_breaches(now: datetime) -> list[_Escalation]:
    """Breached targets not yet escalated, locked for this pass and marked escalated."""
    claimed = list(
        SlaTarget.objects.filter(status=TargetStatus.BREACHED, escalated_at__isnull=True)
        .select_related("policy", "ticket__assignee", "ticket__team__lead")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("ticket_id", "pk")
    )
    if not claimed:
        return []
    SlaTarget.objects.filter(pk__in=[target.pk for target in claimed]).update(escalated_at=now)
    by_ticket: dict[int, list[SlaTarget]] = defaultdict(list)
    for target in claimed:
        by_ticket[target.ticket_id].append(target)
    return [_Escalation(targets[0].ticket, targets) for targets in by_ticket.values()]


def next_line_team(team: Team | None) -> Team | None:
    """A team of the next support line: the default one if that line has it, else by name."""
    if team is None:
        return None
    return Team.objects.filter(line=team.line + 1).order_by("-is_default", "name", "pk").first()


def _act(escalation: _Escalation) -> bool:
    """Raise the priority and/or move the ticket up a line, audited as via="sla"."""
    try:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=escalation.ticket.pk)
            if not ticket.is_unsolved:
                return False
            changed = False
            position = PRIORITY_ORDER.index(ticket.priority)
            if escalation.raise_priority and position + 1 < len(PRIORITY_ORDER):
                ticket = ticket_services.update_ticket(
                    ticket, SLA_ACTOR, {"priority": PRIORITY_ORDER[position + 1]}
                )
                changed = True
            target_team = next_line_team(ticket.team) if escalation.move_line else None
            if target_team is not None:
                kinds = ", ".join(str(t.get_kind_display()) for t in escalation.targets)
                ticket_services.escalate(
                    ticket,
                    SLA_ACTOR,
                    target_team,
                    _("SLA breached: %(targets)s") % {"targets": kinds},
                )
                changed = True
            return changed
    except OporaError:
        logger.exception("SLA escalation of ticket #%s refused", escalation.ticket.pk)
        return False
