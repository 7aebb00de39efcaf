"""Weekly rosters: which agent works which shift so that a staffing requirement is covered.

The requirement is one week of fractional head counts per interval (paid agents on shift,
shrinkage included, e.g. ``agents_with_shrinkage`` from :mod:`opora.workforce.erlang`),
indexed by local wall-clock time from Monday 00:00.  The roster is cyclic: the week repeats,
so a Sunday night shift runs on into Monday morning and the rest rule applies across the
weekend as well.

The optimiser is OR-Tools CP-SAT.  One boolean per (agent, day, shift template) the agent
could work (template allowed that day, shift inside one of the agent's availability windows,
agent holding the requirement's skill), and per agent:

* at most one shift a day;
* paid hours within ``max_hours_per_week``;
* no two shifts closer than ``min_rest_hours`` (end of one to start of the next).

Coverage is soft, so every instance has a solution and a roster that cannot cover every
interval still returns its best partial cover, with the gaps named.  The objective, in
currency units, is

    hours paid x hourly rate
    + understaffing penalty x agent-hours short      (>> any rate: cover first)
    + overstaffing penalty x agent-hours beyond need  (small: place spare heads evenly)

Requirements stay fractional until the end: a slot needing 1.4 agents counts 0.4 of an
agent short with one head on shift and is covered by two.  Shortfall is modelled in
hundredths of an agent so the fractions survive CP-SAT's integer arithmetic.

Model size: coverage is enforced per *solve slot* (60 minutes by default) rather than per
requirement interval, with each slot needing the largest requirement among its intervals,
so a quarter-hour peak is never averaged away.  A 15-minute week has 672 intervals; hourly
slots cut the coverage rows to 168 while shifts, which start and end on the hour in
practice, lose nothing.  A shift counts towards a slot (and, in the per-interval report, an
interval) only if it spans all of it.  Break placement is left to the day's supervisor:
shrinkage already accounts for breaks, so a shift covers its whole length.
"""

from __future__ import annotations

import enum
import math
import time as timer
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from itertools import combinations
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from ortools.sat.python import cp_model

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MINUTES_PER_DAY: Final = 24 * 60
DAYS_PER_WEEK: Final = 7
MINUTES_PER_WEEK: Final = DAYS_PER_WEEK * MINUTES_PER_DAY
ALL_WEEKDAYS: Final = frozenset(range(DAYS_PER_WEEK))  # Monday = 0

# Shortfall is counted in hundredths of an agent (see the module docstring).
_REQUIREMENT_SCALE: Final = 100
# Money in the objective is counted in hundredths of a currency unit, then rounded.
_MONEY_SCALE: Final = 100
# A requirement exceeding the heads on shift by less than this is float noise, not a gap.
_SHORTFALL_TOLERANCE: Final = 1e-9


