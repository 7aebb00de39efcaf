"""Sentiment of a short review or post in Russian or English, offline, from -1 to +1.

English: VADER (the ``vaderSentiment`` package, its lexicon ships inside it), with a few
customer-service words added from ``data/lexicon_en_service.tsv``. Russian: a lexicon of our own
(``data/lexicon_ru.tsv``, full words reduced to Snowball stems on load) with VADER's ideas —
negation flips the next words, intensifiers scale them, and the sum is squashed into [-1, 1]
the same way. Pure: no Django, no network. Accuracy on a held-out labelled sample is measured
by ``opora voices_sentiment_eval`` (see docs/voices.md)."""

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import snowballstemmer
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

DATA = Path(__file__).with_name("data")
NEUTRAL_BAND = 0.05
WORD = re.compile(r"[a-zа-яё]+", re.IGNORECASE)
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)
NEGATIONS = frozenset({"не", "нет", "ни", "без", "никак", "нисколько"})
INTENSIFIERS = {
    "очень": 1.5,
    "крайне": 1.6,
    "совсем": 1.4,
    "абсолютно": 1.6,
    "совершенно": 1.5,
    "так": 1.3,
    "настолько": 1.4,
    "слишком": 1.3,
    "невероятно": 1.6,
    "просто": 1.2,
    "вообще": 1.3,
    "самый": 1.4,
    "самая": 1.4,
    "самое": 1.4,
    "самые": 1.4,
}
NEGATION_REACH = 3  # words after a negation that it turns around
# Contrast: what follows "но" / "однако" outweighs what came before, as in VADER's "but".
CONTRASTS = frozenset({"но", "однако", "зато"})


@dataclass(frozen=True)
class Sentiment:
    score: float  # -1 … +1
    label: str  # positive / neutral / negative
    language: str  # ru / en


def detect_language(text: str) -> str:
    return (
        "ru"
        if len(CYRILLIC.findall(text)) >= len(LATIN.findall(text)) and CYRILLIC.search(text)
        else "en"
    )


def label_of(score: float) -> str:
    if score >= NEUTRAL_BAND:
        return "positive"
    return "negative" if score <= -NEUTRAL_BAND else "neutral"


def _read_lexicon(name: str) -> dict[str, float]:
    entries: dict[str, float] = {}
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, weight = line.split("\t")
        entries[word.strip().lower()] = float(weight)
    return entries


@cache
def _russian_stemmer():
    return snowballstemmer.stemmer("russian")


@cache
def russian_lexicon() -> dict[str, float]:
    stem = _russian_stemmer().stemWord
    return {
        stem(word.replace("ё", "е")): weight
        for word, weight in _read_lexicon("lexicon_ru.tsv").items()
    }


@cache
def english_analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(_read_lexicon("lexicon_en_service.tsv"))
    return analyzer


def _squash(total: float, alpha: float = 15.0) -> float:
    return total / math.sqrt(total * total + alpha)


def russian_score(text: str) -> float:
    lexicon, stem = russian_lexicon(), _russian_stemmer().stemWord
    total = 0.0
    weight_after_contrast = 1.0
    negate_left = 0
    boost = 1.0
    for raw in WORD.findall(text.lower().replace("ё", "е")):
        if raw in CONTRASTS:
            total *= 0.5
            weight_after_contrast = 1.5
            continue
        if raw in NEGATIONS:
            negate_left = NEGATION_REACH
            continue
        if raw in INTENSIFIERS:
            boost = INTENSIFIERS[raw]
            continue
        value = lexicon.get(stem(raw), 0.0)
        if value:
            value *= boost * weight_after_contrast
            if negate_left:
                value *= -0.75
                negate_left = 0
            total += value
            boost = 1.0
        elif negate_left:
            negate_left -= 1
    exclamations = min(text.count("!"), 3)
    if total and exclamations:
        total += math.copysign(0.3 * exclamations, total)
    return _squash(total)


def analyse(text: str, language: str | None = None) -> Sentiment:
    language = language if language in ("ru", "en") else detect_language(text)
    if language == "ru":
        score = russian_score(text)
    else:
        score = english_analyzer().polarity_scores(text)["compound"]
    score = round(max(-1.0, min(1.0, score)), 4)
    return Sentiment(score, label_of(score), language)
