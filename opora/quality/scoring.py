"""The QA and audit score formula: pure, typed, no Django.

Each criterion is answered with a value (or N/A where allowed). A yes/no criterion scores 1 for
"yes" (value 1) and 0 for "no" (value 0); a scale criterion answered v on 0..scale_max scores
v / scale_max. The total is the weighted mean of those ratios over the answered criteria, as a
percentage: N/A criteria leave both the numerator and the denominator. Any auto-fail criterion
that scores 0 makes the total 0 whatever else went right (e.g. a data-protection breach).
Criteria with full marks are the review's strengths; those below are what to fix.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class CriterionKind(StrEnum):
    YES_NO = "yes_no"
    SCALE = "scale"


@dataclass(frozen=True)
class CriterionSpec:
    key: int
    weight: int
    kind: CriterionKind = CriterionKind.YES_NO
    scale_max: int = 1
    allows_na: bool = False
    auto_fail: bool = False

    @property
    def highest(self) -> int:
        return 1 if self.kind == CriterionKind.YES_NO else self.scale_max


@dataclass(frozen=True)
class ScoreResult:
    # None when every criterion was N/A: there is nothing to score.
    percent: float | None
    auto_failed: bool
    ratios: dict[int, float | None]
    strengths: tuple[int, ...]
    to_fix: tuple[int, ...]

    @property
    def flawless(self) -> bool:
        return self.percent == 100.0 and not self.auto_failed


class AnswerError(ValueError):
    """An answer sheet that does not fit its criteria; ``key`` names the criterion at fault."""

    def __init__(self, key: int, problem: str):
        super().__init__(f"criterion {key}: {problem}")
        self.key = key
        self.problem = problem


def criterion_ratio(spec: CriterionSpec, value: int | None) -> float | None:
    """The criterion's share of full marks, 0..1; None for N/A."""
    if value is None:
        if not spec.allows_na:
            raise AnswerError(spec.key, "not_applicable_not_allowed")
        return None
    if not 0 <= value <= spec.highest:
        raise AnswerError(spec.key, "out_of_range")
    return value / spec.highest


def score(specs: Sequence[CriterionSpec], answers: Mapping[int, int | None]) -> ScoreResult:
    """Score one answer sheet. Every criterion must be answered (N/A counts as an answer)."""
    if not specs:
        raise ValueError("a scorecard needs at least one criterion")
    missing = [spec.key for spec in specs if spec.key not in answers]
    if missing:
        raise AnswerError(missing[0], "missing")
    unknown = set(answers) - {spec.key for spec in specs}
    if unknown:
        raise AnswerError(min(unknown), "unknown_criterion")
    ratios = {spec.key: criterion_ratio(spec, answers[spec.key]) for spec in specs}
    auto_failed = any(spec.auto_fail and ratios[spec.key] == 0 for spec in specs)
    weighted = [(spec.weight, ratios[spec.key]) for spec in specs if ratios[spec.key] is not None]
    total_weight = sum(weight for weight, _ratio in weighted)
    if total_weight == 0:
        percent = None
    elif auto_failed:
        percent = 0.0
    else:
        percent = round(100 * sum(w * r for w, r in weighted) / total_weight, 2)
    return ScoreResult(
        percent=percent,
        auto_failed=auto_failed,
        ratios=ratios,
        strengths=tuple(key for key, ratio in ratios.items() if ratio == 1),
        to_fix=tuple(key for key, ratio in ratios.items() if ratio is not None and ratio < 1),
    )


def change(current: float | None, previous: float | None) -> float | None:
    """Points gained (+) or lost (−) since the previous wave or period; None without both."""
    if current is None or previous is None:
        return None
    return round(current - previous, 2)


def std_dev_from_moments(mean: float | None, mean_of_squares: float | None) -> float | None:
    """Population standard deviation from E[x] and E[x²] (what SQL can aggregate everywhere)."""
    if mean is None or mean_of_squares is None:
        return None
    # Rounding can push the variance a hair below zero when all values are equal.
    return math.sqrt(max(0.0, mean_of_squares - mean * mean))
