"""Budget arithmetic, checked by hand."""

import pytest

from opora.workforce.budget import (
    CSV_HEADER,
    WEEKS_PER_MONTH,
    AgentWeek,
    roster_cost,
    staffing_plan_cost,
)


def test_roster_cost_pays_overtime_above_the_contract():
    budget = roster_cost(
        [AgentWeek("Anna", 45, 40, 10.0), AgentWeek("Ivan", 30, 40, 20.0)],
        shrinkage=0.3,
        overtime_multiplier=1.5,
        total_label="Total",
    )
    anna, ivan = budget.lines
    assert (anna.regular_hours, anna.overtime_hours) == (40, 5)
    assert anna.cost_per_week == 40 * 10 + 5 * 10 * 1.5 == 475
    assert anna.productive_hours == pytest.approx(31.5)
    assert ivan.cost_per_week == 600 and ivan.overtime_hours == 0
    total = budget.total
    assert total.cost_per_week == 1075 and total.paid_hours == 75
    assert total.hourly_rate == pytest.approx(1075 / 75)
    assert total.cost_per_month == pytest.approx(1075 * 365.25 / 12 / 7)
    assert round(WEEKS_PER_MONTH, 3) == 4.348


def test_staffing_plan_cost_grosses_up_for_shrinkage_without_rounding():
    line = staffing_plan_cost([2, 2, 1, 0], 30, shrinkage=0.5, hourly_rate=100.0, label="plan")
    assert line.productive_hours == 2.5
    assert line.paid_hours == 5.0
    assert line.cost_per_week == 500.0


def test_csv_rows_have_a_header_each_line_and_the_total():
    rows = roster_cost([AgentWeek("Anna", 8, 40, 12.5)], shrinkage=0.0).csv_rows()
    assert rows[0] == CSV_HEADER
    assert rows[1][:2] == ("Anna", "8.00")
    assert rows[-1][0] == "total" and rows[-1][-2] == "100.00"


def test_invalid_terms_are_refused():
    with pytest.raises(ValueError):
        roster_cost([], shrinkage=1.0)
    with pytest.raises(ValueError):
        roster_cost([], shrinkage=0.1, overtime_multiplier=0.5)
