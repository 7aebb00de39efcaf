"""Rosters: exact cover when possible, limits always, gaps named when cover is impossible."""

from datetime import time

import numpy as np
import pytest

from opora.workforce.schedule import (
    MINUTES_PER_WEEK,
    Agent,
    ShiftTemplate,
    SolveStatus,
    TimeWindow,
    WeeklyRequirement,
    build_roster,
)

QUARTERS_PER_DAY = 96
DAY_SHIFT = ShiftTemplate("day", time(9), 8 * 60, 8 * 60)
EARLY = ShiftTemplate("early", time(7), 8 * 60, 8 * 60)
LATE = ShiftTemplate("late", time(15), 8 * 60, 8 * 60)
NIGHT = ShiftTemplate("night", time(23), 8 * 60, 8 * 60)


def office_hours(heads: float, days=range(5)) -> WeeklyRequirement:
    """``heads`` needed 09:00-17:00 on ``days``, in quarter-hours."""
    needed = np.zeros(MINUTES_PER_WEEK // 15)
    for day in days:
        needed[day * QUARTERS_PER_DAY + 36 : day * QUARTERS_PER_DAY + 68] = heads
    return WeeklyRequirement.of(15, needed)


def agents(count: int, **terms) -> list[Agent]:
    return [Agent(f"a{n}", f"Agent {n}", hourly_rate=10.0 + n, **terms) for n in range(count)]


def solve(requirement, people, templates=(DAY_SHIFT, EARLY, LATE)):
    return build_roster(requirement, people, templates, time_limit_seconds=2.0)


def test_a_feasible_requirement_is_covered_exactly_at_least_cost():
    roster = solve(office_hours(2), agents(3))
    assert roster.status is SolveStatus.OPTIMAL
    assert roster.fully_covered and roster.coverage == 1.0
    np.testing.assert_array_equal(roster.scheduled, roster.needed_heads)
    assert roster.overstaffed.sum() == 0
    # Ten day shifts, given to the two cheapest agents (five days each fits 40 hours).
    assert len(roster.assignments) == 10
    assert {a.template.name for a in roster.assignments} == {"day"}
    assert roster.paid_hours_by_agent() == {"a0": 40.0, "a1": 40.0}


def test_fractional_requirement_is_rounded_up_only_per_interval():
    roster = solve(office_hours(1.4, days=[0]), agents(3))
    assert roster.fully_covered
    assert set(roster.scheduled[36:68]) == {2}
    assert roster.understaffed.sum() == 0


def test_max_hours_and_rest_are_respected_even_when_cover_suffers():
    around_the_clock = WeeklyRequirement.of(60, np.ones(168))
    roster = solve(
        around_the_clock,
        agents(2, max_hours_per_week=40, min_rest_hours=11),
        templates=(EARLY, LATE, NIGHT),
    )
    hours = roster.paid_hours_by_agent()
    assert all(total <= 40 for total in hours.values())
    for key in hours:
        starts = sorted(a.start_minute for a in roster.assignments if a.agent_key == key)
        # Cyclic week: from each shift's end to the next start is at least 11 hours.
        for first, second in zip(starts, [*starts[1:], starts[0] + MINUTES_PER_WEEK], strict=True):
            assert second - first >= 8 * 60 + 11 * 60
    assert not roster.fully_covered
    assert roster.coverage == pytest.approx(80 / 168)


def test_impossible_cover_returns_the_best_partial_roster_with_gaps_named():
    roster = solve(office_hours(2, days=[0]), agents(1))
    assert roster.status is SolveStatus.OPTIMAL
    assert [a.template.name for a in roster.assignments] == ["day"]
    (gap,) = roster.gaps
    assert (gap.weekday, gap.start_time, gap.end_time) == (0, time(9), time(17))
    assert gap.largest_shortfall == 1.0 and gap.agent_hours_short == 8.0
    assert roster.coverage == 0.5


def test_availability_and_skills_limit_who_works_when():
    mondays_off = tuple(() if day == 0 else (TimeWindow(time(8), time(18)),) for day in range(7))
    people = [
        Agent("busy", "Busy", 5.0, availability=mondays_off, skills=frozenset({"chat"})),
        Agent("other", "Other", 50.0, skills=frozenset({"email"})),
        Agent("spare", "Spare", 80.0, skills=frozenset({"chat"})),
    ]
    needed = office_hours(1, days=[0, 1]).agents
    roster = solve(WeeklyRequirement.of(15, needed, skill="chat"), people)
    worked = {(a.agent_key, a.weekday) for a in roster.assignments}
    assert worked == {("spare", 0), ("busy", 1)}
    assert roster.fully_covered


def test_same_input_same_roster():
    first = solve(office_hours(2), agents(4))
    second = solve(office_hours(2), agents(4))
    assert first.assignments == second.assignments


def test_a_requirement_must_be_one_week():
    with pytest.raises(ValueError, match="672 values"):
        WeeklyRequirement.of(15, np.ones(10))
