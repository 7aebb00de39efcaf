"""The improvement backlog's rules: creating items from any source (``create_item``, also for
other areas such as QA and audits), linking tickets, scoring, the ideas box, and the
before/after effect of finished items.

Everyone on the staff sees the backlog (it is the company's list of fixes); linked tickets and
the figures behind the effect are limited to the tickets each person may see. Leads (managers,
admins, team leads) edit, prioritise and accept ideas; customers are refused everywhere.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.accounts.models import Role, User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from opora.feedback.models import Response, SurveyKind
from opora.feedback.services import visible_responses
from opora.tickets.access import get_visible_ticket, require_staff, visible_tickets
from opora.tickets.models import ContactReason, Ticket

from . import comparison, scoring
from .models import (
    OPEN_STATUSES,
    FactorWeight,
    Idea,
    IdeaStatus,
    IdeaVote,
    ImprovementItem,
    ItemStatus,
    ItemTicket,
    SourceKind,
)

DEFAULT_EFFECT_DAYS = 28

# Which status may follow which; reopening a finished item clears its completion date.
TRANSITIONS: dict[str, set[str]] = {
    ItemStatus.PROPOSED: {ItemStatus.ACCEPTED, ItemStatus.IN_PROGRESS, ItemStatus.REJECTED},
    ItemStatus.ACCEPTED: {ItemStatus.IN_PROGRESS, ItemStatus.DONE, ItemStatus.REJECTED},
    ItemStatus.IN_PROGRESS: {ItemStatus.ACCEPTED, ItemStatus.DONE, ItemStatus.REJECTED},
    ItemStatus.DONE: {ItemStatus.IN_PROGRESS},
    ItemStatus.REJECTED: {ItemStatus.PROPOSED},
}


# ---------------------------------------------------------------- who may do what


def is_lead(user: User) -> bool:
    return user.is_authenticated and (
        user.role in {Role.ADMIN, Role.MANAGER} or user.led_teams.exists()
    )


def require_lead(user: User) -> None:
    require_staff(user)
    if not is_lead(user):
        raise Forbidden(_("Only a team lead or a manager may do this"))


def visible_items(user: User) -> QuerySet[ImprovementItem]:
    if not user.is_authenticated or not user.is_agent_like:
        return ImprovementItem.objects.none()
    return ImprovementItem.objects.select_related("owner")


def visible_ideas(user: User) -> QuerySet[Idea]:
    if not user.is_authenticated or not user.is_agent_like:
        return Idea.objects.none()
    return Idea.objects.select_related("author", "item").annotate(vote_count=Count("votes"))


# ---------------------------------------------------------------- scoring


def current_weights() -> dict[str, float]:
    weights = dict(scoring.DEFAULT_WEIGHTS)
    weights.update({row.factor: float(row.weight) for row in FactorWeight.objects.all()})
    return weights


def _apply_score(item: ImprovementItem, linked: int, weights: Mapping[str, float]) -> None:
    ratings = item.ratings(linked)
    item.score = scoring.score(ratings, weights)
    item.is_safety = scoring.is_safety_issue(ratings)


def rescore(item: ImprovementItem) -> ImprovementItem:
    _apply_score(item, item.ticket_links.count(), current_weights())
    ImprovementItem.objects.filter(pk=item.pk).update(score=item.score, is_safety=item.is_safety)
    return item


def rescore_all() -> int:
    """After the weights change: every item's stored score, in one read and one bulk write."""
    weights = current_weights()
    items = list(ImprovementItem.objects.annotate(linked=Count("ticket_links")))
    for item in items:
        _apply_score(item, item.linked, weights)
    ImprovementItem.objects.bulk_update(items, ["score", "is_safety"], batch_size=500)
    return len(items)


def clean_ratings(ratings: Mapping[str, int | None]) -> dict[str, int | None]:
    cleaned: dict[str, int | None] = {}
    for factor, value in ratings.items():
        if factor not in scoring.FACTORS:
            raise InvalidInput(
                _("Unknown factor: %(factor)s") % {"factor": factor}, fields={factor: "unknown"}
            )
        if value is None and factor == "frequency":
            cleaned[factor] = None  # derived from linked tickets
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= scoring.MAX_RATING
        ):
            raise InvalidInput(
                _("Rate %(factor)s from 0 to %(max)s")
                % {"factor": factor, "max": scoring.MAX_RATING},
                fields={factor: "out_of_range"},
            )
        cleaned[factor] = value
    return cleaned


