"""QA and audit rules: who may see and do what, scoring, sampling, calibration, disputes,
recognition, mystery-shopper visits and their reports. Views and the API call only these."""

import mimetypes
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from opora.accounts.models import Role, User
from opora.core.errors import (
    AttachmentRejected,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from opora.feedback.models import Response, SurveyKind
from opora.tickets.access import visible_tickets
from opora.tickets.models import Priority, Status, Ticket

from . import sampling, scoring
from .models import (
    AuditAnswer,
    AuditProgramme,
    AuditVisit,
    Calibration,
    ChecklistItem,
    Dispute,
    DisputeStatus,
    Evidence,
    EvidenceKind,
    Location,
    Recognition,
    Review,
    ReviewAnswer,
    ReviewComment,
    SampledTicket,
    SampleReason,
    SampleRun,
    Scenario,
    Scorecard,
    Shopper,
    VisitStatus,
    VisitType,
    Wave,
)

# A flawless review (100 %, no auto-fail) on a routine ticket extends an agent's streak; this many
# in a row earns a recognition entry.
FLAWLESS_STREAK = getattr(settings, "OPORA_QA_FLAWLESS_STREAK", 5)
EVIDENCE_MAX_BYTES = getattr(settings, "OPORA_AUDIT_EVIDENCE_MAX_BYTES", 50 * 1024 * 1024)
# Evidence kind → accepted content types (a trailing "/" accepts the whole family).
EVIDENCE_TYPES = {
    EvidenceKind.AUDIO: ("audio/",),
    EvidenceKind.PHOTO: ("image/jpeg", "image/png", "image/webp", "image/heic"),
    EvidenceKind.SCREENSHOT: ("image/png", "image/jpeg", "image/webp"),
    EvidenceKind.VIDEO: ("video/",),
    EvidenceKind.RECEIPT: ("image/jpeg", "image/png", "application/pdf"),
}
# Report cut-offs on an area's mean share of full marks.
STRENGTH_AT = 0.9
FIX_BELOW = 0.75
ROUTINE_PRIORITIES = (Priority.LOW, Priority.NORMAL)


# ---- who may do what ----------------------------------------------------------------------


def is_manager(user: User) -> bool:
    return user.is_authenticated and user.role in {Role.ADMIN, Role.MANAGER}


def can_review(user: User) -> bool:
    if is_manager(user):
        return True
    return user.is_authenticated and user.is_agent_like and hasattr(user, "qa_reviewer")


def require_manager(user: User) -> None:
    if not is_manager(user):
        raise Forbidden(_("Only managers may do this."))


def require_reviewer(user: User) -> None:
    if not can_review(user):
        raise Forbidden(_("Only QA reviewers may score interactions."))


def visible_reviews(user: User) -> QuerySet[Review]:
    """Managers see every review; an agent their own (not calibration runs) and those they wrote."""
    reviews = Review.objects.select_related("agent", "reviewer", "scorecard", "ticket", "dispute")
    if is_manager(user):
        return reviews
    if not user.is_authenticated or not user.is_agent_like:
        return reviews.none()
    return reviews.filter(Q(agent=user, calibration__isnull=True) | Q(reviewer=user))


def get_visible_review(user: User, pk: int) -> Review:
    review = visible_reviews(user).filter(pk=pk).first()
    if review is None:
        raise NotFound(_("Review not found"))
    return review


def visible_disputes(user: User) -> QuerySet[Dispute]:
    return Dispute.objects.filter(review__in=visible_reviews(user)).select_related(
        "review", "review__agent"
    )


def visible_visits(user: User) -> QuerySet[AuditVisit]:
    """Managers see every audit visit; a shopper only their own assignments; others nothing."""
    visits = AuditVisit.objects.select_related(
        "wave__programme", "location", "scenario", "shopper__user"
    )
    if is_manager(user):
        return visits
    if user.is_authenticated and not user.is_agent_like:
        return visits.filter(shopper__user=user)
    return visits.none()


def get_visible_visit(user: User, pk: int) -> AuditVisit:
    visit = visible_visits(user).filter(pk=pk).first()
    if visit is None:
        raise NotFound(_("Visit not found"))
    return visit


# ---- scoring ------------------------------------------------------------------------------


def _score_sheet(
    items: list, answers: dict[int, int | None], notes: dict[int, str]
) -> tuple[scoring.ScoreResult, list[dict]]:
    """Score answers against criteria (or checklist items); bad answers name their field."""
    try:
        result = scoring.score([item.spec() for item in items], answers)
    except scoring.AnswerError as error:
        messages = {
            "missing": _("Answer every criterion (N/A where allowed)."),
            "not_applicable_not_allowed": _("N/A is not allowed for this criterion."),
            "out_of_range": _("The value is outside the criterion's scale."),
            "unknown_criterion": _("This criterion is not on the form."),
        }
        raise InvalidInput(
            messages[error.problem], fields={f"criterion_{error.key}": error.problem}
        ) from None
    rows = [
        {
            "value": answers[item.pk],
            "ratio": result.ratios[item.pk],
            "note": notes.get(item.pk, "")[:500],
        }
        for item in items
    ]
    return result, rows


def is_routine(ticket: Ticket) -> bool:
    """Everyday work: an ordinary priority, never reopened."""
    return ticket.priority in ROUTINE_PRIORITIES and ticket.reopen_count == 0


@transaction.atomic
def submit_review(
    reviewer: User,
    ticket: Ticket,
    scorecard: Scorecard,
    answers: dict[int, int | None],
    *,
    notes: dict[int, str] | None = None,
    comment: str = "",
    calibration: Calibration | None = None,
) -> Review:
    require_reviewer(reviewer)
    if not visible_tickets(reviewer).filter(pk=ticket.pk).exists():
        raise NotFound(_("Ticket #%(number)s not found") % {"number": ticket.pk})
    if ticket.assignee_id is None:
        raise InvalidInput(
            _("The ticket has no assignee: there is nobody to review."),
            fields={"ticket": "no_assignee"},
        )
    if ticket.assignee_id == reviewer.pk:
        raise Forbidden(_("Nobody reviews their own work."))
    if not scorecard.is_active:
        raise InvalidInput(_("This scorecard is retired."), fields={"scorecard": "inactive"})
    if scorecard.channel and scorecard.channel != ticket.channel:
        raise InvalidInput(
            _("This scorecard is for another channel."), fields={"scorecard": "wrong_channel"}
        )
    if calibration is not None and (
        calibration.ticket_id != ticket.pk or calibration.scorecard_id != scorecard.pk
    ):
        raise InvalidInput(
            _("The calibration is about another ticket."), fields={"calibration": "mismatch"}
        )
    if Review.objects.filter(
        ticket=ticket, scorecard=scorecard, reviewer=reviewer, calibration=calibration
    ).exists():
        raise InvalidTransition(
            _("You have already scored this ticket on this scorecard."),
            fields={"ticket": "already_reviewed"},
        )
    criteria = list(scorecard.criteria.all())
    result, rows = _score_sheet(criteria, answers, notes or {})
    sampled = (
        None
        if calibration
        else SampledTicket.objects.filter(ticket=ticket, run__scorecard=scorecard)
        .order_by("-run__created_at")
        .first()
    )
    try:
        with transaction.atomic():
            review = Review.objects.create(
                ticket=ticket,
                scorecard=scorecard,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id,
                reviewer=reviewer,
                calibration=calibration,
                sampled=sampled,
                score=result.percent,
                auto_failed=result.auto_failed,
                routine=is_routine(ticket),
                comment=comment,
            )
    except IntegrityError:
        # A double submit racing this one won: the first review stands.
        raise InvalidTransition(
            _("You have already scored this ticket on this scorecard."),
            fields={"ticket": "already_reviewed"},
        ) from None
    ReviewAnswer.objects.bulk_create(
        ReviewAnswer(review=review, criterion=criterion, **row)
        for criterion, row in zip(criteria, rows, strict=True)
    )
    if calibration is None:
        recognise_streak(review)
    return review


def strengths_and_fixes(answers) -> tuple[list, list]:
    """What went right (full marks) and what to work on, from a review's or visit's answers."""
    strengths = [answer for answer in answers if answer.ratio == 1]
    to_fix = [answer for answer in answers if answer.ratio is not None and answer.ratio < 1]
    return strengths, to_fix


def recognise_streak(review: Review) -> Recognition | None:
    """N flawless counted reviews in a row on routine tickets since the last recognition."""
    if not (review.routine and review.flawless):
        return None
    last = Recognition.objects.filter(agent_id=review.agent_id).order_by("-last_review_id").first()
    recent = list(
        Review.objects.counted()
        .filter(agent_id=review.agent_id, routine=True, pk__gt=last.last_review_id if last else 0)
        .order_by("-pk")
        .values_list("score", "auto_failed")[:FLAWLESS_STREAK]
    )
    if len(recent) < FLAWLESS_STREAK or any(s != 100 or failed for s, failed in recent):
        return None
    return Recognition.objects.create(
        agent_id=review.agent_id, streak=FLAWLESS_STREAK, last_review=review
    )


def visible_recognitions(user: User) -> QuerySet[Recognition]:
    rows = Recognition.objects.select_related("agent", "last_review")
    if is_manager(user):
        return rows
    return rows.filter(agent=user) if user.is_agent_like else rows.none()


# ---- comments and disputes ----------------------------------------------------------------


def add_comment(user: User, review: Review, body: str) -> ReviewComment:
    review = get_visible_review(user, review.pk)
    body = body.strip()
    if not body:
        raise InvalidInput(_("Write a comment first."), fields={"body": "required"})
    return ReviewComment.objects.create(review=review, author=user, body=body[:5000])


@transaction.atomic
def open_dispute(user: User, review: Review, reason: str) -> Dispute:
    review = get_visible_review(user, review.pk)
    if review.agent_id != user.pk or review.calibration_id:
        raise Forbidden(_("Only the agent reviewed may dispute a review."))
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why you dispute the review."), fields={"reason": "required"})
    dispute, created = Dispute.objects.get_or_create(review=review, defaults={"reason": reason})
    if not created:
        raise InvalidTransition(
            _("This review is already disputed."), fields={"review": "already_disputed"}
        )
    return dispute


@transaction.atomic
def decide_dispute(user: User, dispute: Dispute, outcome: str, note: str = "") -> Dispute:
    require_manager(user)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if outcome not in {DisputeStatus.UPHELD, DisputeStatus.OVERTURNED}:
        raise InvalidInput(_("Choose upheld or overturned."), fields={"outcome": "invalid"})
    if dispute.status != DisputeStatus.OPEN:
        raise InvalidTransition(
            _("This dispute is already decided."), fields={"status": "already_decided"}
        )
    dispute.status = outcome
    dispute.decision_note = note.strip()[:5000]
    dispute.decided_by = user
    dispute.decided_at = timezone.now()
    dispute.save()
    return dispute


# ---- sampling -----------------------------------------------------------------------------


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    if start > end:
        raise InvalidInput(_("The period ends before it starts."), fields={"period": "reversed"})
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, datetime.min.time(), zone),
        datetime.combine(end + timedelta(days=1), datetime.min.time(), zone),
    )


