"""Staff turnover: pure, typed, no Django.

turnover rate (%) = leavers in the period ÷ average headcount × 100, where
average headcount = (headcount at the start + headcount at the end) ÷ 2.
This is the common HR definition (e.g. the US BLS "separations rate" uses the same idea with
monthly averages). A team that had nobody at either end has no rate (None), not 0 % or ∞.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TeamPeriod:
    headcount_start: int
    hires: int
    leavers: int

    @property
    def headcount_end(self) -> int:
        return max(0, self.headcount_start + self.hires - self.leavers)


def average_headcount(start: int, end: int) -> float:
    if start < 0 or end < 0:
        raise ValueError("headcount cannot be negative")
    return (start + end) / 2


def turnover_rate(leavers: int, headcount_start: int, headcount_end: int) -> float | None:
    """Leavers as a percentage of the average headcount; None when nobody was there."""
    if leavers < 0:
        raise ValueError("leavers cannot be negative")
    average = average_headcount(headcount_start, headcount_end)
    if average == 0:
        return None
    return round(100 * leavers / average, 2)
