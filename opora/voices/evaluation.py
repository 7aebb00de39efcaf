"""Measuring the sentiment scorer against a labelled sample (CSV: language, label, text)."""

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .sentiment import DATA, analyse

HELD_OUT = DATA / "sentiment_heldout.csv"


@dataclass(frozen=True)
class LanguageScore:
    language: str
    examples: int
    correct: int
    confusion: dict[tuple[str, str], int]  # (expected, predicted) → count

    @property
    def accuracy(self) -> float:
        return self.correct / self.examples if self.examples else 0.0


def evaluate(path: Path = HELD_OUT) -> list[LanguageScore]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    scores = []
    for language in sorted({row["language"] for row in rows}):
        sample = [row for row in rows if row["language"] == language]
        pairs = Counter((row["label"], analyse(row["text"]).label) for row in sample)
        correct = sum(count for (expected, got), count in pairs.items() if expected == got)
        scores.append(LanguageScore(language, len(sample), correct, dict(pairs)))
    return scores