@transaction.atomic
def draw_sample(
    user: User,
    scorecard: Scorecard,
    period_start: date,
    period_end: date,
    *,
    per_agent: int = 5,
    seed: int = 0,
    csat_at_most: int | None = None,
    reopened: bool = False,
) -> SampleRun:
    """Tickets solved in the period, per assignee: every rule match plus a random, channel-
    stratified draw of `per_agent` more. The same seed and data give the same sample."""
    require_manager(user)
    if not 0 <= per_agent <= 100:
        raise InvalidInput(_("Between 0 and 100 per agent."), fields={"per_agent": "range"})
    since, until = _period_bounds(period_start, period_end)
    candidates = Ticket.objects.filter(
        solved_at__gte=since,
        solved_at__lt=until,
        assignee__isnull=False,
        merged_into__isnull=True,
        status__in=(Status.SOLVED, Status.CLOSED),
    )
    if scorecard.channel:
        candidates = candidates.filter(channel=scorecard.channel)
    rules: dict = {}
    flagged: dict[int, str] = {}
    if reopened:
        rules["reopened"] = True
        for pk in candidates.filter(reopen_count__gt=0).values_list("pk", flat=True):
            flagged[pk] = SampleReason.REOPENED
    if csat_at_most is not None:
        rules["csat_at_most"] = csat_at_most
        low = Response.objects.filter(
            kind=SurveyKind.CSAT,
            score__lte=csat_at_most,
            invitation__ticket__in=candidates,
        ).values_list("invitation__ticket_id", flat=True)
        for pk in low:
            flagged.setdefault(pk, SampleReason.LOW_CSAT)
    run = SampleRun.objects.create(
        scorecard=scorecard,
        period_start=period_start,
        period_end=period_end,
        per_agent=per_agent,
        seed=seed,
        rules=rules,
        created_by=user,
    )
    by_agent: dict[int, list[tuple[int, str]]] = defaultdict(list)
    owner: dict[int, int] = {}
    for pk, agent_id, channel in candidates.values_list("pk", "assignee_id", "channel"):
        owner[pk] = agent_id
        if pk not in flagged:
            by_agent[agent_id].append((pk, channel))
    items = [
        SampledTicket(run=run, ticket_id=pk, agent_id=owner[pk], reason=reason)
        for pk, reason in flagged.items()
    ]
    for agent_id, pool in sorted(by_agent.items()):
        for pk in sampling.stratified_sample(pool, per_agent, f"{seed}:{agent_id}"):
            items.append(
                SampledTicket(run=run, ticket_id=pk, agent_id=agent_id, reason=SampleReason.RANDOM)
            )
    SampledTicket.objects.bulk_create(items)
    return run


