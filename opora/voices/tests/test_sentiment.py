"""The offline sentiment scorer: bounded, language-aware, negation-aware, and accurate enough
on the held-out labelled sample (the figure documented in docs/voices.md)."""

from hypothesis import given
from hypothesis import strategies as st

from opora.voices.evaluation import evaluate
from opora.voices.sentiment import analyse, detect_language


def test_held_out_accuracy_per_language_is_at_least_the_documented_floor():
    scores = {score.language: score for score in evaluate()}
    assert scores["ru"].examples >= 60 and scores["en"].examples >= 60
    # Documented: ru 87.9 %, en 81.8 % (3 classes). The floor leaves room for a library update.
    assert scores["ru"].accuracy >= 0.80
    assert scores["en"].accuracy >= 0.75


def test_russian_negation_and_intensity():
    assert analyse("Хороший сервис").label == "positive"
    assert analyse("Не очень хороший сервис").label == "negative"
    assert analyse("Очень хороший сервис").score > analyse("Хороший сервис").score
    assert analyse("Ужасно долго, но в итоге всё отлично починили").label == "positive"


def test_language_is_detected_or_taken_as_given():
    assert detect_language("Спасибо за помощь") == "ru"
    assert detect_language("Thanks, Анна") == "en"
    assert analyse("ok", "ru").language == "ru"


@given(st.text(max_size=300))
def test_any_text_scores_within_bounds(text):
    result = analyse(text)
    assert -1 <= result.score <= 1 and result.label in {"positive", "neutral", "negative"}
