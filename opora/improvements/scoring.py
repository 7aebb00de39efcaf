"""Priority of an improvement item from the eight factors of the seeds (PRODUCT.md §1G).

Pure and typed (no Django). Each factor is rated 0 (none) to 5 (very high); the score is the
weighted mean of the ratings on a 0-100 scale. The ranking puts every safety issue (safety
rated above 0) before every other item whatever their scores: "if customers' safety is at
stake, the problem comes first". Within each group the higher score ranks first.

Frequency may be left unrated: it is then derived from the number of tickets linked to the
item (``frequency_from_tickets``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

__all__ = [
    "DEFAULT_WEIGHTS",
    "FACTORS",
    "MAX_RATING",
    "TICKET_STEPS",
    "frequency_from_tickets",
    "is_safety_issue",
    "rank",
    "rank_key",
    "score",
]

FACTORS: tuple[str, ...] = (
    "safety",
    "frequency",
    "scale",
    "urgency",
    "segment",
    "prevention",
    "brand",
    "strategy",
)
MAX_RATING = 5
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "safety": 3.0,
    "frequency": 2.0,
    "scale": 2.0,
    "urgency": 1.5,
    "segment": 1.0,
    "prevention": 1.5,
    "brand": 1.0,
    "strategy": 1.0,
}
# Linked tickets at which frequency reaches 1, 2, 3, 4, 5.
TICKET_STEPS: tuple[int, ...] = (1, 5, 20, 50, 100)

T = TypeVar("T")


def _rating(ratings: Mapping[str, int], factor: str) -> int:
    value = ratings.get(factor, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RATING:
        raise ValueError(f"{factor} must be a whole number 0-{MAX_RATING}, got {value!r}")
    return value


def _weights(weights: Mapping[str, float]) -> dict[str, float]:
    unknown = set(weights) - set(FACTORS)
    if unknown:
        raise ValueError(f"unknown factors: {sorted(unknown)}")
    cleaned = {factor: float(weights.get(factor, 0.0)) for factor in FACTORS}
    if any(weight < 0 or weight != weight for weight in cleaned.values()):
        raise ValueError("weights must not be negative")
    return cleaned


def score(ratings: Mapping[str, int], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> float:
    """Weighted mean of the ratings, 0-100. All weights zero: 0."""
    unknown = set(ratings) - set(FACTORS)
    if unknown:
        raise ValueError(f"unknown factors: {sorted(unknown)}")
    cleaned = _weights(weights)
    total = sum(cleaned.values())
    if total == 0:
        return 0.0
    weighted = sum(cleaned[factor] * _rating(ratings, factor) for factor in FACTORS)
    return round(100.0 * weighted / (MAX_RATING * total), 4)


def is_safety_issue(ratings: Mapping[str, int]) -> bool:
    return _rating(ratings, "safety") > 0


def rank_key(ratings: Mapping[str, int], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> tuple:
    """Sort ascending by this: safety issues first, then the higher score."""
    return (not is_safety_issue(ratings), -score(ratings, weights))


def rank(
    items: Iterable[T],
    ratings_of: Callable[[T], Mapping[str, int]],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> list[T]:
    """Items in priority order (stable: equal keys keep their given order)."""
    return sorted(items, key=lambda item: rank_key(ratings_of(item), weights))


def frequency_from_tickets(linked: int, steps: Sequence[int] = TICKET_STEPS) -> int:
    """A 0-5 frequency rating from how many tickets report the problem."""
    if linked < 0:
        raise ValueError("a ticket count cannot be negative")
    return sum(1 for step in steps if linked >= step)
