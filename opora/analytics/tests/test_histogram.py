"""The histogram percentiles stay within the documented bound of the exact percentile_cont."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opora.analytics import histogram
from opora.analytics.stats import percentile_cont

durations = st.lists(
    st.floats(min_value=0, max_value=10 * 365 * 86400, allow_nan=False), min_size=1, max_size=200
)
fractions = st.sampled_from([0.0, 0.1, 0.5, 0.9, 0.99, 1.0])


def within_bound(estimate: float, exact: float) -> bool:
    return abs(estimate - exact) <= (histogram.RATIO - 1) * exact + 1.0 + 1e-6


@given(durations, fractions)
def test_percentile_within_two_percent_plus_a_second(values, fraction):
    exact = percentile_cont(sorted(values), fraction)
    assert within_bound(histogram.percentile(histogram.histogram_of(values), fraction), exact)


@given(durations, durations, fractions)
def test_merged_histograms_are_the_histogram_of_all_values(first, second, fraction):
    merged = histogram.merge(histogram.histogram_of(first), histogram.histogram_of(second))
    assert merged == histogram.histogram_of(first + second)
    # JSON turns the keys into strings: merging those is the same.
    as_json = {str(bucket): count for bucket, count in histogram.histogram_of(second).items()}
    assert histogram.merge(histogram.histogram_of(first), as_json) == merged


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_a_value_lies_inside_its_bucket(seconds):
    low, high = histogram.bucket_bounds(histogram.bucket_of(seconds))
    assert low <= seconds < high


def test_empty_and_bad_input():
    assert histogram.percentile({}, 0.5) is None
    assert histogram.bucket_of(-5) == 0
    with pytest.raises(ValueError):
        histogram.percentile({1: 1}, 1.5)


@given(st.lists(durations, max_size=6))
def test_dense_rows_summed_are_the_histogram_of_all_values(groups):
    accumulator = histogram.Accumulator()
    for values in groups:
        accumulator.add(histogram.dense(histogram.histogram_of(values)))
    assert accumulator.histogram() == histogram.histogram_of([v for vs in groups for v in vs])
