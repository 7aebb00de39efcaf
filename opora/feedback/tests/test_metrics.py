"""Tests for customer-experience metrics (opora.feedback.metrics)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from opora.feedback.metrics import (
    CES_SCALE,
    CSAT_SCALE,
    NPS_SCALE,
    ConfidenceInterval,
    SurveyScale,
    ces,
    ces_from_counts,
    csat,
    csat_from_counts,
    nps,
    nps_from_counts,
    response_rate,
    wilson_score_interval,
)

METRIC_SETTINGS = settings(max_examples=100, deadline=None)


def scores_on(scale: SurveyScale, lowest: int | None = None, highest: int | None = None):
    """Non-empty lists of answers on ``scale``, optionally limited to a band of it."""
    return st.lists(
        st.integers(
            scale.lowest if lowest is None else lowest,
            scale.highest if highest is None else highest,
        ),
        min_size=1,
        max_size=200,
    )


def assert_brackets(interval: ConfidenceInterval, estimate: float, low: float, high: float):
    assert low <= interval.low <= estimate <= interval.high <= high


# --- Hand-computed fixtures --------------------------------------------------------------


def test_nps_of_ten_known_responses() -> None:
    # Promoters 10, 10, 9, 9, 9 (5); passives 8, 7 (2); detractors 6, 3, 0 (3).
    # NPS = 50 % - 30 % = 20. Interval: variance 0.5 + 0.3 - 0.2^2 = 0.76,
    # 20 +/- 1.959964 x 100 x sqrt(0.76 / 10) = 20 +/- 54.0325.
    result = nps([10, 10, 9, 9, 9, 8, 7, 6, 3, 0])
    assert (result.responses, result.promoters, result.passives, result.detractors) == (
        10,
        5,
        2,
        3,
    )
    assert (result.promoters_percent, result.passives_percent, result.detractors_percent) == (
        50.0,
        20.0,
        30.0,
    )
    assert result.nps == 20.0
    assert result.confidence_interval is not None
    assert result.confidence_interval.low == pytest.approx(-34.0325, abs=1e-4)
    assert result.confidence_interval.high == pytest.approx(74.0325, abs=1e-4)
    assert result.confidence_interval.confidence == 0.95


def test_csat_of_eight_known_responses() -> None:
    # 4-5 answers: 5, 4, 4, 5, 4 = 5 of 8 -> 62.5 %. Wilson 95 %: centre 0.58306,
    # half-width 0.27871 -> 30.574 % to 86.316 %.
    result = csat([5, 4, 4, 3, 2, 5, 1, 4])
    assert (result.responses, result.satisfied, result.csat_percent) == (8, 5, 62.5)
    assert result.confidence_interval is not None
    assert result.confidence_interval.low == pytest.approx(30.5742, abs=1e-4)
    assert result.confidence_interval.high == pytest.approx(86.3156, abs=1e-4)


def test_ces_of_five_known_responses() -> None:
    # Mean (7 + 6 + 5 + 5 + 3) / 5 = 5.2; 5-7 answers: 4 of 5 = 80 %.
    # Sample variance 8.8 / 4 = 2.2; t(4, 97.5 %) = 2.776445;
    # 5.2 +/- 2.776445 x sqrt(2.2 / 5) = 5.2 +/- 1.841685, the top clipped to the scale's 7.
    result = ces([7, 6, 5, 5, 3])
    assert (result.responses, result.mean_score, result.easy, result.easy_percent) == (
        5,
        5.2,
        4,
        80.0,
    )
    assert result.mean_confidence_interval is not None
    assert result.mean_confidence_interval.low == pytest.approx(3.358315, abs=1e-6)
    assert result.mean_confidence_interval.high == 7.0


def test_counts_from_sql_give_the_same_result_as_raw_scores() -> None:
    # What a report's "GROUP BY score" returns; a score with no answers may appear as 0.
    assert nps_from_counts({10: 2, 9: 3, 8: 1, 7: 1, 6: 1, 3: 1, 0: 1, 5: 0}) == nps(
        [10, 10, 9, 9, 9, 8, 7, 6, 3, 0]
    )


def test_response_rate() -> None:
    assert response_rate(25, 200) == 12.5
    assert response_rate(0, 10) == 0.0
    assert response_rate(0, 0) is None


def test_single_ces_response_has_no_interval_for_the_mean() -> None:
    result = ces([6])
    assert result.mean_score == 6.0
    assert result.mean_confidence_interval is None  # one answer says nothing about spread
    assert result.easy_confidence_interval is not None


# --- Empty input and invalid input -------------------------------------------------------


def test_no_responses_give_none_not_zero() -> None:
    no_csat, no_nps, no_ces = csat([]), nps([]), ces([])
    assert (no_csat.responses, no_csat.csat_percent, no_csat.confidence_interval) == (0, None, None)
    assert no_nps.responses == no_nps.promoters == no_nps.passives == no_nps.detractors == 0
    assert no_nps.nps is None and no_nps.confidence_interval is None
    assert no_nps.promoters_percent is no_nps.passives_percent is no_nps.detractors_percent is None
    assert no_ces.mean_score is None and no_ces.easy_percent is None
    assert no_ces.mean_confidence_interval is no_ces.easy_confidence_interval is None
    assert wilson_score_interval(0, 0) is None


@pytest.mark.parametrize(
    ("metric", "scores", "message"),
    [
        (csat, [5, 0], "CSAT score 0 is outside the scale 1-5"),
        (csat, [6], "CSAT score 6 is outside"),
        (nps, [10, 11], "NPS score 11 is outside the scale 0-10"),
        (nps, [-1], "NPS score -1 is outside"),
        (ces, [8], "CES score 8 is outside the scale 1-7"),
        (ces, [0], "CES score 0 is outside"),
        (csat, [4.5], "CSAT score 4.5 is not a whole number"),
        (nps, [None], "NPS score None is not a whole number"),
    ],
)
def test_scores_off_the_scale_are_rejected_by_value(
    metric: Callable[[list[object]], object], scores: list[object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        metric(scores)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: csat_from_counts({5: -1}), "count -1 of CSAT score 5"),
        (lambda: ces_from_counts({7: 1.5}), "count 1.5 of CES score 7"),
        (lambda: csat([], confidence=1.0), "confidence must be between 0 and 1"),
        (lambda: nps([9], confidence=0), "confidence must be between 0 and 1"),
        (lambda: ces([], confidence=-0.5), "confidence must be between 0 and 1"),
        (lambda: response_rate(11, 10), "11 responses to only 10 surveys sent"),
        (lambda: response_rate(-1, 10), "cannot be negative"),
        (lambda: wilson_score_interval(3, 2), "successes <= trials"),
    ],
)
def test_invalid_arguments_are_rejected(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --- Properties ---------------------------------------------------------------------------


@METRIC_SETTINGS
@given(scores_on(NPS_SCALE))
def test_nps_and_its_interval_stay_within_minus_100_and_100(scores: list[int]) -> None:
    result = nps(scores)
    assert result.nps is not None and result.confidence_interval is not None
    assert_brackets(result.confidence_interval, result.nps, -100, 100)
    assert result.promoters + result.passives + result.detractors == len(scores)
    assert result.promoters_percent is not None and result.detractors_percent is not None
    assert result.nps == pytest.approx(result.promoters_percent - result.detractors_percent)


@METRIC_SETTINGS
@given(scores_on(NPS_SCALE, lowest=9), scores_on(NPS_SCALE, highest=6))
def test_unanimous_promoters_score_100_and_detractors_minus_100(
    promoters: list[int], detractors: list[int]
) -> None:
    assert nps(promoters).nps == 100.0
    assert nps(detractors).nps == -100.0


@METRIC_SETTINGS
@given(scores_on(CSAT_SCALE, lowest=4))
def test_csat_of_only_4_and_5_is_100_percent(scores: list[int]) -> None:
    result = csat(scores)
    assert result.csat_percent == 100.0
    assert result.confidence_interval is not None
    assert result.confidence_interval.high == 100.0
    assert result.confidence_interval.low < 100.0  # Wilson does not collapse to the point


@METRIC_SETTINGS
@given(scores_on(CSAT_SCALE), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_csat_interval_brackets_the_estimate(scores: list[int], confidence: float) -> None:
    result = csat(scores, confidence)
    assert result.csat_percent is not None and result.confidence_interval is not None
    assert_brackets(result.confidence_interval, result.csat_percent, 0, 100)


@METRIC_SETTINGS
@given(scores_on(CES_SCALE), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_ces_intervals_bracket_the_estimates(scores: list[int], confidence: float) -> None:
    result = ces(scores, confidence)
    assert result.mean_score is not None and result.easy_percent is not None
    assert CES_SCALE.lowest <= result.mean_score <= CES_SCALE.highest
    if len(scores) >= 2:
        assert result.mean_confidence_interval is not None
        assert_brackets(result.mean_confidence_interval, result.mean_score, 1, 7)
    assert result.easy_confidence_interval is not None
    assert_brackets(result.easy_confidence_interval, result.easy_percent, 0, 100)


@METRIC_SETTINGS
@given(st.data())
def test_order_of_responses_does_not_matter(data: st.DataObject) -> None:
    for from_scores, from_counts, scale in (
        (csat, csat_from_counts, CSAT_SCALE),
        (nps, nps_from_counts, NPS_SCALE),
        (ces, ces_from_counts, CES_SCALE),
    ):
        scores = data.draw(scores_on(scale))
        shuffled = data.draw(st.permutations(scores))
        assert from_scores(shuffled) == from_scores(scores) == from_counts(Counter(scores))


@METRIC_SETTINGS
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_matches_statsmodels(successes_of_trials: tuple[int, int]) -> None:
    successes, trials = successes_of_trials
    interval = wilson_score_interval(successes, trials)
    low, high = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    assert interval is not None
    assert interval.low == pytest.approx(100 * low, abs=1e-9)
    assert interval.high == pytest.approx(100 * high, abs=1e-9)


@METRIC_SETTINGS
@given(st.integers(0, 10_000).flatmap(lambda sent: st.tuples(st.integers(0, sent), st.just(sent))))
def test_response_rate_is_a_percentage(responses_of_sent: tuple[int, int]) -> None:
    responses, sent = responses_of_sent
    rate = response_rate(responses, sent)
    if sent == 0:
        assert rate is None
    else:
        assert rate is not None and 0 <= rate <= 100
