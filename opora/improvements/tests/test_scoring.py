"""The eight-factor score and the ranking: properties by hypothesis, a few values by hand."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opora.improvements import scoring
from opora.improvements.models import Factor

ratings = st.fixed_dictionaries(
    {factor: st.integers(0, scoring.MAX_RATING) for factor in scoring.FACTORS}
)
weights = st.fixed_dictionaries(
    {factor: st.floats(0, 100, allow_nan=False) for factor in scoring.FACTORS}
)


def test_the_model_and_the_pure_module_name_the_same_factors():
    assert tuple(Factor.values) == scoring.FACTORS


def test_values_by_hand():
    assert scoring.score({}) == 0
    assert scoring.score({factor: 5 for factor in scoring.FACTORS}) == 100
    # Equal weights: the mean rating over 5, as a percentage: (5 + 3) / 8 / 5 = 20 %.
    equal = dict.fromkeys(scoring.FACTORS, 1.0)
    assert scoring.score({"scale": 5, "brand": 3}, equal) == 20
    assert scoring.score({"scale": 5}, dict.fromkeys(scoring.FACTORS, 0.0)) == 0


@pytest.mark.parametrize(
    "bad", [{"safety": 6}, {"safety": -1}, {"safety": 2.5}, {"safety": True}, {"colour": 1}]
)
def test_bad_ratings_refused(bad):
    with pytest.raises(ValueError):
        scoring.score(bad)


def test_bad_weights_refused():
    with pytest.raises(ValueError):
        scoring.score({}, {"safety": -1})
    with pytest.raises(ValueError):
        scoring.score({}, {"luck": 1})


@given(ratings=ratings, weights=weights)
def test_score_between_0_and_100(ratings, weights):
    assert 0 <= scoring.score(ratings, weights) <= 100


@given(ratings=ratings, weights=weights, factor=st.sampled_from(scoring.FACTORS))
def test_monotonic_in_each_factor(ratings, weights, factor):
    if ratings[factor] == scoring.MAX_RATING:
        return
    higher = {**ratings, factor: ratings[factor] + 1}
    lower_score, higher_score = scoring.score(ratings, weights), scoring.score(higher, weights)
    assert higher_score >= lower_score
    # Strictly higher whenever the factor carries a share of the weight that survives rounding.
    if weights[factor] > 0 and weights[factor] >= 1e-3 * sum(weights.values()):
        assert higher_score > lower_score


@given(items=st.lists(ratings, min_size=1, max_size=30), weights=weights)
def test_every_safety_item_ranks_above_every_other(items, weights):
    ranked = scoring.rank(items, lambda item: item, weights)
    flags = [scoring.is_safety_issue(item) for item in ranked]
    assert flags == sorted(flags, reverse=True)
    # Within each group, the higher score first.
    for group in (True, False):
        scores = [
            scoring.score(item, weights)
            for item in ranked
            if scoring.is_safety_issue(item) == group
        ]
        assert scores == sorted(scores, reverse=True)


def test_a_low_scoring_safety_issue_beats_a_perfect_other_item():
    perfect = dict.fromkeys(scoring.FACTORS, 5) | {"safety": 0}
    barely_safe = {"safety": 1}
    assert scoring.rank([perfect, barely_safe], lambda item: item) == [barely_safe, perfect]


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_frequency_grows_with_linked_tickets(fewer, more):
    fewer, more = sorted((fewer, more))
    assert 0 <= scoring.frequency_from_tickets(fewer) <= scoring.frequency_from_tickets(more) <= 5


def test_frequency_steps():
    assert [scoring.frequency_from_tickets(n) for n in (0, 1, 4, 5, 20, 50, 99, 100)] == [
        0,
        1,
        1,
        2,
        3,
        4,
        4,
        5,
    ]
    with pytest.raises(ValueError):
        scoring.frequency_from_tickets(-1)
