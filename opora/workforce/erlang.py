"""Erlang C and Erlang A staffing: how many agents an interval of contacts needs.

Vocabulary (kept apart on purpose, because they are easily confused):

* **traffic** ``A`` (Erlangs) = arrival rate x average handle time (AHT); e.g. 100
  contacts in 30 minutes with a 180 s AHT is 100 x 180 / 1800 = 10 Erlangs.
* **service level** = the fraction of contacts answered within a *threshold*
  ``answer_within_seconds`` (the "20 s" of "80 % within 20 s").
* **average speed of answer** (ASA) = the mean wait over *all* contacts, in seconds;
  a result of the model, not a threshold.
* **occupancy** = the fraction of their logged-in time agents spend handling contacts.

Everything here is pure and free of Django, so the planner, the API and the benchmark
share it.  Requirements stay fractional (after shrinkage) until :func:`round_up_total`
rounds a sum of them once, so rounding never compounds across queues or intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from numbers import Real
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betainc, logsumexp

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
# A single number or an array of them, for the formulas that work elementwise on both.
Numeric = float | FloatArray

# Rounding a sum of fractional requirements tolerates this much floating-point noise, so
# that e.g. 21 / 0.7 = 30.000000000000004 agents does not become 31 heads.
_HEADCOUNT_TOLERANCE: Final = 1e-9

# The Erlang A queue-length series is cut where the remaining tail is below e^-40 (about
# 4e-18) of the whole sum: far under double precision, so the cut changes no digit.
_SERIES_TAIL_LOG_TOLERANCE: Final = 40.0
# Longest queue-length series Erlang A will sum; only an overloaded queue with customers
# patient for thousands of handle times gets near it, and that is Erlang C's territory.
_MAX_SERIES_TERMS: Final = 1 << 23


# --------------------------------------------------------------------------------------
# Targets and policy
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceLevelTarget:
    """At least ``fraction`` of contacts answered within ``answer_within_seconds``."""

    fraction: float
    answer_within_seconds: float

    def __post_init__(self) -> None:
        # A service level of exactly 1 is never reached by a queue with random
        # arrivals, so it is refused instead of searching forever.
        if not 0.0 < self.fraction < 1.0:
            raise ValueError(f"service-level fraction must be in (0, 1), got {self.fraction}")
        _check_threshold(self.answer_within_seconds)


@dataclass(frozen=True, slots=True)
class AverageSpeedOfAnswerTarget:
    """Average speed of answer (mean wait over all contacts) of at most ``seconds``."""

    seconds: float

    def __post_init__(self) -> None:
        if not self.seconds > 0.0:
            raise ValueError(f"ASA target must be > 0 seconds, got {self.seconds}")


StaffingTarget = ServiceLevelTarget | AverageSpeedOfAnswerTarget


@dataclass(frozen=True, slots=True)
class StaffingPolicy:
    """Limits that apply on top of the queueing target.

    ``max_occupancy`` caps offered traffic per agent on the phones (A / N); ``shrinkage``
    is the fraction of paid time agents are not available for contacts (breaks,
    training, meetings), so paid staff = agents on the phones / (1 - shrinkage).
    """

    max_occupancy: float = 1.0
    shrinkage: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 < self.max_occupancy <= 1.0:
            raise ValueError(f"max_occupancy must be in (0, 1], got {self.max_occupancy}")
        if not 0.0 <= self.shrinkage < 1.0:
            raise ValueError(f"shrinkage must be in [0, 1), got {self.shrinkage}")

    def min_agents_for_occupancy(self, traffic_erlangs: ArrayLike) -> IntArray:
        """Smallest N with A / N <= max_occupancy, elementwise (0 where A = 0)."""
        traffic = np.asarray(traffic_erlangs, dtype=np.float64)
        agents = np.ceil(traffic / self.max_occupancy).astype(np.int64)
        # The division can land a hair above an integer (21 / 0.7 = 30.000000000000004);
        # step back where the smaller head count passes the very same comparison.
        smaller = np.maximum(agents - 1, 1)
        agents -= (agents > 1) & (traffic / smaller <= self.max_occupancy)
        return agents

    def with_shrinkage(self, agents: int) -> float:
        """Paid staff needed to keep ``agents`` on the phones, kept fractional."""
        return agents / (1.0 - self.shrinkage)


DEFAULT_POLICY: Final = StaffingPolicy()


# --------------------------------------------------------------------------------------
# Erlang B / Erlang C
# --------------------------------------------------------------------------------------


def offered_traffic(contacts: float, aht_seconds: float, interval_seconds: float) -> float:
    """Traffic in Erlangs: A = contacts x AHT / interval length."""
    if contacts < 0 or aht_seconds <= 0 or interval_seconds <= 0:
        raise ValueError("contacts must be >= 0, aht_seconds and interval_seconds > 0")
    return contacts * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic_erlangs: float) -> float:
    """Blocking probability of M/M/N/N (Erlang B).

    Computed with the recurrence B(0) = 1, B(n) = A*B(n-1) / (n + A*B(n-1)): every
    term stays in (0, 1], so there are no factorials or powers to overflow, even for
    thousands of agents.
    """
    _check_agents_and_traffic(agents, traffic_erlangs)
    return _climb_blocking(1.0, traffic_erlangs, 1, agents)


def erlang_c(agents: int, traffic_erlangs: float) -> float:
    """Probability that a contact waits, P(W > 0), in M/M/N (Erlang C).

    C = B / (1 - (A/N)(1 - B)) with B = Erlang B.  With N <= A the queue grows without
    bound and every contact waits, so C = 1.
    """
    _check_agents_and_traffic(agents, traffic_erlangs)
    if traffic_erlangs == 0.0:
        return 0.0
    if agents <= traffic_erlangs:
        return 1.0
    return _waiting_from_blocking(agents, traffic_erlangs, erlang_b(agents, traffic_erlangs))


def service_level(
    agents: int, traffic_erlangs: float, aht_seconds: float, answer_within_seconds: float
) -> float:
    """Fraction answered within the threshold T: SL = 1 - C * exp(-(N - A) * T / AHT).

    0 when N <= A (the queue never empties), 1 without traffic.
    """
    waiting = erlang_c(agents, traffic_erlangs)
    _check_aht(aht_seconds)
    _check_threshold(answer_within_seconds)
    if traffic_erlangs == 0.0:
        return 1.0
    if agents <= traffic_erlangs:
        return 0.0
    return float(
        _service_level_formula(waiting, agents, traffic_erlangs, aht_seconds, answer_within_seconds)
    )


def average_speed_of_answer(agents: int, traffic_erlangs: float, aht_seconds: float) -> float:
    """Mean wait over all contacts in seconds: ASA = C * AHT / (N - A) (inf if N <= A)."""
    waiting = erlang_c(agents, traffic_erlangs)
    _check_aht(aht_seconds)
    if traffic_erlangs == 0.0:
        return 0.0
    if agents <= traffic_erlangs:
        return math.inf
    return float(_asa_formula(waiting, agents, traffic_erlangs, aht_seconds))


def occupancy(agents: int, traffic_erlangs: float) -> float:
    """Offered traffic per agent, A / N (capped at 1: agents cannot be busier)."""
    _check_agents_and_traffic(agents, traffic_erlangs)
    if agents == 0:
        return 0.0 if traffic_erlangs == 0.0 else 1.0
    return min(1.0, traffic_erlangs / agents)


@dataclass(frozen=True, slots=True)
class ErlangCRequirement:
    """Staffing for one queue in one interval under Erlang C.

    ``agents`` is the minimal whole number on the phones meeting the target and the
    occupancy cap; ``agents_with_shrinkage`` is the paid staff behind them, kept
    fractional until :func:`round_up_total`.  ``service_level`` is measured at the
    target's threshold, so it is ``None`` for an ASA target.
    """

    traffic_erlangs: float
    agents: int
    agents_with_shrinkage: float
    probability_of_waiting: float
    service_level: float | None
    average_speed_of_answer_seconds: float
    occupancy: float


def required_agents(
    traffic_erlangs: float,
    aht_seconds: float,
    target: StaffingTarget,
    policy: StaffingPolicy = DEFAULT_POLICY,
) -> ErlangCRequirement:
    """Minimal agents meeting ``target`` (and ``policy.max_occupancy``) under Erlang C.

    The search starts at the first admissible head count, max(floor(A) + 1,
    A / max occupancy), and walks up one agent at a time, advancing the Erlang B
    recurrence by one step per agent instead of recomputing it.  The answer lies about
    sqrt(A) above A, so the walk is short and the whole search costs O(A).  Every head
    count below the start fails (N <= A never empties the queue, or occupancy is over
    the cap) and the walk stops at the first that passes, so the result is minimal.
    """
    return _staff(
        np.array([traffic_erlangs], dtype=np.float64),
        np.array([aht_seconds], dtype=np.float64),
        target,
        policy,
    )[0]


def staff_intervals(
    contacts_per_interval: Iterable[float],
    aht_seconds: float | Iterable[float],
    interval_minutes: int,
    target: StaffingTarget,
    policy: StaffingPolicy = DEFAULT_POLICY,
) -> list[ErlangCRequirement]:
    """Erlang C requirement for every interval of a series (e.g. 672 quarter-hours).

    ``aht_seconds`` is one AHT for all intervals or one per interval.  All intervals
    are searched together, as numpy arrays, with the walk of :func:`required_agents`.
    Nothing is rounded beyond each interval's whole agents on the phones; sum the
    ``agents_with_shrinkage`` that must be covered together with :func:`round_up_total`.
    """
    if interval_minutes <= 0:
        raise ValueError(f"interval_minutes must be > 0, got {interval_minutes}")
    contacts = np.fromiter(contacts_per_interval, dtype=np.float64)
    if not np.all(np.isfinite(contacts) & (contacts >= 0)):
        raise ValueError("contacts per interval must be finite and >= 0")
    if isinstance(aht_seconds, Real):
        aht = np.full(contacts.shape, float(aht_seconds))
    else:
        aht = np.fromiter(aht_seconds, dtype=np.float64)
        if aht.shape != contacts.shape:
            raise ValueError(f"{aht.size} AHT values for {contacts.size} intervals")
    return _staff(contacts * aht / (interval_minutes * 60.0), aht, target, policy)


def round_up_total(fractional_requirements: Iterable[float]) -> int:
    """Whole heads for a sum of fractional requirements, rounded up once at the end.

    Use it for whatever must be covered together (several queues in one interval, the
    agent-intervals of a day, ...): ceil(0.4 + 0.4 + 0.4) = 2, whereas rounding each
    part first would give 3.  The sum is exact (math.fsum) and ignores float noise
    below _HEADCOUNT_TOLERANCE.
    """
    total = math.fsum(fractional_requirements)
    if total < 0.0:
        raise ValueError(f"requirements must not sum to a negative number, got {total}")
    return max(0, math.ceil(total - _HEADCOUNT_TOLERANCE))


# --------------------------------------------------------------------------------------
# Erlang A (M/M/N+M: exponential patience, customers abandon)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErlangAMetrics:
    """Steady-state figures of M/M/N+M for one head count.

    ``service_level`` is the fraction of *all offered* contacts answered within the
    threshold: a contact that abandons counts as not answered in time.
    """

    probability_of_waiting: float
    probability_of_abandonment: float
    service_level: float
    occupancy: float


def erlang_a(
    agents: int,
    traffic_erlangs: float,
    aht_seconds: float,
    average_patience_seconds: float,
    answer_within_seconds: float,
) -> ErlangAMetrics:
    """Erlang A (Palm's M/M/N+M) waiting, abandonment and service level.

    Model and stationary distribution: Garnett, Mandelbaum & Reiman, "Designing a call
    center with impatient customers", MSOM 4(3), 2002; Mandelbaum & Zeltyn, "The
    Palm/Erlang-A queue, with applications to call centers", 2007.  With service rate
    mu = 1/AHT, abandonment rate theta = 1/patience, x = N mu / theta and
    y = lambda / theta, the birth-death chain gives, relative to the state "all N
    agents busy, nobody waiting",

        pi(N + j) / pi(N) = q_j = prod_{k=1..j} y / (x + k)

    and pi(N) / sum_{n<=N} pi(n) is Erlang B, so with Q = sum_j q_j

        P(W > 0) = Q B / (1 + (Q - 1) B),   pi(N + j) = q_j B / (1 + (Q - 1) B).

    A contact arriving behind j others moves up at rate N mu + k theta while k are ahead
    of it and itself abandons at rate theta; the chances telescope, so it is served with
    probability x / (x + j + 1), after a sum of exponentials with rates
    theta (x + 1), ..., theta (x + j + 1), whose distribution function at T is the
    regularised incomplete beta I_{1 - exp(-theta T)}(j + 1, x + 1).  Hence (PASTA)

        P(Ab) = sum_j pi(N + j) (j + 1) / (x + j + 1)
        SL(T) = 1 - P(W > 0) + sum_j pi(N + j) x / (x + j + 1) I_{1-e^{-theta T}}(j + 1, x + 1).

    The q_j series is summed in log space (logsumexp) and cut once its tail is below
    e^-40 of the sum, so large or overloaded queues neither overflow nor lose precision.
    """
    _check_agents_and_traffic(agents, traffic_erlangs)
    _check_aht(aht_seconds)
    if not 0.0 < average_patience_seconds < math.inf:
        raise ValueError(f"average_patience_seconds must be > 0, got {average_patience_seconds}")
    _check_threshold(answer_within_seconds)

    blocking = erlang_b(agents, traffic_erlangs)
    if traffic_erlangs == 0.0 or blocking == 0.0:
        # No traffic, or so many agents that Erlang B underflowed: nobody ever waits.
        return ErlangAMetrics(0.0, 0.0, 1.0, occupancy(agents, traffic_erlangs))

    patience_in_handle_times = average_patience_seconds / aht_seconds
    x = agents * patience_in_handle_times
    y = traffic_erlangs * patience_in_handle_times
    log_q = _log_queue_length_weights(x, y)
    log_q_total = float(logsumexp(log_q))
    log_blocking = math.log(blocking)
    # log pi(N) = log B - log(1 + (Q - 1) B), the latter written as log((1 - B) + Q B)
    # so that neither term cancels (log1p(-1) is undefined, hence the N = 0 case).
    log_one_minus_blocking = math.log1p(-blocking) if blocking < 1.0 else -math.inf
    log_all_busy = log_blocking - float(
        np.logaddexp(log_one_minus_blocking, log_q_total + log_blocking)
    )
    state_probability = np.exp(log_q + log_all_busy)  # pi(N + j), j = 0, 1, ...
    waiting = min(1.0, math.exp(log_q_total + log_all_busy))

    places = np.arange(1, state_probability.size + 1, dtype=np.float64)  # j + 1
    served_share = x / (x + places)
    abandonment = float(np.sum(state_probability * (1.0 - served_share)))
    answered_in_time_after_wait = float(
        np.sum(
            state_probability
            * served_share
            * betainc(
                places, x + 1.0, -math.expm1(-answer_within_seconds / average_patience_seconds)
            )
        )
    )
    served = 1.0 - abandonment
    return ErlangAMetrics(
        probability_of_waiting=waiting,
        probability_of_abandonment=min(1.0, abandonment),
        service_level=min(1.0, max(0.0, 1.0 - waiting + answered_in_time_after_wait)),
        occupancy=0.0 if agents == 0 else min(1.0, traffic_erlangs * served / agents),
    )


@dataclass(frozen=True, slots=True)
class ErlangARequirement:
    """Staffing for one queue in one interval under Erlang A.

    ``occupancy`` is the *carried* load per agent, A (1 - P(Ab)) / N, i.e. what agents
    actually experience; the policy's occupancy cap is applied to offered load A / N,
    which is the stricter of the two.
    """

    traffic_erlangs: float
    agents: int
    agents_with_shrinkage: float
    probability_of_waiting: float
    probability_of_abandonment: float
    service_level: float
    occupancy: float


def required_agents_erlang_a(
    traffic_erlangs: float,
    aht_seconds: float,
    average_patience_seconds: float,
    target: ServiceLevelTarget,
    policy: StaffingPolicy = DEFAULT_POLICY,
) -> ErlangARequirement:
    """Minimal agents meeting a service-level target when customers abandon (Erlang A).

    Erlang A allows N <= A (abandonment keeps the queue finite), so there is no stable
    lower bound to walk up from.  The Erlang C answer is the starting guess (exact as
    patience grows, and usually within a few agents otherwise), then the boundary is
    bracketed by doubling steps and bisected: a few evaluations whatever the load.
    """
    occupancy_floor = int(policy.min_agents_for_occupancy(traffic_erlangs))

    def metrics(agents: int) -> ErlangAMetrics:
        return erlang_a(
            agents,
            traffic_erlangs,
            aht_seconds,
            average_patience_seconds,
            target.answer_within_seconds,
        )

    def meets_target(agents: int) -> bool:
        return agents >= occupancy_floor and metrics(agents).service_level >= target.fraction

    guess = required_agents(traffic_erlangs, aht_seconds, target, policy).agents
    agents = _minimal_passing(meets_target, guess)
    achieved = metrics(agents)
    return ErlangARequirement(
        traffic_erlangs=traffic_erlangs,
        agents=agents,
        agents_with_shrinkage=policy.with_shrinkage(agents),
        probability_of_waiting=achieved.probability_of_waiting,
        probability_of_abandonment=achieved.probability_of_abandonment,
        service_level=achieved.service_level,
        occupancy=achieved.occupancy,
    )


# --------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------


def _check_agents_and_traffic(agents: int, traffic_erlangs: float) -> None:
    if agents < 0:
        raise ValueError(f"agents must be >= 0, got {agents}")
    if not 0.0 <= traffic_erlangs < math.inf:
        raise ValueError(f"traffic must be a finite number of Erlangs >= 0, got {traffic_erlangs}")


def _check_aht(aht_seconds: float) -> None:
    if not 0.0 < aht_seconds < math.inf:
        raise ValueError(f"aht_seconds must be > 0, got {aht_seconds}")


def _check_threshold(answer_within_seconds: float) -> None:
    if not answer_within_seconds >= 0.0:
        raise ValueError(f"answer_within_seconds must be >= 0, got {answer_within_seconds}")


# The formulas below work elementwise on numpy arrays as well as on single numbers.


def _next_blocking(
    agents: Numeric, traffic_erlangs: Numeric, previous_blocking: Numeric
) -> Numeric:
    """One step of the Erlang B recurrence: B(N) from B(N - 1)."""
    carried = traffic_erlangs * previous_blocking
    return carried / (agents + carried)


def _waiting_from_blocking(agents: Numeric, traffic_erlangs: Numeric, blocking: Numeric) -> Numeric:
    """Erlang C from Erlang B for N > A: C = B / (1 - (A/N)(1 - B))."""
    return blocking / (1.0 - (traffic_erlangs / agents) * (1.0 - blocking))


def _service_level_formula(
    waiting: Numeric,
    agents: Numeric,
    traffic_erlangs: Numeric,
    aht_seconds: Numeric,
    answer_within_seconds: float,
) -> Numeric:
    """SL = 1 - C exp(-(N - A) T / AHT), for N > A."""
    return 1.0 - waiting * np.exp(-(agents - traffic_erlangs) * answer_within_seconds / aht_seconds)


def _asa_formula(
    waiting: Numeric, agents: Numeric, traffic_erlangs: Numeric, aht_seconds: Numeric
) -> Numeric:
    """ASA = C AHT / (N - A), for N > A."""
    return waiting * aht_seconds / (agents - traffic_erlangs)


def _climb_blocking(blocking: float, traffic_erlangs: float, first: int, last: int) -> float:
    """Erlang B at N = last, from ``blocking`` = B(first - 1), one recurrence step per agent."""
    for agents in range(first, last + 1):
        blocking = _next_blocking(agents, traffic_erlangs, blocking)
    return blocking


def _erlang_b_many(agents: IntArray, traffic_erlangs: FloatArray) -> FloatArray:
    """Erlang B for many (N, A) pairs at once, by the same recurrence as erlang_b.

    Pairs are sorted by N, largest first, so those still climbing towards their own N
    are always a prefix and each numpy step touches only them.  The last pair left
    climbing (a lone busy interval, or a single call from required_agents) finishes on
    plain floats, which beats numpy's per-call overhead on one element.
    """
    order = np.argsort(-agents, kind="stable")
    sorted_agents = agents[order]
    sorted_traffic = traffic_erlangs[order]
    blocking = np.ones(agents.size)
    climbing = agents.size
    reached = 0  # blocking[:climbing] holds B(reached)
    while climbing > 1:
        next_stop = int(sorted_agents[climbing - 1])
        for n in range(reached + 1, next_stop + 1):
            blocking[:climbing] = _next_blocking(n, sorted_traffic[:climbing], blocking[:climbing])
        reached = next_stop
        while climbing and sorted_agents[climbing - 1] <= reached:
            climbing -= 1
    if climbing == 1:
        blocking[0] = _climb_blocking(
            float(blocking[0]), float(sorted_traffic[0]), reached + 1, int(sorted_agents[0])
        )
    unsorted = np.empty_like(blocking)
    unsorted[order] = blocking
    return unsorted


def _meets_target(
    target: StaffingTarget,
    waiting: FloatArray,
    agents: IntArray,
    traffic_erlangs: FloatArray,
    aht_seconds: FloatArray,
) -> NDArray[np.bool_]:
    """Whether each (N, A) meets the target, given its probability of waiting."""
    if isinstance(target, ServiceLevelTarget):
        achieved = _service_level_formula(
            waiting, agents, traffic_erlangs, aht_seconds, target.answer_within_seconds
        )
        return achieved >= target.fraction
    return _asa_formula(waiting, agents, traffic_erlangs, aht_seconds) <= target.seconds


def _staff(
    traffic_erlangs: FloatArray,
    aht_seconds: FloatArray,
    target: StaffingTarget,
    policy: StaffingPolicy,
) -> list[ErlangCRequirement]:
    """The search of :func:`required_agents`, for all intervals together.

    Each round evaluates the intervals still short of the target and gives each of
    them one more agent, advancing its Erlang B value by a single recurrence step.
    """
    if not np.all(np.isfinite(traffic_erlangs) & (traffic_erlangs >= 0)):
        raise ValueError("traffic must be a finite number of Erlangs >= 0")
    if not np.all(np.isfinite(aht_seconds) & (aht_seconds > 0)):
        raise ValueError("aht_seconds must be > 0")
    busy = traffic_erlangs > 0
    first_stable = np.floor(traffic_erlangs).astype(np.int64) + 1
    start = np.maximum(first_stable, policy.min_agents_for_occupancy(traffic_erlangs))
    agents = np.where(busy, start, 0)
    blocking = _erlang_b_many(agents, traffic_erlangs)
    waiting = np.zeros_like(traffic_erlangs)
    short = np.flatnonzero(busy)
    while short.size:
        waiting[short] = _waiting_from_blocking(
            agents[short], traffic_erlangs[short], blocking[short]
        )
        met = _meets_target(
            target, waiting[short], agents[short], traffic_erlangs[short], aht_seconds[short]
        )
        short = short[~met]
        agents[short] += 1
        blocking[short] = _next_blocking(agents[short], traffic_erlangs[short], blocking[short])

    # Idle intervals (no traffic, no agents) divide 0 by 0 here; np.where replaces them.
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(busy, _asa_formula(waiting, agents, traffic_erlangs, aht_seconds), 0.0)
        load = np.where(busy, traffic_erlangs / agents, 0.0)
        if isinstance(target, ServiceLevelTarget):
            achieved_service_level = np.where(
                busy,
                _service_level_formula(
                    waiting, agents, traffic_erlangs, aht_seconds, target.answer_within_seconds
                ),
                1.0,
            ).tolist()
        else:
            achieved_service_level = [None] * agents.size
    return [
        ErlangCRequirement(
            traffic_erlangs=traffic,
            agents=count,
            agents_with_shrinkage=policy.with_shrinkage(count),
            probability_of_waiting=wait,
            service_level=level,
            average_speed_of_answer_seconds=speed,
            occupancy=busy_share,
        )
        for traffic, count, wait, level, speed, busy_share in zip(
            traffic_erlangs.tolist(),
            agents.tolist(),
            waiting.tolist(),
            achieved_service_level,
            asa.tolist(),
            load.tolist(),
            strict=True,
        )
    ]


def _log_queue_length_weights(x: float, y: float) -> FloatArray:
    """log q_j for j = 0..J with q_j = prod_{k=1..j} y / (x + k), cut where negligible.

    The terms rise while x + k < y and then fall faster than geometrically, so the
    series is extended by doubling until the last term's geometric tail bound,
    q_J r / (1 - r) with r = y / (x + J + 1), is below e^-40 of the sum.
    """
    terms = max(16, 2 * math.ceil(max(0.0, y - x)) + 16)
    while terms <= _MAX_SERIES_TERMS:
        k = np.arange(1, terms + 1, dtype=np.float64)
        log_q = np.concatenate(([0.0], np.cumsum(np.log(y / (x + k)))))
        next_ratio = y / (x + terms + 1)
        if next_ratio < 1.0:
            log_tail = log_q[-1] + math.log(next_ratio) - math.log1p(-next_ratio)
            if log_tail < float(logsumexp(log_q)) - _SERIES_TAIL_LOG_TOLERANCE:
                return log_q
        terms *= 2
    raise ValueError(
        "Erlang A queue too long to sum: patience is thousands of handle times on an "
        "overloaded queue; use Erlang C or add agents"
    )


def _minimal_passing(passes: Callable[[int], bool], guess: int) -> int:
    """Smallest n >= 0 with passes(n), for a predicate that is monotone in n.

    Brackets the boundary by doubling steps away from ``guess``, then bisects, so a good
    guess costs two or three evaluations and a poor one O(log distance).
    """
    step = 1
    if passes(guess):
        passing = guess
        failing = guess - step
        while failing >= 0 and passes(failing):
            passing, step = failing, step * 2
            failing = passing - step
        failing = max(failing, -1)
    else:
        failing = guess
        passing = guess + step
        while not passes(passing):
            failing, step = passing, step * 2
            passing = failing + step
    while passing - failing > 1:
        middle = (passing + failing) // 2
        if passes(middle):
            passing = middle
        else:
            failing = middle
    return passing