def _minute_of_day(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """From ``start`` to ``end`` on one day; an ``end`` at or before ``start`` runs past
    midnight into the next day (so 00:00-00:00 is the whole day)."""

    start: time
    end: time

    @property
    def minutes(self) -> tuple[int, int]:
        """(start, end) in minutes after the day's midnight; end may exceed 24 h."""
        start, end = _minute_of_day(self.start), _minute_of_day(self.end)
        return start, end if end > start else end + MINUTES_PER_DAY


WHOLE_DAY: Final = TimeWindow(time(0), time(0))
ALWAYS_AVAILABLE: Final = tuple((WHOLE_DAY,) for _ in range(DAYS_PER_WEEK))


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A shift pattern: starts at ``start`` (local time) and lasts ``length_minutes``, of
    which ``paid_minutes`` are paid (the rest is an unpaid meal break)."""

    name: str
    start: time
    length_minutes: int
    paid_minutes: int
    weekdays: frozenset[int] = ALL_WEEKDAYS

    def __post_init__(self) -> None:
        if not 0 < self.length_minutes <= MINUTES_PER_DAY:
            raise ValueError(f"shift {self.name!r}: length must be within (0, 24 h]")
        if not 0 < self.paid_minutes <= self.length_minutes:
            raise ValueError(f"shift {self.name!r}: paid minutes must be within (0, length]")
        if not self.weekdays or not self.weekdays <= ALL_WEEKDAYS:
            raise ValueError(f"shift {self.name!r}: weekdays must be a non-empty subset of 0-6")

    @property
    def end(self) -> time:
        return _time_of_week(_minute_of_day(self.start) + self.length_minutes)


@dataclass(frozen=True, slots=True)
class Agent:
    """Someone who can be rostered.

    ``availability[d]`` lists the windows the agent can work on weekday ``d`` (Monday = 0);
    a shift must lie inside them.  Adjacent windows join, so 00:00-00:00 every day allows
    night shifts.  ``contracted_hours_per_week``
    does not bind the roster; pay above it is overtime in :mod:`opora.workforce.budget`.
    """

    key: str
    name: str
    hourly_rate: float
    max_hours_per_week: float = 40.0
    contracted_hours_per_week: float = 40.0
    min_rest_hours: float = 11.0
    skills: frozenset[str] = frozenset()
    availability: tuple[tuple[TimeWindow, ...], ...] = ALWAYS_AVAILABLE

    def __post_init__(self) -> None:
        if len(self.availability) != DAYS_PER_WEEK:
            raise ValueError(f"agent {self.key!r}: availability needs one entry per weekday")
        if self.hourly_rate < 0 or self.max_hours_per_week < 0 or self.min_rest_hours < 0:
            raise ValueError(f"agent {self.key!r}: rate, hours and rest must be >= 0")

    def available_minutes(self) -> NDArray[np.bool_]:
        """Per minute of the cyclic week, whether the agent can work then."""
        available = np.zeros(MINUTES_PER_WEEK, dtype=bool)
        for weekday, windows in enumerate(self.availability):
            for window in windows:
                start, end = window.minutes
                minutes = np.arange(start, end) + weekday * MINUTES_PER_DAY
                available[minutes % MINUTES_PER_WEEK] = True
        return available


@dataclass(frozen=True)
class WeeklyRequirement:
    """Fractional paid heads needed per interval of a local week, Monday 00:00 first.

    ``skill`` restricts the roster to agents holding it (``None``: any agent).
    """

    interval_minutes: int
    agents: FloatArray
    skill: str | None = None

    def __post_init__(self) -> None:
        if self.interval_minutes <= 0 or MINUTES_PER_DAY % self.interval_minutes:
            raise ValueError("interval_minutes must divide a day (15, 30, 60...)")
        agents = np.array(self.agents, dtype=np.float64)
        if agents.shape != (MINUTES_PER_WEEK // self.interval_minutes,):
            raise ValueError(
                f"a week of {self.interval_minutes}-minute intervals has "
                f"{MINUTES_PER_WEEK // self.interval_minutes} values, got {agents.size}"
            )
        if not np.all(np.isfinite(agents) & (agents >= 0)):
            raise ValueError("requirements must be finite and >= 0")
        agents.setflags(write=False)
        object.__setattr__(self, "agents", agents)

    @classmethod
    def of(
        cls, interval_minutes: int, agents: ArrayLike, skill: str | None = None
    ) -> WeeklyRequirement:
        return cls(interval_minutes, np.asarray(agents, dtype=np.float64), skill)


@dataclass(frozen=True, slots=True)
class RosterWeights:
    """Objective weights, as multiples of the agents' hourly rates so that they hold in any
    currency: an agent-hour short costs ``understaffing`` x the highest rate, an agent-hour
    beyond the (rounded-up) requirement ``overstaffing`` x the lowest rate on top of its pay."""

    understaffing: float = 1000.0
    overstaffing: float = 0.05


DEFAULT_WEIGHTS: Final = RosterWeights()


class SolveStatus(enum.StrEnum):
    OPTIMAL = "optimal"  # proven least cost
    FEASIBLE = "feasible"  # best found before the time limit
    NOT_SOLVED = "not_solved"  # no roster found in time: nobody is rostered


@dataclass(frozen=True, slots=True)
class Assignment:
    agent_key: str
    agent_name: str
    weekday: int
    template: ShiftTemplate

    @property
    def start_minute(self) -> int:
        """Minutes after Monday 00:00."""
        return self.weekday * MINUTES_PER_DAY + _minute_of_day(self.template.start)

    @property
    def paid_hours(self) -> float:
        return self.template.paid_minutes / 60.0


@dataclass(frozen=True, slots=True)
class Gap:
    """A run of consecutive intervals the roster leaves short."""

    start_minute: int  # after Monday 00:00
    end_minute: int
    largest_shortfall: float  # agents, fractional
    agent_hours_short: float

    @property
    def weekday(self) -> int:
        return self.start_minute // MINUTES_PER_DAY

    @property
    def start_time(self) -> time:
        return _time_of_week(self.start_minute)

    @property
    def end_time(self) -> time:
        return _time_of_week(self.end_minute)


@dataclass(frozen=True)
class Roster:
    """The best roster found, and how it meets the requirement interval by interval."""

    status: SolveStatus
    assignments: tuple[Assignment, ...]
    requirement: WeeklyRequirement
    scheduled: IntArray  # heads on shift per requirement interval
    solve_seconds: float
    solve_slot_minutes: int

    @property
    def interval_minutes(self) -> int:
        return self.requirement.interval_minutes

    @property
    def needed_heads(self) -> IntArray:
        """The requirement rounded up per interval, for reporting only."""
        return np.ceil(self.requirement.agents - _SHORTFALL_TOLERANCE).astype(np.int64)

    @property
    def understaffed(self) -> FloatArray:
        """Agents missing per interval, fractional (1.4 needed, 1 on shift: 0.4)."""
        return np.clip(self.requirement.agents - self.scheduled, 0.0, None)

    @property
    def overstaffed(self) -> IntArray:
        """Heads on shift beyond the rounded-up requirement, per interval."""
        return np.clip(self.scheduled - self.needed_heads, 0, None)

    @property
    def coverage(self) -> float:
        """Share of the required agent-hours the roster covers (1 when nothing is needed)."""
        required = float(self.requirement.agents.sum())
        if required == 0.0:
            return 1.0
        covered = np.minimum(self.requirement.agents, self.scheduled).sum()
        return float(covered) / required

    @property
    def gaps(self) -> tuple[Gap, ...]:
        short = self.understaffed
        is_short = short > _SHORTFALL_TOLERANCE
        gaps = []
        index = 0
        while index < short.size:
            if not is_short[index]:
                index += 1
                continue
            first = index
            while index < short.size and is_short[index]:
                index += 1
            run = short[first:index]
            gaps.append(
                Gap(
                    start_minute=first * self.interval_minutes,
                    end_minute=index * self.interval_minutes,
                    largest_shortfall=float(run.max()),
                    agent_hours_short=float(run.sum()) * self.interval_minutes / 60.0,
                )
            )
        return tuple(gaps)

    @property
    def fully_covered(self) -> bool:
        return not self.gaps

    def paid_hours_by_agent(self) -> dict[str, float]:
        hours: dict[str, float] = {}
        for assignment in self.assignments:
            hours[assignment.agent_key] = hours.get(assignment.agent_key, 0.0) + (
                assignment.paid_hours
            )
        return hours


def build_roster(
    requirement: WeeklyRequirement,
    agents: Sequence[Agent],
    templates: Sequence[ShiftTemplate],
    *,
    solve_slot_minutes: int = 60,
    time_limit_seconds: float = 10.0,
    num_workers: int = 2,
    random_seed: int = 0,
    weights: RosterWeights = DEFAULT_WEIGHTS,
) -> Roster:
    """The least-cost roster covering ``requirement`` (see the module docstring).

    Stops at ``time_limit_seconds`` with the best roster found; ``status`` says whether it
    is proven optimal.  A fixed ``random_seed`` makes repeated runs agree on small
    instances, which solve to optimality.
    """
    if len({agent.key for agent in agents}) != len(agents):
        raise ValueError("agent keys must be unique")
    slot = math.lcm(solve_slot_minutes, requirement.interval_minutes)
    if MINUTES_PER_DAY % slot:
        raise ValueError(f"solve slots of {slot} minutes do not divide a day")
    candidates = [
        candidate
        for agent in agents
        if requirement.skill is None or requirement.skill in agent.skills
        for candidate in _possible_shifts(agent, templates)
    ]
    started = timer.perf_counter()
    model, chosen_vars = _roster_model(requirement, agents, candidates, slot, weights)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_seconds
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = random_seed
    outcome = solver.solve(model)
    elapsed = timer.perf_counter() - started

    if outcome in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        status = SolveStatus.OPTIMAL if outcome == cp_model.OPTIMAL else SolveStatus.FEASIBLE
        chosen = tuple(
            candidate
            for candidate, chosen_var in zip(candidates, chosen_vars, strict=True)
            if solver.boolean_value(chosen_var)
        )
    else:
        status, chosen = SolveStatus.NOT_SOLVED, ()
    return Roster(
        status=status,
        assignments=chosen,
        requirement=requirement,
        scheduled=_heads_per_interval(chosen, requirement.interval_minutes),
        solve_seconds=elapsed,
        solve_slot_minutes=slot,
    )


def _roster_model(
    requirement: WeeklyRequirement,
    agents: Sequence[Agent],
    candidates: Sequence[Assignment],
    slot_minutes: int,
    weights: RosterWeights,
) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"shift_{index}") for index in range(len(candidates))]
    agent_by_key = {agent.key: agent for agent in agents}

    for agent in agents:
        own = [
            index for index, candidate in enumerate(candidates) if candidate.agent_key == agent.key
        ]
        if not own:
            continue
        for weekday in range(DAYS_PER_WEEK):
            model.add_at_most_one(chosen[i] for i in own if candidates[i].weekday == weekday)
        model.add(
            sum(candidates[i].template.paid_minutes * chosen[i] for i in own)
            <= round(agent.max_hours_per_week * 60)
        )
        rest = round(agent.min_rest_hours * 60)
        for first, second in combinations(own, 2):
            if _too_close(candidates[first], candidates[second], rest):
                model.add_bool_or([chosen[first].Not(), chosen[second].Not()])

    rates = [agent.hourly_rate for agent in agents] or [0.0]
    slot_hours = slot_minutes / 60.0
    # Money per hundredth of an agent short for one slot, and per whole spare head.
    short_cost = round(
        weights.understaffing * max(rates) * slot_hours * _MONEY_SCALE / _REQUIREMENT_SCALE
    )
    spare_cost = round(weights.overstaffing * min(rates) * slot_hours * _MONEY_SCALE)
    objective = [
        round(agent_by_key[candidate.agent_key].hourly_rate * candidate.paid_hours * _MONEY_SCALE)
        * chosen_var
        for candidate, chosen_var in zip(candidates, chosen, strict=True)
    ]

    per_slot = requirement.agents.reshape(-1, slot_minutes // requirement.interval_minutes)
    slot_covered_by = _coverage_matrix(candidates, slot_minutes)
    for slot, needed in enumerate(per_slot.max(axis=1)):
        covering = [chosen[index] for index in np.flatnonzero(slot_covered_by[slot])]
        heads = sum(covering)
        needed_hundredths = math.ceil(needed * _REQUIREMENT_SCALE - _SHORTFALL_TOLERANCE)
        if needed_hundredths > 0:
            short = model.new_int_var(0, needed_hundredths, f"short_{slot}")
            model.add(short >= needed_hundredths - _REQUIREMENT_SCALE * heads)
            objective.append(short_cost * short)
        if covering:
            spare = model.new_int_var(0, len(covering), f"spare_{slot}")
            model.add(spare >= heads - math.ceil(needed - _SHORTFALL_TOLERANCE))
            objective.append(spare_cost * spare)
    model.minimize(sum(objective))
    return model, chosen


def _possible_shifts(agent: Agent, templates: Sequence[ShiftTemplate]) -> list[Assignment]:
    """Every (day, template) whose shift lies within the agent's availability."""
    available = agent.available_minutes()
    possible = []
    for weekday in range(DAYS_PER_WEEK):
        for template in templates:
            shift = Assignment(agent.key, agent.name, weekday, template)
            minutes = np.arange(shift.start_minute, shift.start_minute + template.length_minutes)
            if weekday in template.weekdays and available[minutes % MINUTES_PER_WEEK].all():
                possible.append(shift)
    return possible


def _too_close(first: Assignment, second: Assignment, rest_minutes: int) -> bool:
    """Whether two shifts overlap or leave less than ``rest_minutes`` between them, in
    either order around the cyclic week."""
    ahead = (second.start_minute - first.start_minute) % MINUTES_PER_WEEK
    behind = (first.start_minute - second.start_minute) % MINUTES_PER_WEEK
    return (
        ahead < first.template.length_minutes + rest_minutes
        or behind < second.template.length_minutes + rest_minutes
    )


def _coverage_matrix(assignments: Sequence[Assignment], interval_minutes: int) -> NDArray[np.bool_]:
    """[interval, shift]: whether the shift spans all of the interval, around the cyclic week."""
    interval_starts = np.arange(0, MINUTES_PER_WEEK, interval_minutes)[:, np.newaxis]
    shift_starts = np.array([a.start_minute for a in assignments], dtype=np.int64)
    shift_lengths = np.array([a.template.length_minutes for a in assignments], dtype=np.int64)
    offsets = (interval_starts - shift_starts) % MINUTES_PER_WEEK
    return offsets + interval_minutes <= shift_lengths


def _heads_per_interval(assignments: Sequence[Assignment], interval_minutes: int) -> IntArray:
    return _coverage_matrix(assignments, interval_minutes).sum(axis=1, dtype=np.int64)


def _time_of_week(minute: int) -> time:
    minute_of_day = minute % MINUTES_PER_DAY
    return time(minute_of_day // 60, minute_of_day % 60)
