"""Erlang C / Erlang A staffing: textbook values, pyworkforce as an oracle, properties."""

from __future__ import annotations

import heapq
import itertools
import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyworkforce.queuing import ErlangC

from opora.workforce.erlang import (
    AverageSpeedOfAnswerTarget,
    ServiceLevelTarget,
    StaffingPolicy,
    average_speed_of_answer,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    offered_traffic,
    required_agents,
    required_agents_erlang_a,
    round_up_total,
    service_level,
    staff_intervals,
)

EIGHTY_IN_TWENTY = ServiceLevelTarget(fraction=0.8, answer_within_seconds=20.0)

traffic_values = st.floats(min_value=0.01, max_value=400.0)
aht_values = st.floats(min_value=30.0, max_value=1200.0)
thresholds = st.floats(min_value=0.0, max_value=120.0)
fractions = st.floats(min_value=0.5, max_value=0.99)
policies = st.builds(
    StaffingPolicy,
    max_occupancy=st.floats(min_value=0.5, max_value=1.0),
    shrinkage=st.floats(min_value=0.0, max_value=0.6),
)


def exact_erlang_c(agents: int, traffic: Fraction) -> Fraction:
    """The textbook closed form of M/M/N waiting probability, in exact rationals
    (e.g. Gross & Harris, Fundamentals of Queueing Theory, M/M/c):
    C = (A^N / N!) N / (N - A) / (sum_{k<N} A^k / k! + (A^N / N!) N / (N - A))."""
    queueing_term = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    below = sum(traffic**k / math.factorial(k) for k in range(agents))
    return queueing_term / (below + queueing_term)


# -- textbook values -------------------------------------------------------------------


def test_call_centre_helper_worked_example() -> None:
    # Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example":
    # 100 calls per 30 minutes, AHT 180 s = 10 Erlangs; 80 % within 20 s, max occupancy
    # 85 %, shrinkage 30 %.  Published: with 11 agents P(wait) = 68.21 %, the target
    # needs 14 agents (SL 88.84 %, P(wait) 17.41 %, ASA 7.8 s, occupancy 71.4 %), and
    # 20 staff after shrinkage.  The figures are re-derived exactly below as well.
    traffic = offered_traffic(contacts=100, aht_seconds=180, interval_seconds=30 * 60)
    assert traffic == pytest.approx(10.0)
    assert erlang_c(11, traffic) == pytest.approx(0.6821, abs=5e-5)
    assert service_level(13, traffic, 180, 20) == pytest.approx(0.7956, abs=5e-5)  # short

    requirement = required_agents(
        traffic, 180, EIGHTY_IN_TWENTY, StaffingPolicy(max_occupancy=0.85, shrinkage=0.30)
    )
    assert requirement.agents == 14
    assert requirement.service_level == pytest.approx(0.8884, abs=5e-5)
    assert requirement.probability_of_waiting == pytest.approx(0.1741, abs=5e-5)
    assert requirement.average_speed_of_answer_seconds == pytest.approx(7.84, abs=5e-3)
    assert requirement.occupancy == pytest.approx(10 / 14)
    assert requirement.agents_with_shrinkage == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("agents", "traffic"),
    [(11, Fraction(10)), (14, Fraction(10)), (55, Fraction(48)), (3, Fraction(5, 2)),
     (1, Fraction(1, 3)), (120, Fraction(2231, 20)), (60, Fraction(30))],
)  # fmt: skip
def test_erlang_c_matches_exact_rational_formula(agents: int, traffic: Fraction) -> None:
    assert erlang_c(agents, float(traffic)) == pytest.approx(
        float(exact_erlang_c(agents, traffic)), rel=1e-12
    )


def test_erlang_b_matches_exact_blocking() -> None:
    # B = (A^N / N!) / sum_{k<=N} A^k / k!; 10 lines offered 5 Erlangs block 1.838 %,
    # the value found in every Erlang B table.
    traffic = Fraction(5)
    terms = [traffic**k / math.factorial(k) for k in range(11)]
    assert erlang_b(10, 5.0) == pytest.approx(float(terms[-1] / sum(terms)), rel=1e-13)
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=5e-6)


def test_threshold_and_average_speed_of_answer_are_different_quantities() -> None:
    # "Within 20 s" is an input of the service level; the ASA is an output in seconds.
    assert average_speed_of_answer(14, 10.0, 180) == pytest.approx(erlang_c(14, 10.0) * 180 / 4)
    by_asa = required_agents(10.0, 180, AverageSpeedOfAnswerTarget(seconds=20.0))
    assert by_asa.agents == 13  # ASA 17.1 s, while 12 agents give 40.4 s
    assert by_asa.service_level is None
    assert average_speed_of_answer(12, 10.0, 180) > 20.0


