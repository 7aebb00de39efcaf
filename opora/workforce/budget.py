"""What a staffing plan or a roster costs, per week and per month, for the budget process.

Two sources, one shape (:class:`BudgetLine`):

* a **staffing plan** (the requirement before rostering): agent-hours on the phones per
  interval grossed up by shrinkage (paid time = productive time / (1 - shrinkage)) at an
  average hourly rate: the cost of exactly the requirement, the floor any roster pays;
* a **roster**: each agent's paid hours, at their rate up to their contracted hours and at
  ``rate x overtime_multiplier`` above them.

Months are average months, 365.25 / 12 / 7 weeks, so twelve of them make a year.
Pure and free of Django; amounts are left unrounded for the caller to format.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

WEEKS_PER_MONTH: Final = 365.25 / 12 / 7

CSV_HEADER: Final = (
    "line",
    "paid_hours_per_week",
    "regular_hours",
    "overtime_hours",
    "productive_hours",
    "hourly_rate",
    "cost_per_week",
    "cost_per_month",
)


@dataclass(frozen=True, slots=True)
class BudgetLine:
    label: str
    paid_hours: float  # per week
    regular_hours: float
    overtime_hours: float
    productive_hours: float  # paid hours less shrinkage: time available for contacts
    hourly_rate: float
    cost_per_week: float

    @property
    def cost_per_month(self) -> float:
        return self.cost_per_week * WEEKS_PER_MONTH

    def csv_row(self) -> tuple[str, ...]:
        return (
            self.label,
            *(
                f"{value:.2f}"
                for value in (
                    self.paid_hours,
                    self.regular_hours,
                    self.overtime_hours,
                    self.productive_hours,
                    self.hourly_rate,
                    self.cost_per_week,
                    self.cost_per_month,
                )
            ),
        )


@dataclass(frozen=True, slots=True)
class AgentWeek:
    """One agent's paid hours in a rostered week and the terms they are paid on."""

    label: str
    paid_hours: float
    contracted_hours: float
    hourly_rate: float


@dataclass(frozen=True)
class Budget:
    lines: tuple[BudgetLine, ...]
    total_label: str

    @property
    def total(self) -> BudgetLine:
        """Sum of the lines; its rate is the paid-hour average."""
        paid = math.fsum(line.paid_hours for line in self.lines)
        cost = math.fsum(line.cost_per_week for line in self.lines)
        return BudgetLine(
            label=self.total_label,
            paid_hours=paid,
            regular_hours=math.fsum(line.regular_hours for line in self.lines),
            overtime_hours=math.fsum(line.overtime_hours for line in self.lines),
            productive_hours=math.fsum(line.productive_hours for line in self.lines),
            hourly_rate=cost / paid if paid else 0.0,
            cost_per_week=cost,
        )

    def csv_rows(self) -> list[tuple[str, ...]]:
        """Header, one row per line, then the total."""
        return [CSV_HEADER, *(line.csv_row() for line in self.lines), self.total.csv_row()]


def _check_shrinkage(shrinkage: float) -> None:
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")


def staffing_plan_cost(
    agents_on_phones: Sequence[float],
    interval_minutes: int,
    *,
    shrinkage: float,
    hourly_rate: float,
    label: str,
) -> BudgetLine:
    """Cost of a week's requirement: agents on the phones per interval (not yet grossed up
    for shrinkage; kept fractional, so nothing is rounded before the sum)."""
    _check_shrinkage(shrinkage)
    if interval_minutes <= 0 or hourly_rate < 0:
        raise ValueError("interval_minutes must be > 0 and hourly_rate >= 0")
    productive = math.fsum(agents_on_phones) * interval_minutes / 60.0
    paid = productive / (1.0 - shrinkage)
    return BudgetLine(
        label=label,
        paid_hours=paid,
        regular_hours=paid,
        overtime_hours=0.0,
        productive_hours=productive,
        hourly_rate=hourly_rate,
        cost_per_week=paid * hourly_rate,
    )


def roster_cost(
    agent_weeks: Iterable[AgentWeek],
    *,
    shrinkage: float,
    overtime_multiplier: float = 1.5,
    total_label: str = "total",
) -> Budget:
    """Cost of a rostered week, one line per agent; hours above the contract are overtime."""
    _check_shrinkage(shrinkage)
    if overtime_multiplier < 1.0:
        raise ValueError("overtime_multiplier must be >= 1")
    lines = []
    for week in agent_weeks:
        regular = min(week.paid_hours, week.contracted_hours)
        overtime = week.paid_hours - regular
        lines.append(
            BudgetLine(
                label=week.label,
                paid_hours=week.paid_hours,
                regular_hours=regular,
                overtime_hours=overtime,
                productive_hours=week.paid_hours * (1.0 - shrinkage),
                hourly_rate=week.hourly_rate,
                cost_per_week=week.hourly_rate * (regular + overtime * overtime_multiplier),
            )
        )
    return Budget(tuple(lines), total_label)