# ---------------------------------------------------------------- creating items


def _text(value: str, field: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(
            _("%(label)s must not be empty") % {"label": label}, fields={field: "required"}
        )
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(limit)s characters)")
            % {"label": label, "limit": limit},
            fields={field: "too_long"},
        )
    return value


def _check_owner(owner: User | None) -> None:
    if owner is not None and not owner.is_agent_like:
        raise InvalidInput(_("The owner must be a member of staff"), fields={"owner": "not_staff"})


@transaction.atomic
def create_item(
    source_kind: str,
    source_ref: str | int,
    title: str,
    *,
    description: str = "",
    created_by: User | None = None,
    tickets: Iterable[Ticket] = (),
    reasons: Iterable[ContactReason] = (),
    ratings: Mapping[str, int | None] | None = None,
    owner: User | None = None,
    owner_name: str = "",
    owner_department: str = "",
    status: str = ItemStatus.PROPOSED,
) -> ImprovementItem:
    """Put a problem on the backlog (for any area: QA reviews, audits, surveys…).

    The caller has already decided the person may do this. The same ``source_kind`` +
    ``source_ref`` + ``title`` returns the existing item (with any new tickets and reasons
    linked to it) instead of a duplicate. Ratings are 0-5 per factor (``scoring.FACTORS``);
    an unrated frequency follows the number of linked tickets."""
    if source_kind not in SourceKind.values:
        raise InvalidInput(
            _("Unknown source: %(kind)s") % {"kind": source_kind}, fields={"source_kind": "invalid"}
        )
    if status not in ItemStatus.values:
        raise InvalidInput(
            _("Unknown status: %(status)s") % {"status": status}, fields={"status": "invalid"}
        )
    title = _text(title, "title", _("Title"), 200)
    source_ref = str(source_ref or "").strip()[:100]
    cleaned = clean_ratings(ratings or {})
    _check_owner(owner)
    item = None
    if source_ref:
        item = ImprovementItem.objects.filter(
            source_kind=source_kind, source_ref=source_ref, title=title
        ).first()
    if item is None:
        try:
            with transaction.atomic():
                item = ImprovementItem.objects.create(
                    source_kind=source_kind,
                    source_ref=source_ref,
                    title=title,
                    description=(description or "").strip(),
                    created_by=created_by,
                    owner=owner,
                    owner_name=owner_name.strip()[:150],
                    owner_department=owner_department.strip()[:150],
                    status=status,
                    completed_at=timezone.now() if status == ItemStatus.DONE else None,
                    **cleaned,
                )
        except IntegrityError:
            # Someone created the same item a moment ago: theirs is the one.
            item = ImprovementItem.objects.get(
                source_kind=source_kind, source_ref=source_ref, title=title
            )
    for ticket in tickets:
        ItemTicket.objects.get_or_create(
            item=item, ticket=ticket, defaults={"linked_by": created_by}
        )
    reasons = [reason for reason in reasons if reason is not None]
    if reasons:
        item.reasons.add(*reasons)
    return rescore(item)


def propose_from_ticket(
    user: User, ticket: Ticket, title: str, description: str = ""
) -> ImprovementItem:
    require_staff(user)
    ticket = get_visible_ticket(user, ticket.pk)
    return create_item(
        SourceKind.TICKET,
        ticket.pk,
        title,
        description=description,
        created_by=user,
        tickets=[ticket],
        reasons=[ticket.reason] if ticket.reason_id else [],
    )


def propose_from_reason(
    user: User, reason: ContactReason, title: str = "", description: str = ""
) -> ImprovementItem:
    require_staff(user)
    title = title.strip() or _("Fewer contacts about %(reason)s") % {"reason": reason.path_label}
    return create_item(
        SourceKind.REASON_TREND,
        reason.pk,
        title,
        description=description,
        created_by=user,
        reasons=[reason],
    )


