"""Tables and charts of a plan, shaped for the page, the CSV exports and the CLI alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .charts import BLUE, GREY, ORANGE, RED, Series, day_marks, interval_chart
from .erlang import ErlangCRequirement
from .planning import RosterPlan, WeekForecast, planning_zone, weekday_abbreviation
from .schedule import DAYS_PER_WEEK, SolveStatus


@dataclass(frozen=True, slots=True)
class RequirementRow:
    starts_at: datetime
    forecast: float
    lower: float
    upper: float
    traffic_erlangs: float
    agents_on_phones: int
    paid_agents: float  # with shrinkage, fractional


REQUIREMENT_CSV_HEADER = (
    "starts_at",
    "forecast",
    "lower",
    "upper",
    "traffic_erlangs",
    "agents_on_phones",
    "paid_agents",
)


def requirement_rows(
    week: WeekForecast, requirements: list[ErlangCRequirement]
) -> list[RequirementRow]:
    zone = planning_zone()
    return [
        RequirementRow(
            starts_at=week.start_of(index).astimezone(zone),
            forecast=float(week.point[index]),
            lower=float(week.lower[index]),
            upper=float(week.upper[index]),
            traffic_erlangs=requirement.traffic_erlangs,
            agents_on_phones=requirement.agents,
            paid_agents=requirement.agents_with_shrinkage,
        )
        for index, requirement in enumerate(requirements)
    ]


def requirement_csv_rows(rows: list[RequirementRow]) -> list[tuple[str, ...]]:
    return [
        REQUIREMENT_CSV_HEADER,
        *(
            (
                row.starts_at.isoformat(),
                f"{row.forecast:.3f}",
                f"{row.lower:.3f}",
                f"{row.upper:.3f}",
                f"{row.traffic_erlangs:.4f}",
                str(row.agents_on_phones),
                f"{row.paid_agents:.3f}",
            )
            for row in rows
        ),
    ]


@dataclass(frozen=True, slots=True)
class AccuracyRow:
    model_name: str
    mape: float
    wape: float
    chosen: bool
    wape_vs_baseline: float  # this model's WAPE / seasonal-naive's: below 1 beats it

    @property
    def mape_percent(self) -> float:
        return self.mape * 100

    @property
    def wape_percent(self) -> float:
        return self.wape * 100

    @property
    def beats_baseline(self) -> bool:
        return self.wape_vs_baseline < 1.0


def accuracy_rows(week: WeekForecast) -> list[AccuracyRow]:
    baseline = week.baseline.wape
    return [
        AccuracyRow(
            model_name=backtest.model_name,
            mape=backtest.mape,
            wape=backtest.wape,
            chosen=position == 0,
            wape_vs_baseline=backtest.wape / baseline if baseline else float("nan"),
        )
        for position, backtest in enumerate(week.result.backtests)
    ]


def _day_label(day: datetime) -> str:
    return f"{weekday_abbreviation(day.weekday())} {day:%d.%m}"


def interval_label(start: datetime) -> str:
    """E.g. "Mon 30.11 09:30", the weekday in the active language."""
    return f"{_day_label(start)} {start:%H:%M}"


def _local_starts(week: WeekForecast, count: int) -> list[datetime]:
    zone = planning_zone()
    return [week.start_of(index).astimezone(zone) for index in range(count)]


def forecast_chart(week: WeekForecast) -> SafeString:
    starts = _local_starts(week, len(week.point))
    return interval_chart(
        _("Forecast contacts per interval"),
        [
            Series(
                _("%(coverage)d%% prediction interval")
                % {"coverage": round(week.result.coverage * 100)},
                week.lower,
                BLUE,
                "band",
                upper=week.upper,
            ),
            Series(_("Forecast"), week.point, BLUE),
        ],
        day_marks(starts, _day_label),
    )


def backtest_chart(week: WeekForecast) -> SafeString:
    """The chosen model against what happened, over the held-out weeks."""
    chosen = week.chosen
    first = len(week.history) - chosen.actual.size
    zone = planning_zone()
    starts = [
        week.history.start_of(first + index).astimezone(zone) for index in range(chosen.actual.size)
    ]
    return interval_chart(
        _("Forecast vs actual, held-out weeks"),
        [
            Series(_("Actual"), chosen.actual, GREY, "bars"),
            Series(
                _("Forecast (%(model)s)") % {"model": chosen.model_name}, chosen.predicted, ORANGE
            ),
        ],
        day_marks(starts, _day_label),
    )


def requirement_chart(week: WeekForecast, requirements: list[ErlangCRequirement]) -> SafeString:
    starts = _local_starts(week, len(requirements))
    return interval_chart(
        _("Agents needed per interval"),
        [
            Series(
                _("Paid agents (with shrinkage)"),
                [r.agents_with_shrinkage for r in requirements],
                BLUE,
                "bars",
            ),
            Series(_("Agents on the phones"), [r.agents for r in requirements], ORANGE, "step"),
        ],
        day_marks(starts, _day_label),
    )


def coverage_chart(week: WeekForecast, plan: RosterPlan) -> SafeString:
    roster = plan.roster
    starts = _local_starts(week, roster.scheduled.size)
    return interval_chart(
        _("Requirement vs scheduled"),
        [
            Series(_("Required"), roster.requirement.agents, BLUE, "bars"),
            Series(_("Scheduled"), roster.scheduled, ORANGE, "step"),
            Series(_("Short"), roster.understaffed, RED, "step"),
        ],
        day_marks(starts, _day_label),
    )


@dataclass(frozen=True, slots=True)
class CoverageRow:
    starts_at: datetime
    required: float
    scheduled: int
    short: float
    surplus: int


def coverage_rows(week: WeekForecast, plan: RosterPlan) -> list[CoverageRow]:
    roster = plan.roster
    return [
        CoverageRow(start, float(required), int(scheduled), float(short), int(surplus))
        for start, required, scheduled, short, surplus in zip(
            _local_starts(week, roster.scheduled.size),
            roster.requirement.agents,
            roster.scheduled,
            roster.understaffed,
            roster.overstaffed,
            strict=True,
        )
    ]


@dataclass(frozen=True, slots=True)
class RosterRow:
    agent: str
    shifts: tuple[str, ...]  # per weekday, "" for a day off
    paid_hours: float


def roster_rows(plan: RosterPlan) -> list[RosterRow]:
    by_agent: dict[str, list[str]] = {agent.key: [""] * DAYS_PER_WEEK for agent in plan.agents}
    for shift in plan.roster.assignments:
        template = shift.template
        by_agent[shift.agent_key][shift.weekday] = (
            f"{template.name} {template.start:%H:%M}-{template.end:%H:%M}"
        )
    hours = plan.roster.paid_hours_by_agent()
    return [
        RosterRow(agent.name, tuple(by_agent[agent.key]), hours.get(agent.key, 0.0))
        for agent in plan.agents
    ]


def weekday_headers() -> list[str]:
    return [weekday_abbreviation(day) for day in range(DAYS_PER_WEEK)]


def solve_status_label(status: SolveStatus) -> str:
    return {
        SolveStatus.OPTIMAL: _("optimal"),
        SolveStatus.FEASIBLE: _("best found within the time limit"),
        SolveStatus.NOT_SOLVED: _("no roster found within the time limit"),
    }[status]
