"""The score formula and the sampler are pure: properties checked with hypothesis."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.quality.sampling import allocate, stratified_sample
from opora.quality.scoring import (
    AnswerError,
    CriterionKind,
    CriterionSpec,
    change,
    score,
    std_dev_from_moments,
)

PROPERTY = settings(max_examples=150, deadline=None)


@st.composite
def sheets(draw):
    """A list of criteria and a valid answer for each."""
    specs, answers = [], {}
    for key in range(1, draw(st.integers(1, 12)) + 1):
        kind = draw(st.sampled_from(CriterionKind))
        spec = CriterionSpec(
            key=key,
            weight=draw(st.integers(1, 100)),
            kind=kind,
            scale_max=draw(st.integers(1, 10)) if kind == CriterionKind.SCALE else 1,
            allows_na=draw(st.booleans()),
            auto_fail=draw(st.booleans()),
        )
        specs.append(spec)
        choices = st.integers(0, spec.highest)
        answers[key] = draw(st.one_of(st.none(), choices) if spec.allows_na else choices)
    return specs, answers


@PROPERTY
@given(sheets())
def test_score_is_a_percentage_or_none_when_everything_is_na(sheet):
    specs, answers = sheet
    result = score(specs, answers)
    if all(value is None for value in answers.values()):
        assert result.percent is None
    else:
        assert 0 <= result.percent <= 100


@PROPERTY
@given(sheets())
def test_any_triggered_auto_fail_zeroes_the_total(sheet):
    specs, answers = sheet
    result = score(specs, answers)
    triggered = any(s.auto_fail and answers[s.key] == 0 for s in specs)
    assert result.auto_failed == triggered
    if triggered:
        assert result.percent == 0
        assert not result.flawless


@PROPERTY
@given(sheets())
def test_na_criteria_leave_the_denominator(sheet):
    specs, answers = sheet
    answered = [s for s in specs if answers[s.key] is not None]
    if not answered:
        return
    with_na = score(specs, answers)
    without = score(answered, {s.key: answers[s.key] for s in answered})
    assert with_na.percent == without.percent


@PROPERTY
@given(sheets(), st.integers(2, 9))
def test_scaling_every_weight_changes_nothing(sheet, factor):
    specs, answers = sheet
    scaled = [
        CriterionSpec(s.key, s.weight * factor, s.kind, s.scale_max, s.allows_na, s.auto_fail)
        for s in specs
    ]
    assert score(specs, answers).percent == score(scaled, answers).percent


@PROPERTY
@given(sheets())
def test_strengths_and_fixes_split_the_answered_criteria(sheet):
    specs, answers = sheet
    result = score(specs, answers)
    answered = {key for key, value in answers.items() if value is not None}
    assert set(result.strengths) | set(result.to_fix) == answered
    assert not set(result.strengths) & set(result.to_fix)


def test_weighted_mean_by_hand():
    specs = [
        CriterionSpec(1, weight=1),
        CriterionSpec(2, weight=3, kind=CriterionKind.SCALE, scale_max=4),
        CriterionSpec(3, weight=2, allows_na=True),
    ]
    # (1·1 + 3·(2/4)) / (1 + 3) = 62.5 %; criterion 3 is N/A.
    assert score(specs, {1: 1, 2: 2, 3: None}).percent == 62.5
    assert score(specs, {1: 1, 2: 4, 3: 1}).flawless


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({1: 1}, "missing"),
        ({1: None, 2: 1}, "not_applicable_not_allowed"),
        ({1: 2, 2: 1}, "out_of_range"),
        ({1: 1, 2: 1, 9: 1}, "unknown_criterion"),
    ],
)
def test_bad_answer_sheets_name_the_criterion(answers, problem):
    specs = [CriterionSpec(1, 1), CriterionSpec(2, 1)]
    with pytest.raises(AnswerError) as error:
        score(specs, answers)
    assert error.value.problem == problem


def test_change_needs_both_waves():
    assert change(80.0, 70.5) == 9.5
    assert change(80.0, None) is None


strata = st.lists(
    st.tuples(st.integers(1, 10_000), st.sampled_from(["email", "chat", "phone"])),
    max_size=80,
    unique_by=lambda pair: pair[0],
)


@PROPERTY
@given(strata, st.integers(0, 30), st.integers())
def test_sample_is_a_deterministic_subset_of_the_right_size(candidates, k, seed):
    picked = stratified_sample(candidates, k, seed)
    assert picked == stratified_sample(list(reversed(candidates)), k, seed)
    assert len(picked) == min(k, len(candidates))
    assert len(set(picked)) == len(picked)
    assert set(picked) <= {pk for pk, _channel in candidates}


@PROPERTY
@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 50)), st.integers(0, 60))
def test_allocation_is_proportional_within_one(sizes, k):
    shares = allocate(sizes, k)
    total = sum(sizes.values())
    assert sum(shares.values()) == min(k, total)
    for stratum, size in sizes.items():
        assert shares[stratum] <= size
        if total:
            assert abs(shares[stratum] - min(k, total) * size / total) < 1 + 1e-9


@PROPERTY
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=30))
def test_std_dev_from_moments_matches_statistics(values):
    import statistics

    mean = sum(values) / len(values)
    mean_sq = sum(v * v for v in values) / len(values)
    assert std_dev_from_moments(mean, mean_sq) == pytest.approx(statistics.pstdev(values), abs=1e-3)