def sample_progress(run: SampleRun) -> QuerySet[SampledTicket]:
    """The run's tickets with how many reviews each has (one query)."""
    return run.items.select_related("ticket", "agent").annotate(review_count=Count("reviews"))


# ---- calibration --------------------------------------------------------------------------


def start_calibration(user: User, ticket: Ticket, scorecard: Scorecard, title: str) -> Calibration:
    require_manager(user)
    return Calibration.objects.create(
        ticket=ticket,
        scorecard=scorecard,
        title=title.strip()[:200] or str(ticket),
        created_by=user,
    )


@dataclass(frozen=True)
class Spread:
    label: str
    reviewers: int
    low: float | None
    high: float | None
    std_dev: float | None


def calibration_spread(calibration: Calibration) -> tuple[Spread, list[Spread]]:
    """Min/max/population std-dev of the total and of each criterion (as % of full marks).
    The std-dev comes from the first two moments in SQL (SQLite's STDDEV_POP fails on a group
    of only N/A answers)."""
    total = calibration.reviews.aggregate(
        n=Count("score"),
        low=Min("score"),
        high=Max("score"),
        mean=Avg("score"),
        mean_sq=Avg(F("score") * F("score")),
    )
    per_criterion = (
        ReviewAnswer.objects.filter(review__calibration=calibration)
        .values("criterion_id", "criterion__title", "criterion__position")
        .annotate(
            n=Count("ratio"),
            low=Min("ratio"),
            high=Max("ratio"),
            mean=Avg("ratio"),
            mean_sq=Avg(F("ratio") * F("ratio")),
        )
        .order_by("criterion__position", "criterion_id")
    )

    def spread(label: str, row: dict, unit: float) -> Spread:
        def scaled(value: float | None) -> float | None:
            return None if value is None else round(unit * value, 1)

        sd = scoring.std_dev_from_moments(row["mean"], row["mean_sq"])
        return Spread(label, row["n"], scaled(row["low"]), scaled(row["high"]), scaled(sd))

    return (
        spread(_("Total"), total, 1),
        [spread(row["criterion__title"], row, 100) for row in per_criterion],
    )


