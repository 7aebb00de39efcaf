"""The demo seed runs on top of the core demo and leaves what the newcomer is told about."""

import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.voices import demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    seed_demo(tickets=200, customers=40)
    return demo_data.seed(timezone.now())


def test_thirty_reviews_in_both_languages_with_sentiment(seeded):
    from opora.voices.models import Mention

    assert Mention.objects.count() == 30
    assert set(Mention.objects.values_list("language", flat=True)) == {"ru", "en"}
    labels = set(Mention.objects.values_list("sentiment_label", flat=True))
    assert labels == {"positive", "neutral", "negative"}
    assert Mention.objects.filter(customer__isnull=False).exists()
    # Seeding is an import: running the same reviews again adds nothing.
    assert "30 outside mentions" in seeded