# -- pyworkforce as an oracle ----------------------------------------------------------


def pyworkforce_requirement(
    contacts: float, aht_seconds: float, interval_minutes: int, target: ServiceLevelTarget,
    max_occupancy: float = 1.0,
) -> dict[str, float]:  # fmt: skip
    # pyworkforce works in minutes and calls the answer-time threshold "asa".
    return ErlangC(
        transactions=contacts,
        aht=aht_seconds / 60,
        asa=target.answer_within_seconds / 60,
        interval=interval_minutes,
    ).required_positions(service_level=target.fraction, max_occupancy=max_occupancy)


GRID = list(
    itertools.product(
        [3, 12, 40, 100, 250, 600, 1500],  # contacts per interval
        [120, 180, 300, 480],  # AHT, seconds
        [15, 30],  # interval, minutes
        [10, 20, 60],  # answer within, seconds
        [0.7, 0.8, 0.9, 0.95],  # target fraction
    )
)


def test_same_agents_as_pyworkforce_on_a_grid() -> None:
    differences = []
    for contacts, aht, interval, threshold, fraction in GRID:
        target = ServiceLevelTarget(fraction, threshold)
        ours = required_agents(offered_traffic(contacts, aht, interval * 60), aht, target)
        theirs = pyworkforce_requirement(contacts, aht, interval, target)
        if ours.agents != theirs["raw_positions"]:
            differences.append((contacts, aht, interval, threshold, fraction))
        assert ours.probability_of_waiting == pytest.approx(theirs["waiting_probability"], rel=1e-9)
        assert ours.service_level == pytest.approx(theirs["service_level"], rel=1e-9)
    assert differences == []


def test_same_agents_as_pyworkforce_with_occupancy_cap() -> None:
    for contacts, aht, interval in itertools.product([40, 100, 250, 600], [180, 300], [15, 30]):
        ours = staff_intervals(
            [contacts], aht, interval, EIGHTY_IN_TWENTY, StaffingPolicy(max_occupancy=0.85)
        )[0]
        theirs = pyworkforce_requirement(contacts, aht, interval, EIGHTY_IN_TWENTY, 0.85)
        assert ours.agents == theirs["raw_positions"]
        assert ours.occupancy <= 0.85


# -- properties ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    traffic=st.floats(min_value=0.0, max_value=5_000.0),
    agents=st.integers(min_value=0, max_value=6_000),
)
def test_probabilities_are_probabilities_up_to_thousands_of_erlangs(
    traffic: float, agents: int
) -> None:
    assert 0.0 <= erlang_b(agents, traffic) <= 1.0
    assert 0.0 <= erlang_c(agents, traffic) <= 1.0
    assert 0.0 <= service_level(agents, traffic, 300, 20) <= 1.0
    assert average_speed_of_answer(agents, traffic, 300) >= 0.0


@settings(max_examples=40, deadline=None)
@given(traffic=traffic_values, aht=aht_values, threshold=thresholds)
def test_service_level_rises_with_agents_towards_one(
    traffic: float, aht: float, threshold: float
) -> None:
    ceiling = int(traffic + 10 * math.sqrt(traffic) + 40)
    levels = [service_level(n, traffic, aht, threshold) for n in range(ceiling + 1)]
    assert all(lower <= higher for lower, higher in itertools.pairwise(levels))
    if threshold > 0:
        assert levels[-1] > 0.999


@settings(max_examples=25, deadline=None)
@given(traffic=st.floats(min_value=1_000.0, max_value=5_000.0), fraction=fractions)
def test_stable_for_thousands_of_erlangs(traffic: float, fraction: float) -> None:
    requirement = required_agents(traffic, 300, ServiceLevelTarget(fraction, 20))
    assert traffic < requirement.agents < traffic + 5 * math.sqrt(traffic) + 10
    assert math.isfinite(requirement.average_speed_of_answer_seconds)
    assert 0.0 < requirement.probability_of_waiting < 1.0
    assert fraction <= requirement.service_level < 1.0


@settings(max_examples=150, deadline=None)
@given(
    traffic=traffic_values, aht=aht_values, threshold=thresholds, fraction=fractions,
    policy=policies,
)  # fmt: skip
def test_required_agents_is_the_minimal_head_count(
    traffic: float, aht: float, threshold: float, fraction: float, policy: StaffingPolicy
) -> None:
    requirement = required_agents(traffic, aht, ServiceLevelTarget(fraction, threshold), policy)
    agents = requirement.agents

    def passes(n: int) -> bool:
        within_cap = n > 0 and traffic / n <= policy.max_occupancy
        return within_cap and service_level(n, traffic, aht, threshold) >= fraction

    assert passes(agents)
    assert not passes(agents - 1)
    assert requirement.agents_with_shrinkage == pytest.approx(agents / (1 - policy.shrinkage))