# ---- trends -------------------------------------------------------------------------------


def score_trend(reviews: QuerySet[Review], by: str) -> list[dict]:
    """Mean QA score per week per agent or team, grouped in SQL."""
    key = {"agent": "agent__username", "team": "team__name"}[by]
    return list(
        reviews.counted()
        .filter(score__isnull=False)
        .annotate(week=TruncWeek("created_at"))
        .values("week", key)
        .annotate(mean=Avg("score"), reviews=Count("pk"))
        .order_by(key, "week")
    )


# ---- mystery-shopper audits ---------------------------------------------------------------


@transaction.atomic
def plan_waves(user: User, programme: AuditProgramme, first_start: date, count: int) -> list[Wave]:
    """Waves at the programme's interval; waves already planned are kept as they are."""
    require_manager(user)
    if not 1 <= count <= 52:
        raise InvalidInput(_("Plan between 1 and 52 waves."), fields={"count": "range"})
    step = timedelta(days=programme.wave_interval_days)
    waves = []
    for number in range(1, count + 1):
        starts = first_start + step * (number - 1)
        wave, _created = Wave.objects.get_or_create(
            programme=programme,
            number=number,
            defaults={"starts_on": starts, "ends_on": starts + step - timedelta(days=1)},
        )
        waves.append(wave)
    return waves


