"""Customer-experience survey metrics: CSAT, NPS, CES and response rate.

Exact definitions (PRODUCT.md section 1C):

* CSAT: scores 1-5; CSAT % = responses of 4-5 / all responses x 100.
* NPS: scores 0-10; promoters 9-10, passives 7-8, detractors 0-6;
  NPS = % promoters - % detractors, from -100 to +100.
* CES: scores 1-7, 7 = very easy; CES = mean score; % easy = responses of 5-7 / all x 100.
* Response rate = responses / surveys sent x 100.

Every metric comes with a confidence interval, because a team's CSAT over a dozen
responses is a rough guess and reports should show how rough.

Each metric takes either raw scores (``csat([5, 4, 2])``) or counts per score, which is
what a report's SQL ``GROUP BY score`` returns (``csat_from_counts({5: 1, 4: 1, 2: 1})``).
A score outside its scale raises ``ValueError`` naming the score. No responses give a
result whose percentages, means and intervals are ``None``: "no data" must not be shown as
0 % or crash a dashboard.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist

__all__ = [
    "CES_SCALE",
    "CSAT_SCALE",
    "DEFAULT_CONFIDENCE",
    "NPS_SCALE",
    "CesResult",
    "ConfidenceInterval",
    "CsatResult",
    "NpsResult",
    "SurveyScale",
    "ces",
    "ces_from_counts",
    "csat",
    "csat_from_counts",
    "nps",
    "nps_from_counts",
    "response_rate",
    "wilson_score_interval",
]

DEFAULT_CONFIDENCE = 0.95

SATISFIED_FROM = 4  # CSAT 4-5 counts as satisfied
PROMOTER_FROM = 9  # NPS 9-10
DETRACTOR_UP_TO = 6  # NPS 0-6; 7-8 are passives
EASY_FROM = 5  # CES 5-7 counts as easy


@dataclass(frozen=True, slots=True)
class SurveyScale:
    """The whole-number answers a survey question allows, ``lowest`` to ``highest``."""

    metric: str
    lowest: int
    highest: int

    def validated(self, score: int) -> int:
        """``score`` as an int, or ``ValueError`` naming it if it is not on this scale."""
        try:
            whole = operator.index(score)  # also accepts numpy integers, refuses 4.5
        except TypeError:
            raise ValueError(f"{self.metric} score {score!r} is not a whole number") from None
        if not self.lowest <= whole <= self.highest:
            raise ValueError(
                f"{self.metric} score {whole} is outside the scale {self.lowest}-{self.highest}"
            )
        return whole


CSAT_SCALE = SurveyScale("CSAT", 1, 5)
NPS_SCALE = SurveyScale("NPS", 0, 10)
CES_SCALE = SurveyScale("CES", 1, 7)


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """``[low, high]`` in the unit of the estimate it bounds (percent, NPS points, CES score)."""

    low: float
    high: float
    confidence: float


@dataclass(frozen=True, slots=True)
class CsatResult:
    """CSAT % = ``satisfied`` (responses of 4-5) / ``responses`` x 100."""

    responses: int
    satisfied: int
    csat_percent: float | None
    confidence_interval: ConfidenceInterval | None  # Wilson score interval, in percent


@dataclass(frozen=True, slots=True)
class NpsResult:
    """NPS = ``promoters_percent`` - ``detractors_percent``, from -100 to +100."""

    responses: int
    promoters: int
    passives: int
    detractors: int
    promoters_percent: float | None
    passives_percent: float | None
    detractors_percent: float | None
    nps: float | None
    confidence_interval: ConfidenceInterval | None  # in NPS points, within [-100, 100]


@dataclass(frozen=True, slots=True)
class CesResult:
    """CES = ``mean_score`` on 1-7 (7 = very easy); ``easy_percent`` = share of 5-7 x 100."""

    responses: int
    mean_score: float | None
    mean_confidence_interval: ConfidenceInterval | None  # Student t, within [1, 7]
    easy: int
    easy_percent: float | None
    easy_confidence_interval: ConfidenceInterval | None  # Wilson score interval, in percent


def csat(scores: Iterable[int], confidence: float = DEFAULT_CONFIDENCE) -> CsatResult:
    """CSAT of raw 1-5 scores; see :func:`csat_from_counts`."""
    return csat_from_counts(Counter(scores), confidence)


def csat_from_counts(
    counts: Mapping[int, int], confidence: float = DEFAULT_CONFIDENCE
) -> CsatResult:
    """CSAT % = responses of 4-5 / all responses x 100, from counts per score (1-5).

    The interval is the Wilson score interval of the share of 4-5 answers (see
    :func:`wilson_score_interval`).
    """
    _check_confidence(confidence)
    per_score = _validated_counts(counts, CSAT_SCALE)
    responses = sum(per_score.values())
    satisfied = _count_between(per_score, SATISFIED_FROM, CSAT_SCALE.highest)
    return CsatResult(
        responses=responses,
        satisfied=satisfied,
        csat_percent=_percent(satisfied, responses),
        confidence_interval=wilson_score_interval(satisfied, responses, confidence),
    )


def nps(scores: Iterable[int], confidence: float = DEFAULT_CONFIDENCE) -> NpsResult:
    """NPS of raw 0-10 scores; see :func:`nps_from_counts`."""
    return nps_from_counts(Counter(scores), confidence)


def nps_from_counts(counts: Mapping[int, int], confidence: float = DEFAULT_CONFIDENCE) -> NpsResult:
    """NPS = % promoters (9-10) - % detractors (0-6), from counts per score (0-10).

    Confidence interval: score each respondent +1 (promoter), 0 (passive) or -1
    (detractor); NPS is 100 x the mean of these scores. With shares p (promoters) and
    d (detractors) the per-respondent variance is p + d - (p - d)^2 (the trinomial
    variance), so the interval is NPS +/- z x 100 x sqrt((p + d - (p - d)^2) / n),
    clipped to [-100, 100]. When every respondent is in the same group the variance is 0
    and the interval collapses to the point: it says nothing about small unanimous
    samples.
    """
    _check_confidence(confidence)
    per_score = _validated_counts(counts, NPS_SCALE)
    responses = sum(per_score.values())
    promoters = _count_between(per_score, PROMOTER_FROM, NPS_SCALE.highest)
    detractors = _count_between(per_score, NPS_SCALE.lowest, DETRACTOR_UP_TO)
    passives = responses - promoters - detractors
    # From the counts rather than by subtracting the rounded percentages, so unanimous
    # samples give exactly +100 / -100.
    score = _percent(promoters - detractors, responses)
    interval = None
    if score is not None:
        promoter_share, detractor_share = promoters / responses, detractors / responses
        variance = promoter_share + detractor_share - (promoter_share - detractor_share) ** 2
        # max(): rounding can push a variance of exactly 0 a hair below it.
        half_width = _z_score(confidence) * 100 * math.sqrt(max(variance, 0.0) / responses)
        interval = _clipped_interval(score, half_width, confidence, -100.0, 100.0)
    return NpsResult(
        responses=responses,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        promoters_percent=_percent(promoters, responses),
        passives_percent=_percent(passives, responses),
        detractors_percent=_percent(detractors, responses),
        nps=score,
        confidence_interval=interval,
    )


def ces(scores: Iterable[int], confidence: float = DEFAULT_CONFIDENCE) -> CesResult:
    """CES of raw 1-7 scores; see :func:`ces_from_counts`."""
    return ces_from_counts(Counter(scores), confidence)


def ces_from_counts(counts: Mapping[int, int], confidence: float = DEFAULT_CONFIDENCE) -> CesResult:
    """CES = mean score (1-7, 7 = very easy) and % easy = responses of 5-7 / all x 100.

    The mean's interval is Student's t interval, mean +/- t(n-1) x s / sqrt(n) with s the
    sample standard deviation, clipped to the scale [1, 7]; it needs at least two
    responses (one response says nothing about the spread) and is ``None`` otherwise.
    % easy has the Wilson score interval.
    """
    _check_confidence(confidence)
    per_score = _validated_counts(counts, CES_SCALE)
    responses = sum(per_score.values())
    easy = _count_between(per_score, EASY_FROM, CES_SCALE.highest)
    total = sum(score * count for score, count in per_score.items())
    mean = total / responses if responses else None
    mean_interval = None
    if mean is not None and responses >= 2:
        sum_of_squares = sum(count * (score - mean) ** 2 for score, count in per_score.items())
        standard_error = math.sqrt(sum_of_squares / (responses - 1) / responses)
        half_width = _t_quantile(responses - 1, confidence) * standard_error
        mean_interval = _clipped_interval(
            mean, half_width, confidence, CES_SCALE.lowest, CES_SCALE.highest
        )
    return CesResult(
        responses=responses,
        mean_score=mean,
        mean_confidence_interval=mean_interval,
        easy=easy,
        easy_percent=_percent(easy, responses),
        easy_confidence_interval=wilson_score_interval(easy, responses, confidence),
    )


def response_rate(responses: int, surveys_sent: int) -> float | None:
    """Response rate = responses / surveys sent x 100; ``None`` when nothing was sent.

    More responses than surveys sent means the counts are wrong (each survey takes one
    response), so it raises ``ValueError`` rather than report a rate above 100 %.
    """
    if responses < 0 or surveys_sent < 0:
        raise ValueError(
            f"counts cannot be negative: {responses} responses, {surveys_sent} surveys sent"
        )
    if responses > surveys_sent:
        raise ValueError(f"{responses} responses to only {surveys_sent} surveys sent")
    return _percent(responses, surveys_sent)


def wilson_score_interval(
    successes: int, trials: int, confidence: float = DEFAULT_CONFIDENCE
) -> ConfidenceInterval | None:
    """Wilson score interval for a share, in percent; ``None`` for zero trials.

    With p = successes / trials, n = trials and z the normal quantile for ``confidence``:
    centre = (p + z^2 / 2n) / (1 + z^2 / n),
    half-width = z / (1 + z^2 / n) x sqrt(p (1 - p) / n + z^2 / 4n^2).
    Unlike p +/- z sqrt(p (1 - p) / n) it stays within 0-100 % and does not collapse to a
    point when all of a few answers agree, which is why small teams' CSAT uses it.
    """
    _check_confidence(confidence)
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if trials == 0:
        return None
    z = _z_score(confidence)
    share = successes / trials
    shrink = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / shrink
    half_width = z / shrink * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials**2))
    # The exact bounds at 0 and 100 %: rounding must not leave a unanimous sample's own
    # share just outside its interval.
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == trials else min(1.0, centre + half_width)
    return ConfidenceInterval(low=100 * low, high=100 * high, confidence=confidence)


def _validated_counts(counts: Mapping[int, int], scale: SurveyScale) -> dict[int, int]:
    """Counts per score checked against ``scale``, keyed by plain ints in score order.

    Score order makes the floating-point sums, and so the results, independent of the
    order in which answers arrived.
    """
    validated: dict[int, int] = {}
    for score, count in counts.items():
        whole = scale.validated(score)
        if not isinstance(count, int) or count < 0:
            raise ValueError(
                f"count {count!r} of {scale.metric} score {whole} is not a non-negative integer"
            )
        validated[whole] = validated.get(whole, 0) + count
    return dict(sorted(validated.items()))


def _count_between(counts: Mapping[int, int], lowest: int, highest: int) -> int:
    return sum(count for score, count in counts.items() if lowest <= score <= highest)


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100 * part / whole


def _clipped_interval(
    estimate: float, half_width: float, confidence: float, lowest: float, highest: float
) -> ConfidenceInterval:
    return ConfidenceInterval(
        low=float(max(lowest, estimate - half_width)),
        high=float(min(highest, estimate + half_width)),
        confidence=confidence,
    )


def _z_score(confidence: float) -> float:
    """The two-sided standard normal quantile, e.g. 1.96 for 95 %."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _t_quantile(degrees_of_freedom: int, confidence: float) -> float:
    """The two-sided Student t quantile, e.g. 2.776 for 95 % with 4 degrees of freedom."""
    # Imported here: scipy.special costs ~0.25 s and ~40 MB at import, and only CES
    # intervals need it, so web processes that never compute one do not pay for it.
    from scipy.special import stdtrit

    return float(stdtrit(degrees_of_freedom, 0.5 + confidence / 2))


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 exclusive, got {confidence}")
