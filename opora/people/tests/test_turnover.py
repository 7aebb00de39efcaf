import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.people.turnover import TeamPeriod, average_headcount, turnover_rate

PROPERTY = settings(max_examples=150, deadline=None)


def test_rate_by_hand():
    # 10 at the start, 12 at the end, 2 left: 2 / 11 × 100
    assert turnover_rate(2, 10, 12) == 18.18
    assert turnover_rate(0, 0, 0) is None
    assert TeamPeriod(headcount_start=10, hires=4, leavers=2).headcount_end == 12


@PROPERTY
@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000))
def test_rate_is_non_negative_and_grows_with_leavers(start, end, leavers):
    rate = turnover_rate(leavers, start, end)
    if start + end == 0:
        assert rate is None
        return
    assert rate >= 0
    assert turnover_rate(leavers + 1, start, end) > rate
    assert rate == pytest.approx(100 * leavers / average_headcount(start, end), abs=0.01)


@PROPERTY
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_everyone_leaving_a_stable_team_is_100_percent_per_head(start, hires, leavers):
    period = TeamPeriod(start, hires, leavers)
    assert period.headcount_end >= 0
    if start:
        assert turnover_rate(start, start, start) == 100.0


def test_negative_inputs_refused():
    with pytest.raises(ValueError):
        turnover_rate(-1, 1, 1)
    with pytest.raises(ValueError):
        average_headcount(-1, 3)
