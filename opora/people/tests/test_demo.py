import pytest
from django.utils import timezone

from opora.accounts.models import User
from opora.core.demo import seed_demo
from opora.people import demo_data, services
from opora.people.models import PulseSurvey

pytestmark = pytest.mark.django_db


def test_demo_survey_shows_one_team_and_withholds_the_other():
    now = timezone.now()
    seed_demo(tickets=200, customers=40, now=now)
    assert demo_data.seed(now).startswith("Seeded ")
    _overall, groups = services.pulse_results(
        User.objects.get(username="lead"), PulseSurvey.objects.get()
    )
    shown = [g for g in groups if not g.withheld]
    withheld = [g for g in groups if g.withheld]
    assert len(shown) == 1 and shown[0].respondents >= services.MIN_GROUP
    assert len(withheld) == 1 and withheld[0].respondents < services.MIN_GROUP
    assert services.turnover(User.objects.get(username="lead"), *services.last_quarter())
