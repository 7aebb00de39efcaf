"""The planning chain the workforce page and `opora wfm` share.

ticket history -> next week's forecast -> Erlang C requirement per interval -> roster of the
help desk's agents -> budget.  The arithmetic lives in the pure modules (forecast, erlang,
schedule, budget); this module only reads the database and sets the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opora.accounts.models import Role, User
from opora.core.errors import InvalidInput

from . import budget as budgeting
from .erlang import ErlangCRequirement, ServiceLevelTarget, StaffingPolicy, staff_intervals
from .forecast import MIN_TRAINING_WEEKS, Backtest, IntervalForecast, IntervalSeries, forecast
from .history import EVERY_CONTACT, VolumeFilter, interval_history
from .schedule import (
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    Agent,
    Gap,
    Roster,
    ShiftTemplate,
    WeeklyRequirement,
    build_roster,
)

HOLDOUT_WEEKS: Final = 2
BASELINE_MODEL: Final = "seasonal-naive"

# Until agents carry their own contracts, every agent is planned on these terms: a 40-hour
# contract, up to 48 hours a week and 11 hours' rest between shifts (the EU Working Time
# Directive's limits), paid DEFAULT_HOURLY_RATE, overtime at 1.5x.
DEFAULT_HOURLY_RATE: Final = 500.0
CONTRACTED_HOURS: Final = 40.0
MAX_HOURS: Final = 48.0
MIN_REST_HOURS: Final = 11.0
OVERTIME_MULTIPLIER: Final = 1.5

# Nine-hour shifts with an unpaid hour for lunch, staggered so that any hour of the day can
# be covered; the night shift is eight paid hours straight.
DEFAULT_SHIFT_TEMPLATES: Final = (
    ShiftTemplate(gettext_lazy("Early"), time(7), 9 * 60, 8 * 60),
    ShiftTemplate(gettext_lazy("Day"), time(9), 9 * 60, 8 * 60),
    ShiftTemplate(gettext_lazy("Late"), time(12), 9 * 60, 8 * 60),
    ShiftTemplate(gettext_lazy("Evening"), time(15), 9 * 60, 8 * 60),
    ShiftTemplate(gettext_lazy("Night"), time(23), 8 * 60, 8 * 60),
)


@dataclass(frozen=True)
class PlanSettings:
    """What to plan for: which contacts, at which grain, to which service target."""

    interval_minutes: int = 30
    volume: VolumeFilter = EVERY_CONTACT
    service_level: float = 0.8
    answer_within_seconds: float = 20.0
    aht_seconds: float = 300.0
    shrinkage: float = 0.3
    history_weeks: int = 13
    weeks: int = 1

    @property
    def target(self) -> ServiceLevelTarget:
        return ServiceLevelTarget(self.service_level, self.answer_within_seconds)

    @property
    def policy(self) -> StaffingPolicy:
        return StaffingPolicy(shrinkage=self.shrinkage)


@dataclass(frozen=True)
class WeekForecast:
    """The forecast of the planned weeks (from ``week_start``) and how it was chosen."""

    settings: PlanSettings
    history: IntervalSeries
    week_start: datetime
    result: IntervalForecast = field(repr=False)
    offset: int  # index of week_start in the forecast

    @property
    def point(self) -> np.ndarray:
        return self.result.point.counts[self.offset :]

    @property
    def lower(self) -> np.ndarray:
        return self.result.lower[self.offset :]

    @property
    def upper(self) -> np.ndarray:
        return self.result.upper[self.offset :]

    @property
    def chosen(self) -> Backtest:
        return self.result.backtests[0]

    @property
    def baseline(self) -> Backtest:
        return next(b for b in self.result.backtests if b.model_name == BASELINE_MODEL)

    def start_of(self, index: int) -> datetime:
        return self.result.point.start_of(self.offset + index)


def planning_zone() -> ZoneInfo:
    zone = timezone.get_default_timezone()
    assert isinstance(zone, ZoneInfo)
    return zone


def next_week_start(now: datetime) -> datetime:
    """Monday 00:00 (local) of the week after ``now``'s."""
    today = now.astimezone(planning_zone()).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(0), planning_zone())