@settings(max_examples=100, deadline=None)
@given(traffic=traffic_values, aht=aht_values, asa=st.floats(min_value=1.0, max_value=300.0))
def test_required_agents_for_an_asa_target_is_minimal(
    traffic: float, aht: float, asa: float
) -> None:
    agents = required_agents(traffic, aht, AverageSpeedOfAnswerTarget(asa)).agents
    assert average_speed_of_answer(agents, traffic, aht) <= asa
    assert average_speed_of_answer(agents - 1, traffic, aht) > asa


@settings(max_examples=40, deadline=None)
@given(
    contacts=st.lists(st.floats(min_value=0.0, max_value=600.0), min_size=1, max_size=40),
    aht=aht_values,
    policy=policies,
)
def test_series_staffing_equals_one_interval_at_a_time(
    contacts: list[float], aht: float, policy: StaffingPolicy
) -> None:
    series = staff_intervals(contacts, aht, 15, EIGHTY_IN_TWENTY, policy)
    one_by_one = [
        required_agents(offered_traffic(count, aht, 900), aht, EIGHTY_IN_TWENTY, policy)
        for count in contacts
    ]
    assert series == one_by_one


def test_no_contacts_need_no_agents() -> None:
    idle = required_agents(0.0, 300, EIGHTY_IN_TWENTY, StaffingPolicy(shrinkage=0.3))
    assert (idle.agents, idle.agents_with_shrinkage, idle.service_level) == (0, 0.0, 1.0)
    assert occupancy(0, 0.0) == 0.0


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        ServiceLevelTarget(1.0, 20)  # never reachable with random arrivals
    with pytest.raises(ValueError):
        StaffingPolicy(shrinkage=1.0)
    with pytest.raises(ValueError):
        required_agents(-1.0, 300, EIGHTY_IN_TWENTY)
    with pytest.raises(ValueError):
        staff_intervals([10, 20], [300.0], 15, EIGHTY_IN_TWENTY)


# -- rounding happens once, at the end -------------------------------------------------


def test_requirements_stay_fractional_until_the_final_rounding() -> None:
    policy = StaffingPolicy(shrinkage=0.35)
    week = staff_intervals([40, 41, 39, 40], 300, 15, EIGHTY_IN_TWENTY, policy)
    fractional = [requirement.agents_with_shrinkage for requirement in week]
    assert all(value != round(value) for value in fractional)
    assert round_up_total(fractional) == math.ceil(sum(fractional))
    assert round_up_total(fractional) < sum(math.ceil(value) for value in fractional)


def test_round_up_total_ignores_float_noise() -> None:
    assert 21 / 0.7 > 30  # 30.000000000000004
    assert round_up_total([21 / 0.7]) == 30
    assert round_up_total([0.1] * 10) == 1
    assert round_up_total([]) == 0


@given(st.lists(st.floats(min_value=0.0, max_value=500.0), max_size=50))
def test_round_up_total_rounds_the_sum_not_each_part(requirements: list[float]) -> None:
    total = math.fsum(requirements)
    heads = round_up_total(requirements)
    assert total - 1e-9 <= heads < total + 1
    assert heads <= sum(math.ceil(value) for value in requirements)


# -- Erlang A --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agents", "traffic", "aht"), [(14, 10.0, 180), (3, 2.2, 600), (230, 217.4, 300)]
)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(
    agents: int, traffic: float, aht: float
) -> None:
    # Abandonment is about ASA / patience, so every gap to Erlang C should shrink in
    # proportion to 1 / patience: a hundredfold per hundredfold patience.
    erlang_c_level = service_level(agents, traffic, aht, 20)
    gaps = []
    for patience in (1e6, 1e8, 1e10):
        metrics = erlang_a(agents, traffic, aht, patience, 20)
        gaps.append(
            (
                abs(metrics.service_level - erlang_c_level),
                abs(metrics.probability_of_waiting - erlang_c(agents, traffic)),
                metrics.probability_of_abandonment,
            )
        )
    for before, after in itertools.pairwise(gaps):
        for gap_before, gap_after in zip(before, after, strict=True):
            assert gap_after == pytest.approx(gap_before / 100, rel=0.05)
    assert max(gaps[-1]) < 1e-5


