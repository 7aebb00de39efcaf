import pytest

from opora.voices.models import Source


@pytest.fixture
def site(db):
    return Source.objects.create(slug="otzovik", name="Otzovik", webhook_secret="s3cret")
