"""Pulse surveys (anonymous by construction) and turnover per team."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.accounts.models import Role, Team, User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound

from .models import (
    MovementKind,
    PulseAnswer,
    PulseParticipation,
    PulseQuestion,
    PulseResponse,
    PulseSurvey,
    StaffMovement,
)
from .turnover import TeamPeriod, turnover_rate

# Results are shown only for groups at least this large, so no answer can be traced to a person.
MIN_GROUP = 5


def is_manager(user: User) -> bool:
    return user.is_authenticated and user.role in {Role.ADMIN, Role.MANAGER}


def require_manager(user: User) -> None:
    if not is_manager(user):
        raise Forbidden(_("Only managers may see engagement results."))


def survey_teams(survey: PulseSurvey, user: User) -> list[Team]:
    """The user's teams that this survey asks."""
    teams = user.teams.all()
    asked = survey.teams.all()
    if asked.exists():
        teams = teams.filter(pk__in=asked)
    return list(teams)


def open_surveys(user: User) -> QuerySet[PulseSurvey]:
    """Surveys open today for a staff member's teams that they have not answered yet."""
    if not user.is_authenticated or not user.is_agent_like:
        return PulseSurvey.objects.none()
    today = timezone.localdate()
    return (
        PulseSurvey.objects.filter(opens_on__lte=today, closes_on__gte=today)
        .filter(Q(teams__isnull=True) | Q(teams__members=user))
        .exclude(participations__user=user)
        .distinct()
    )


def get_open_survey(user: User, pk: int) -> PulseSurvey:
    survey = open_surveys(user).filter(pk=pk).first()
    if survey is None:
        raise NotFound(_("Survey not found, closed or already answered"))
    return survey


@transaction.atomic
def answer(
    user: User, survey: PulseSurvey, team: Team, values: dict[int, int], comment: str = ""
) -> None:
    """Record one anonymous answer sheet for the team and mark the user as having answered.
    Nothing returned or stored links the two."""
    if team not in survey_teams(survey, user):
        raise Forbidden(_("You answer for your own team only."))
    questions = list(survey.questions.all())
    fields = {}
    for question in questions:
        value = values.get(question.pk)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            fields[f"question_{question.pk}"] = "required_1_to_5"
    if fields or set(values) - {q.pk for q in questions}:
        raise InvalidInput(
            _("Answer every question from 1 to 5."), fields=fields or {"answers": "unknown"}
        )
    try:
        with transaction.atomic():
            PulseParticipation.objects.create(survey=survey, user=user)
    except IntegrityError:
        raise InvalidTransition(
            _("You have already answered this survey."), fields={"survey": "already_answered"}
        ) from None
    response = PulseResponse.objects.create(
        survey=survey, team=team, answered_on=timezone.localdate(), comment=comment.strip()[:2000]
    )
    PulseAnswer.objects.bulk_create(
        PulseAnswer(response=response, question=question, value=values[question.pk])
        for question in questions
    )


@dataclass(frozen=True)
class GroupResult:
    team: str
    respondents: int
    # None when the group is below MIN_GROUP: the figures are withheld.
    means: dict[str, float] | None

    @property
    def withheld(self) -> bool:
        return self.means is None