def propose_from_response(
    user: User, response: Response, title: str = "", description: str = ""
) -> ImprovementItem:
    require_staff(user)
    response = (
        visible_responses(user)
        .select_related("invitation__ticket__reason")
        .filter(pk=response.pk)
        .first()
    )
    if response is None:
        raise NotFound(_("Survey response not found"))
    ticket = response.invitation.ticket
    title = title.strip() or (
        response.comment.strip()[:120] or _("Survey response #%(id)s") % {"id": response.pk}
    )
    return create_item(
        SourceKind.SURVEY,
        response.pk,
        title,
        description=description or response.comment,
        created_by=user,
        tickets=[ticket] if ticket else [],
        reasons=[ticket.reason] if ticket and ticket.reason_id else [],
    )


@transaction.atomic
def link_ticket(user: User, item: ImprovementItem, ticket: Ticket) -> ImprovementItem:
    """Another ticket with the same problem: raises a derived frequency. Linking twice is a no-op."""
    require_staff(user)
    ticket = get_visible_ticket(user, ticket.pk)
    if item.status not in OPEN_STATUSES:
        raise InvalidTransition(_("Tickets can be linked to open items only"))
    ItemTicket.objects.get_or_create(item=item, ticket=ticket, defaults={"linked_by": user})
    if ticket.reason_id:
        item.reasons.add(ticket.reason_id)
    return rescore(item)


# ---------------------------------------------------------------- editing items

EDITABLE = ("title", "description", "status", "owner", "owner_name", "owner_department", "reasons")


@transaction.atomic
def update_item(
    user: User, item: ImprovementItem, changes: Mapping, ratings: Mapping | None = None
) -> ImprovementItem:
    require_lead(user)
    item = ImprovementItem.objects.select_for_update().get(pk=item.pk)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(
            _("Field %(field)s cannot be changed") % {"field": ", ".join(sorted(unknown))},
            fields={name: "read_only" for name in unknown},
        )
    if "title" in changes:
        item.title = _text(changes["title"], "title", _("Title"), 200)
    if "description" in changes:
        item.description = (changes["description"] or "").strip()
    if "owner" in changes:
        _check_owner(changes["owner"])
        item.owner = changes["owner"]
    for name in ("owner_name", "owner_department"):
        if name in changes:
            setattr(item, name, (changes[name] or "").strip()[:150])
    if "status" in changes and changes["status"] != item.status:
        new = changes["status"]
        if new not in TRANSITIONS.get(item.status, set()):
            raise InvalidTransition(
                _("An item cannot go from %(old)s to %(new)s")
                % {
                    "old": ItemStatus(item.status).label,
                    "new": ItemStatus(new).label if new in ItemStatus.values else new,
                },
                fields={"status": "invalid_transition"},
            )
        item.completed_at = timezone.now() if new == ItemStatus.DONE else None
        item.status = new
    for factor, value in clean_ratings(ratings or {}).items():
        setattr(item, factor, value)
    item.save()
    if "reasons" in changes:
        item.reasons.set(changes["reasons"])
    return rescore(item)


# ---------------------------------------------------------------- ideas box


def submit_idea(user: User, title: str, description: str = "") -> Idea:
    require_staff(user)
    return Idea.objects.create(
        author=user,
        title=_text(title, "title", _("Title"), 200),
        description=(description or "").strip(),
    )


def _open_idea(idea: Idea) -> Idea:
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    if idea.status != IdeaStatus.OPEN:
        raise InvalidTransition(_("This idea has already been decided"))
    return idea


@transaction.atomic
def vote(user: User, idea: Idea) -> bool:
    """Upvote a colleague's idea; voting again changes nothing. True if the vote is new."""
    require_staff(user)
    idea = _open_idea(idea)
    if idea.author_id == user.pk:
        raise InvalidInput(
            _("Colleagues vote for an idea; its author cannot"), fields={"idea": "own_idea"}
        )
    _vote, created = IdeaVote.objects.get_or_create(idea=idea, voter=user)
    return created


@transaction.atomic
def unvote(user: User, idea: Idea) -> bool:
    require_staff(user)
    idea = _open_idea(idea)
    deleted, _rows = IdeaVote.objects.filter(idea=idea, voter=user).delete()
    return bool(deleted)


