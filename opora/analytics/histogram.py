"""Fixed-bucket histograms of durations, for percentiles read from daily rollups.

Pure and side-effect free. A histogram is ``{bucket: count}`` (sparse; JSON keys are strings,
so both int and str keys are accepted). Bucket 0 holds [0, 1) s (negative durations too);
bucket ``i >= 1`` holds ``[RATIO**(i-1), RATIO**i)`` seconds. A percentile is interpolated like
PostgreSQL's ``percentile_cont`` between two order statistics, each placed evenly inside its
bucket, so every order statistic is estimated inside its own bucket and the error of a percentile is
less than ``(RATIO - 1) × true value + 1 s``: under 2 % (plus a second) of the true figure."""

import math
import operator
from collections.abc import Iterable, Mapping

RATIO = 1.02
_LOG_RATIO = math.log(RATIO)
# 2 % buckets reach past 100 years at this index; longer durations share the last bucket.
LAST_BUCKET = 1600

Histogram = dict[int, int]


def bucket_of(seconds: float) -> int:
    if seconds < 1.0:
        return 0
    index = int(math.log(seconds) / _LOG_RATIO) + 1
    # Floating-point log can land one bucket off at an exact edge: settle it by the bounds.
    low, high = bucket_bounds(index)
    if seconds < low:
        index -= 1
    elif seconds >= high:
        index += 1
    return min(index, LAST_BUCKET)


def bucket_bounds(index: int) -> tuple[float, float]:
    if index == 0:
        return 0.0, 1.0
    return RATIO ** (index - 1), RATIO**index


def histogram_of(values: Iterable[float]) -> Histogram:
    counts: Histogram = {}
    for value in values:
        bucket = bucket_of(value)
        counts[bucket] = counts.get(bucket, 0) + 1
    return counts


def merge(into: Histogram, other: Mapping) -> Histogram:
    """Adds ``other`` (int or JSON string keys) into ``into``; returns ``into``."""
    for bucket, count in other.items():
        key = int(bucket)
        into[key] = into.get(key, 0) + count
    return into


def dense(histogram: Mapping[int, int]) -> list[int]:
    """The stored form ``[first bucket, count, count, …]``: a JSON list of numbers, which is
    smaller and much faster to read back than an object with string keys."""
    if not histogram:
        return []
    first, last = min(histogram), max(histogram)
    return [first, *(histogram.get(bucket, 0) for bucket in range(first, last + 1))]


class Accumulator:
    """Sums many stored (dense) histograms with list slices rather than one step per bucket."""

    def __init__(self) -> None:
        self.counts = [0] * (LAST_BUCKET + 1)

    def add(self, stored: list[int]) -> None:
        if not stored:
            return
        first, last = stored[0], stored[0] + len(stored) - 1
        self.counts[first:last] = map(operator.add, self.counts[first:last], stored[1:])

    def histogram(self) -> Histogram:
        return {bucket: count for bucket, count in enumerate(self.counts) if count}


def _order_statistic(ordered: list[tuple[int, int]], rank: int) -> float:
    """An estimate of the rank-th smallest value (0-based) of the histogram."""
    seen = 0
    for bucket, count in ordered:
        if rank < seen + count:
            low, high = bucket_bounds(bucket)
            if bucket == LAST_BUCKET:
                return low
            return low + (high - low) * (rank - seen + 0.5) / count
        seen += count
    raise ValueError("rank beyond the histogram")


def percentile(histogram: Mapping[int, int], fraction: float) -> float | None:
    """The continuous percentile (as percentile_cont) estimated from the histogram."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"percentile fraction {fraction!r} is outside 0..1")
    ordered = sorted((bucket, count) for bucket, count in histogram.items() if count > 0)
    total = sum(count for _bucket, count in ordered)
    if total == 0:
        return None
    position = (total - 1) * fraction
    lower = math.floor(position)
    below = _order_statistic(ordered, lower)
    if lower == position:
        return below
    above = _order_statistic(ordered, lower + 1)
    return below + (above - below) * (position - lower)