def forecast_next_week(plan: PlanSettings, now: datetime) -> WeekForecast:
    """Forecast ``plan.weeks`` weeks from next Monday from up to ``history_weeks`` weeks of
    complete days before today; raises InvalidInput when the history is too short."""
    zone = planning_zone()
    history_end = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    history_start = datetime.combine(
        history_end.date() - timedelta(weeks=plan.history_weeks), time(0), zone
    )
    history = _from_first_contact_day(
        interval_history(history_start, history_end, plan.interval_minutes, plan.volume)
    )
    needed_weeks = HOLDOUT_WEEKS + MIN_TRAINING_WEEKS
    if len(history) < needed_weeks * history.intervals_per_week:
        raise InvalidInput(
            _("Forecasting needs %(weeks)d weeks of contact history; there are %(days)d days.")
            % {"weeks": needed_weeks, "days": len(history) // history.intervals_per_day}
        )
    week_start = next_week_start(now)
    step_seconds = plan.interval_minutes * 60
    offset = round((week_start.timestamp() - history.end.timestamp()) / step_seconds)
    weeks_seconds = (
        datetime.combine(week_start.date() + timedelta(weeks=plan.weeks), time(0), zone)
        - week_start
    ).total_seconds()
    horizon = offset + round(weeks_seconds / step_seconds)
    result = forecast(history, horizon, holdout_weeks=HOLDOUT_WEEKS)
    return WeekForecast(plan, history, week_start, result, offset)


def _from_first_contact_day(history: IntervalSeries) -> IntervalSeries:
    """The history from the local day of its first contact: the empty weeks before a help
    desk went live would read as weeks without demand."""
    contacts = np.flatnonzero(history.counts)
    if not contacts.size:
        return history.part(len(history), len(history))
    first_day = contacts[0] // history.intervals_per_day * history.intervals_per_day
    return history.part(first_day, len(history))


def staffing(week: WeekForecast) -> list[ErlangCRequirement]:
    """Erlang C requirement of every forecast interval; paid heads stay fractional."""
    plan = week.settings
    return staff_intervals(
        week.point, plan.aht_seconds, plan.interval_minutes, plan.target, plan.policy
    )


def weekly_requirement(
    week: WeekForecast, requirements: list[ErlangCRequirement], skill: str | None
) -> WeeklyRequirement:
    """The first planned week's paid heads, placed on the local wall-clock week.

    Intervals are placed by their local weekday and time, so in a week with a daylight-
    saving change the repeated hour keeps the larger need and the skipped hour needs none.
    """
    interval = week.settings.interval_minutes
    needed = np.zeros(MINUTES_PER_WEEK // interval)
    zone = planning_zone()
    for index, requirement in enumerate(requirements):
        local = week.start_of(index).astimezone(zone)
        if local >= week.week_start + timedelta(weeks=1):
            break
        slot = (local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute) // interval
        needed[slot] = max(needed[slot], requirement.agents_with_shrinkage)
    return WeeklyRequirement(interval, needed, skill)


def team_skill(team_id: int) -> str:
    return f"team:{team_id}"


def rosterable_agents() -> list[Agent]:
    """Active agents (light agents never take contacts), skilled in their teams' queues."""
    users = (
        User.objects.filter(role=Role.AGENT, is_active=True)
        .prefetch_related("teams")
        .order_by("last_name", "first_name", "pk")
    )
    return [
        Agent(
            key=str(user.pk),
            name=str(user),
            hourly_rate=DEFAULT_HOURLY_RATE,
            max_hours_per_week=MAX_HOURS,
            contracted_hours_per_week=CONTRACTED_HOURS,
            min_rest_hours=MIN_REST_HOURS,
            skills=frozenset(team_skill(team.pk) for team in user.teams.all()),
        )
        for user in users
    ]


@dataclass(frozen=True)
class RosterPlan:
    roster: Roster
    agents: tuple[Agent, ...]
    budget: budgeting.Budget
    requirement_cost: budgeting.BudgetLine  # the requirement itself, before rostering


def plan_roster(
    week: WeekForecast,
    requirements: list[ErlangCRequirement],
    *,
    time_limit_seconds: float = 10.0,
) -> RosterPlan:
    plan = week.settings
    team_id = plan.volume.team_id
    requirement = weekly_requirement(week, requirements, team_skill(team_id) if team_id else None)
    agents = tuple(rosterable_agents())
    roster = build_roster(
        requirement, agents, DEFAULT_SHIFT_TEMPLATES, time_limit_seconds=time_limit_seconds
    )
    hours = roster.paid_hours_by_agent()
    week_budget = budgeting.roster_cost(
        (
            budgeting.AgentWeek(
                agent.name,
                hours.get(agent.key, 0.0),
                agent.contracted_hours_per_week,
                agent.hourly_rate,
            )
            for agent in agents
            if agent.key in hours
        ),
        shrinkage=plan.shrinkage,
        overtime_multiplier=OVERTIME_MULTIPLIER,
        total_label=_("Total"),
    )
    first_week = requirements[: requirement.agents.size]
    requirement_cost = budgeting.staffing_plan_cost(
        [interval.agents for interval in first_week],
        plan.interval_minutes,
        shrinkage=plan.shrinkage,
        hourly_rate=DEFAULT_HOURLY_RATE,
        label=_("Requirement (before rostering)"),
    )
    return RosterPlan(roster, agents, week_budget, requirement_cost)


def weekday_abbreviation(weekday: int) -> str:
    return str(WEEKDAYS_ABBR[weekday])


def gap_label(gap: Gap) -> str:
    """E.g. "Mon 07:00-09:00: short by up to 1.4 agents (2.3 agent-hours)"."""
    return _(
        "%(day)s %(start)s-%(end)s: short by up to %(agents).1f agents (%(hours).1f agent-hours)"
    ) % {
        "day": weekday_abbreviation(gap.weekday),
        "start": gap.start_time.strftime("%H:%M"),
        "end": gap.end_time.strftime("%H:%M"),
        "agents": gap.largest_shortfall,
        "hours": gap.agent_hours_short,
    }