@transaction.atomic
def accept_idea(user: User, idea: Idea, note: str = "") -> ImprovementItem:
    require_lead(user)
    idea = _open_idea(idea)
    item = create_item(
        SourceKind.IDEA,
        idea.pk,
        idea.title,
        description=idea.description,
        created_by=user,
        status=ItemStatus.ACCEPTED,
    )
    idea.status = IdeaStatus.ACCEPTED
    idea.item = item
    idea.decided_by = user
    idea.decided_at = timezone.now()
    idea.decision_note = (note or "").strip()
    idea.save()
    return item


@transaction.atomic
def decline_idea(user: User, idea: Idea, note: str) -> Idea:
    require_lead(user)
    idea = _open_idea(idea)
    idea.status = IdeaStatus.DECLINED
    idea.decided_by = user
    idea.decided_at = timezone.now()
    idea.decision_note = _text(note, "note", _("The reason for declining"), 2000)
    idea.save()
    return idea


# ---------------------------------------------------------------- effect and trends


def _reason_scope(item: ImprovementItem) -> QuerySet[ContactReason]:
    """The linked reasons and their sub-reasons."""
    linked = item.reasons.values("pk")
    return ContactReason.objects.filter(Q(pk__in=linked) | Q(parent__in=linked)).values("pk")


def effect(
    user: User, item: ImprovementItem, days: int = DEFAULT_EFFECT_DAYS, now: datetime | None = None
) -> comparison.Comparison | None:
    """Contacts and CSAT for the item's reasons in equal windows before and after completion.

    None until the item is done. Counted in SQL over the tickets the user may see."""
    if item.completed_at is None:
        return None
    if not 1 <= days <= 366:
        raise InvalidInput(_("The window must be 1 to 366 days"), fields={"days": "out_of_range"})
    before, after = comparison.windows(item.completed_at, now or timezone.now(), days)
    done = item.completed_at
    tickets = visible_tickets(user).filter(
        reason__in=_reason_scope(item), created_at__gte=before.start, created_at__lt=after.end
    )
    contacts = tickets.order_by().aggregate(
        before=Count("pk", filter=Q(created_at__lt=done)),
        after=Count("pk", filter=Q(created_at__gte=done)),
    )
    rows = (
        Response.objects.filter(kind=SurveyKind.CSAT, invitation__ticket__in=tickets)
        .order_by()
        .annotate(
            is_after=Case(
                When(invitation__ticket__created_at__gte=done, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("is_after", "score")
        .annotate(count=Count("pk"))
    )
    csat: dict[bool, dict[int, int]] = {False: {}, True: {}}
    for row in rows:
        csat[row["is_after"]][row["score"]] = row["count"]
    return comparison.compare(
        comparison.WindowFigures(contacts["before"], csat[False]),
        comparison.WindowFigures(contacts["after"], csat[True]),
    )


@dataclass(frozen=True)
class ReasonTrend:
    reason: ContactReason
    current: int
    previous: int

    @property
    def change_percent(self) -> float | None:
        return (
            round(100.0 * (self.current - self.previous) / self.previous, 1)
            if self.previous
            else None
        )


def reason_trends(user: User, days: int = 30, now: datetime | None = None) -> list[ReasonTrend]:
    """Contacts per reason in the last ``days`` against the ``days`` before (one GROUP BY)."""
    now = now or timezone.now()
    split = now - timedelta(days=days)
    rows = (
        visible_tickets(user)
        .filter(
            reason__isnull=False, created_at__gte=split - timedelta(days=days), created_at__lt=now
        )
        .order_by()
        .values("reason")
        .annotate(
            current=Count("pk", filter=Q(created_at__gte=split)),
            previous=Count("pk", filter=Q(created_at__lt=split)),
        )
    )
    counts = {row["reason"]: (row["current"], row["previous"]) for row in rows}
    reasons = ContactReason.objects.filter(pk__in=counts).select_related("parent")
    trends = [ReasonTrend(reason, *counts[reason.pk]) for reason in reasons]
    return sorted(trends, key=lambda trend: (-trend.current, trend.reason.path_label))