def pulse_results(user: User, survey: PulseSurvey) -> tuple[GroupResult, list[GroupResult]]:
    """Mean per question per team, and overall over the teams shown. Teams with fewer than
    MIN_GROUP respondents are withheld and left out of the overall too, so it cannot be
    subtracted back to them."""
    require_manager(user)
    counts = {
        row["team_id"]: (row["team__name"], row["n"])
        for row in survey.responses.values("team_id", "team__name").annotate(n=Count("pk"))
    }
    shown = [team_id for team_id, (_name, n) in counts.items() if n >= MIN_GROUP]
    means = (
        PulseAnswer.objects.filter(response__survey=survey, response__team_id__in=shown)
        .values("response__team_id", "question__text", "question__position", "question_id")
        .annotate(mean=Avg("value"))
        .order_by("question__position", "question_id")
    )
    overall_means = (
        PulseAnswer.objects.filter(response__survey=survey, response__team_id__in=shown)
        .values("question__text", "question__position", "question_id")
        .annotate(mean=Avg("value"))
        .order_by("question__position", "question_id")
    )
    per_team: dict[int, dict[str, float]] = {team_id: {} for team_id in shown}
    for row in means:
        per_team[row["response__team_id"]][row["question__text"]] = round(row["mean"], 2)
    groups = sorted(
        (GroupResult(name, n, per_team.get(team_id)) for team_id, (name, n) in counts.items()),
        key=lambda group: group.team,
    )
    overall_n = sum(counts[team_id][1] for team_id in shown)
    overall = GroupResult(
        _("All teams shown"),
        overall_n,
        {row["question__text"]: round(row["mean"], 2) for row in overall_means}
        if overall_n >= MIN_GROUP
        else None,
    )
    return overall, groups


def get_survey(user: User, pk: int) -> PulseSurvey:
    require_manager(user)
    survey = PulseSurvey.objects.filter(pk=pk).first()
    if survey is None:
        raise NotFound(_("Survey not found"))
    return survey


def create_survey(
    user: User, title: str, opens_on: date, closes_on: date, questions: list[str], teams=()
) -> PulseSurvey:
    require_manager(user)
    questions = [text.strip() for text in questions if text.strip()]
    if not title.strip() or not questions:
        raise InvalidInput(
            _("A survey needs a title and at least one question."), fields={"title": "required"}
        )
    if closes_on < opens_on:
        raise InvalidInput(
            _("The survey closes before it opens."), fields={"closes_on": "before_opens"}
        )
    with transaction.atomic():
        survey = PulseSurvey.objects.create(
            title=title.strip()[:200], opens_on=opens_on, closes_on=closes_on
        )
        survey.teams.set(teams)
        PulseQuestion.objects.bulk_create(
            PulseQuestion(survey=survey, text=text[:300], position=i)
            for i, text in enumerate(questions)
        )
    return survey


# ---- turnover -----------------------------------------------------------------------------


def record_movement(
    user: User, team: Team, kind: str, on: date, person: User | None = None, note: str = ""
) -> StaffMovement:
    require_manager(user)
    if kind not in MovementKind.values:
        raise InvalidInput(_("Choose joined or left."), fields={"kind": "invalid"})
    return StaffMovement.objects.create(team=team, user=person, kind=kind, on=on, note=note[:200])


@dataclass(frozen=True)
class TurnoverRow:
    team: str
    period: TeamPeriod
    rate: float | None


def turnover(user: User, start: date, end: date) -> list[TurnoverRow]:
    """Hires, leavers and turnover rate per team for [start, end], counted in one SQL query."""
    require_manager(user)
    if start > end:
        raise InvalidInput(_("The period ends before it starts."), fields={"period": "reversed"})
    hire, leave = Q(kind=MovementKind.HIRE), Q(kind=MovementKind.LEAVE)
    before, within = Q(on__lt=start), Q(on__gte=start, on__lte=end)
    rows = (
        StaffMovement.objects.filter(on__lte=end)
        .values("team__name")
        .annotate(
            hired_before=Count("pk", filter=hire & before),
            left_before=Count("pk", filter=leave & before),
            hires=Count("pk", filter=hire & within),
            leavers=Count("pk", filter=leave & within),
        )
        .order_by("team__name")
    )
    result = []
    for row in rows:
        period = TeamPeriod(
            headcount_start=max(0, row["hired_before"] - row["left_before"]),
            hires=row["hires"],
            leavers=row["leavers"],
        )
        rate = turnover_rate(period.leavers, period.headcount_start, period.headcount_end)
        result.append(TurnoverRow(row["team__name"], period, rate))
    return result


def last_quarter() -> tuple[date, date]:
    end = timezone.localdate()
    return end - timedelta(days=90), end