def misfits(shopper: Shopper, scenario: Scenario, location: Location, on: date) -> list[str]:
    """Why the shopper cannot play this scenario here (empty: they fit)."""
    reasons = []
    age = on.year - shopper.birth_year
    if not shopper.is_active:
        reasons.append(_("The shopper is inactive."))
    if scenario.min_age is not None and age < scenario.min_age:
        reasons.append(_("Younger than the scenario requires."))
    if scenario.max_age is not None and age > scenario.max_age:
        reasons.append(_("Older than the scenario allows."))
    if scenario.profile and shopper.profile != scenario.profile:
        reasons.append(_("The shopper's profile does not match the scenario."))
    in_place = scenario.visit_type in {VisitType.IN_PERSON, VisitType.HOME_VISIT}
    if in_place and shopper.city.casefold() != location.city.casefold():
        reasons.append(_("The shopper lives in another city."))
    return reasons


def matching_shoppers(scenario: Scenario, location: Location, on: date) -> QuerySet[Shopper]:
    shoppers = Shopper.objects.filter(is_active=True, user__role=Role.CUSTOMER)
    if scenario.min_age is not None:
        shoppers = shoppers.filter(birth_year__lte=on.year - scenario.min_age)
    if scenario.max_age is not None:
        shoppers = shoppers.filter(birth_year__gte=on.year - scenario.max_age)
    if scenario.profile:
        shoppers = shoppers.filter(profile=scenario.profile)
    if scenario.visit_type in {VisitType.IN_PERSON, VisitType.HOME_VISIT}:
        shoppers = shoppers.filter(city__iexact=location.city)
    return shoppers.select_related("user")


def assign_visit(
    user: User, wave: Wave, location: Location, scenario: Scenario, shopper: Shopper
) -> AuditVisit:
    require_manager(user)
    if scenario.programme_id != wave.programme_id:
        raise InvalidInput(
            _("The scenario belongs to another programme."), fields={"scenario": "mismatch"}
        )
    if shopper.user.role != Role.CUSTOMER:
        raise InvalidInput(
            _("Mystery shoppers must not be staff: they would see inside the desk."),
            fields={"shopper": "staff"},
        )
    reasons = misfits(shopper, scenario, location, wave.starts_on)
    if reasons:
        raise InvalidInput(" ".join(reasons), fields={"shopper": "does_not_fit"})
    visit, _created = AuditVisit.objects.get_or_create(
        wave=wave, location=location, scenario=scenario, shopper=shopper
    )
    return visit


@transaction.atomic
def submit_visit(
    user: User,
    visit: AuditVisit,
    answers: dict[int, int | None],
    *,
    notes: dict[int, str] | None = None,
    summary: str = "",
    visited_at: datetime | None = None,
) -> AuditVisit:
    visit = get_visible_visit(user, visit.pk)
    if visit.shopper.user_id != user.pk:
        raise Forbidden(_("Only the assigned shopper fills in the questionnaire."))
    visit = AuditVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != VisitStatus.ASSIGNED:
        raise InvalidTransition(
            _("This questionnaire is already submitted."), fields={"visit": "submitted"}
        )
    items = list(ChecklistItem.objects.filter(programme_id=visit.wave.programme_id))
    result, rows = _score_sheet(items, answers, notes or {})
    AuditAnswer.objects.bulk_create(
        AuditAnswer(visit=visit, item=item, **row) for item, row in zip(items, rows, strict=True)
    )
    visit.score = result.percent
    visit.auto_failed = result.auto_failed
    visit.summary = summary.strip()[:10_000]
    visit.visited_at = visited_at or timezone.now()
    visit.submitted_at = timezone.now()
    visit.status = VisitStatus.SUBMITTED
    visit.save()
    return visit