@settings(max_examples=40, deadline=None)
@given(
    traffic=st.floats(min_value=0.1, max_value=200.0),
    aht=st.floats(min_value=60.0, max_value=900.0),
    patience=st.floats(min_value=10.0, max_value=3_000.0),
)
def test_erlang_a_abandonment_falls_and_service_rises_with_agents(
    traffic: float, aht: float, patience: float
) -> None:
    ceiling = int(traffic + 4 * math.sqrt(traffic) + 5)
    runs = [erlang_a(n, traffic, aht, patience, 20) for n in range(ceiling + 1)]
    for metrics in runs:
        assert 0.0 <= metrics.probability_of_abandonment <= metrics.probability_of_waiting <= 1.0
        assert 0.0 <= metrics.service_level <= 1.0
    for fewer, more in itertools.pairwise(runs):
        assert more.probability_of_abandonment <= fewer.probability_of_abandonment + 1e-12
        assert more.service_level >= fewer.service_level - 1e-12
    assert runs[0].probability_of_abandonment == pytest.approx(1.0)  # nobody to answer


def test_erlang_a_service_level_limits() -> None:
    # Threshold 0: answered within 0 s means not waiting at all.  A threshold far beyond
    # anyone's patience: everyone who does not abandon is answered in time.
    metrics_now = erlang_a(8, 10.0, 180, 60, 0)
    metrics_ever = erlang_a(8, 10.0, 180, 60, 1e6)
    assert metrics_now.service_level == pytest.approx(1 - metrics_now.probability_of_waiting)
    assert metrics_ever.service_level == pytest.approx(1 - metrics_ever.probability_of_abandonment)


def simulate_erlang_a(
    agents: int, traffic: float, aht: float, patience: float, threshold: float, seed: int
) -> tuple[float, float, float]:
    """FCFS M/M/N+M by simulation: (P(wait), P(abandon), answered within threshold).

    In FCFS order an arrival's offered wait is known on arrival: the moment the earliest
    agent frees up after everyone before it who stayed.  Abandoners take no agent time.
    """
    rng = random.Random(seed)
    arrivals = 150_000
    agent_free_at = [0.0] * agents
    now = 0.0
    waited = abandoned = answered_in_time = 0
    for _ in range(arrivals):
        now += rng.expovariate(traffic / aht)
        wait = max(0.0, agent_free_at[0] - now)
        waited += wait > 0
        if wait > rng.expovariate(1 / patience):
            abandoned += 1
            continue
        answered_in_time += wait <= threshold
        heapq.heapreplace(agent_free_at, now + wait + rng.expovariate(1 / aht))
    return waited / arrivals, abandoned / arrivals, answered_in_time / arrivals


@pytest.mark.parametrize(
    ("agents", "traffic", "aht", "patience"), [(8, 10.0, 180, 60), (12, 10.0, 180, 120)]
)
def test_erlang_a_agrees_with_simulation(
    agents: int, traffic: float, aht: float, patience: float
) -> None:
    waited, abandoned, in_time = simulate_erlang_a(agents, traffic, aht, patience, 20, seed=7)
    metrics = erlang_a(agents, traffic, aht, patience, 20)
    assert metrics.probability_of_waiting == pytest.approx(waited, abs=0.01)
    assert metrics.probability_of_abandonment == pytest.approx(abandoned, abs=0.01)
    assert metrics.service_level == pytest.approx(in_time, abs=0.01)


@settings(max_examples=40, deadline=None)
@given(
    traffic=st.floats(min_value=0.1, max_value=300.0),
    aht=st.floats(min_value=60.0, max_value=900.0),
    patience=st.floats(min_value=10.0, max_value=3_000.0),
    threshold=thresholds,
    fraction=fractions,
    policy=policies,
)
def test_erlang_a_required_agents_is_minimal(
    traffic: float, aht: float, patience: float, threshold: float, fraction: float,
    policy: StaffingPolicy,
) -> None:  # fmt: skip
    requirement = required_agents_erlang_a(
        traffic, aht, patience, ServiceLevelTarget(fraction, threshold), policy
    )

    def passes(n: int) -> bool:
        within_cap = n > 0 and traffic / n <= policy.max_occupancy
        return (
            within_cap and erlang_a(n, traffic, aht, patience, threshold).service_level >= fraction
        )

    assert passes(requirement.agents)
    assert not passes(requirement.agents - 1)
    assert 0.0 <= requirement.probability_of_abandonment <= 1.0


def test_erlang_a_needs_fewer_agents_when_customers_give_up() -> None:
    # Abandonment relieves the queue, so the same target takes fewer agents than Erlang C,
    # and Erlang A handles an overloaded queue (N < A) that Erlang C cannot.
    erlang_c_agents = required_agents(10.0, 180, EIGHTY_IN_TWENTY).agents
    assert required_agents_erlang_a(10.0, 180, 120, EIGHTY_IN_TWENTY).agents < erlang_c_agents
    assert required_agents_erlang_a(10.0, 180, 1e7, EIGHTY_IN_TWENTY).agents == erlang_c_agents
    overloaded = erlang_a(800, 1_000.0, 300, 90, 20)
    assert 0.15 < overloaded.probability_of_abandonment < 0.25
    assert overloaded.occupancy <= 1.0
