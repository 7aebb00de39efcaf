"""Pulse survey results (managers only, groups of 5+ respondents) and turnover per team."""

from ninja import Query, Router, Schema
from ninja.errors import AuthorizationError

from opora.api.pagination import reject_unknown_params
from opora.api.schemas import Day, ErrorOut, Id

from . import services

router = Router(tags=["people"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _manager(request) -> None:
    if not services.is_manager(request.auth):
        raise AuthorizationError


class GroupOut(Schema):
    team: str
    respondents: int
    withheld: bool
    # Mean answer (1–5) per question; null when the group is below the minimum size.
    means: dict[str, float] | None


class PulseResultsOut(Schema):
    survey_id: int
    title: str
    min_group: int
    overall: GroupOut
    teams: list[GroupOut]


class TurnoverRange(Schema):
    start: Day | None = None
    end: Day | None = None


class TurnoverOut(Schema):
    team: str
    headcount_start: int
    hires: int
    leavers: int
    headcount_end: int
    turnover_rate_percent: float | None


def _group(group: services.GroupResult) -> dict:
    return {
        "team": group.team,
        "respondents": group.respondents,
        "withheld": group.withheld,
        "means": group.means,
    }


@router.get("/people/pulse/{survey_id}/results", response={200: PulseResultsOut, **ERRORS})
def pulse_results(request, survey_id: Id):
    _manager(request)
    survey = services.get_survey(request.auth, survey_id)
    overall, groups = services.pulse_results(request.auth, survey)
    return {
        "survey_id": survey.pk,
        "title": survey.title,
        "min_group": services.MIN_GROUP,
        "overall": _group(overall),
        "teams": [_group(group) for group in groups],
    }


@router.get("/people/turnover", response={200: list[TurnoverOut], **ERRORS})
def turnover(request, period: Query[TurnoverRange]):
    reject_unknown_params(request, TurnoverRange)
    _manager(request)
    default_start, default_end = services.last_quarter()
    rows = services.turnover(request.auth, period.start or default_start, period.end or default_end)
    return [
        {
            "team": row.team,
            "headcount_start": row.period.headcount_start,
            "hires": row.period.hires,
            "leavers": row.period.leavers,
            "headcount_end": row.period.headcount_end,
            "turnover_rate_percent": row.rate,
        }
        for row in rows
    ]