def _type_accepted(kind: str, content_type: str) -> bool:
    return any(
        content_type.startswith(accepted) if accepted.endswith("/") else content_type == accepted
        for accepted in EVIDENCE_TYPES[kind]
    )


def add_evidence(
    user: User, visit: AuditVisit, kind: str, filename: str, content: bytes, content_type: str = ""
) -> Evidence:
    """Store a recording, photo, video, screenshot or receipt after checking kind, type and size."""
    visit = get_visible_visit(user, visit.pk)
    if visit.shopper.user_id != user.pk:
        raise Forbidden(_("Only the assigned shopper adds evidence."))
    if kind not in EvidenceKind.values:
        raise InvalidInput(_("Choose what kind of evidence this is."), fields={"kind": "invalid"})
    if len(content) > EVIDENCE_MAX_BYTES:
        raise AttachmentRejected(
            _("«%(name)s» is %(size)s; the limit is %(limit)s")
            % {
                "name": filename,
                "size": filesizeformat(len(content)),
                "limit": filesizeformat(EVIDENCE_MAX_BYTES),
            },
            fields={"file": "too_large"},
        )
    if not content:
        raise InvalidInput(_("The file is empty."), fields={"file": "empty"})
    guessed, _encoding = mimetypes.guess_type(filename)
    declared = (content_type or guessed or "application/octet-stream").split(";")[0].strip()
    if not _type_accepted(kind, declared.lower()) or (
        guessed and not _type_accepted(kind, guessed)
    ):
        raise AttachmentRejected(
            _("«%(name)s» (%(type)s) is not accepted as %(kind)s")
            % {"name": filename, "type": guessed or declared, "kind": EvidenceKind(kind).label},
            fields={"file": "type_not_allowed"},
            code="attachment_type",
        )
    evidence = Evidence(
        visit=visit,
        kind=kind,
        filename=get_valid_filename(filename)[:255] or "evidence",
        content_type=declared.lower(),
        size=len(content),
    )
    evidence.file.save(evidence.filename, ContentFile(content), save=False)
    evidence.save()
    return evidence


@dataclass
class ReportRow:
    location: Location
    wave: Wave
    visits: int
    score: float | None
    change: float | None
    strengths: list[str]
    to_fix: list[str]


def wave_report(programme: AuditProgramme) -> list[ReportRow]:
    """Per location and wave: mean score, change since the location's previous wave, and the
    areas done well and to fix. Three grouped queries, however many visits."""
    waves = {wave.pk: wave for wave in programme.waves.all()}
    submitted = AuditVisit.objects.filter(wave__programme=programme, status=VisitStatus.SUBMITTED)
    totals = submitted.values("location_id", "wave_id").annotate(
        visits=Count("pk"), mean=Avg("score")
    )
    areas = (
        AuditAnswer.objects.filter(visit__in=submitted, ratio__isnull=False)
        .values("visit__location_id", "visit__wave_id", "item__area")
        .annotate(mean=Avg("ratio"))
    )
    labels = dict(ChecklistItem._meta.get_field("area").choices)
    by_cell: dict[tuple[int, int], list[tuple[float, str]]] = defaultdict(list)
    for row in areas:
        cell = (row["visit__location_id"], row["visit__wave_id"])
        by_cell[cell].append((row["mean"], str(labels[row["item__area"]])))
    locations = Location.objects.in_bulk({row["location_id"] for row in totals})
    rows = sorted(
        totals, key=lambda r: (locations[r["location_id"]].name, waves[r["wave_id"]].number)
    )
    previous: dict[int, float | None] = {}
    report = []
    for row in rows:
        mean = None if row["mean"] is None else round(row["mean"], 1)
        cell = sorted(by_cell[(row["location_id"], row["wave_id"])])
        report.append(
            ReportRow(
                location=locations[row["location_id"]],
                wave=waves[row["wave_id"]],
                visits=row["visits"],
                score=mean,
                change=scoring.change(mean, previous.get(row["location_id"])),
                strengths=[label for ratio, label in reversed(cell) if ratio >= STRENGTH_AT],
                to_fix=[label for ratio, label in cell if ratio < FIX_BELOW],
            )
        )
        previous[row["location_id"]] = mean
    return report
