import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.incidents import demo_data, services
from opora.incidents.models import Incident, IncidentStatus

pytestmark = pytest.mark.django_db


def test_demo_incidents():
    seed_demo(tickets=200, customers=40)
    assert "10 linked tickets" in demo_data.seed(timezone.now())
    outage = Incident.objects.get(status=IncidentStatus.OPEN)
    assert outage.links.count() == 10 and len(services.active_banners()) == 1
    past = Incident.objects.get(status=IncidentStatus.RESOLVED)
    assert past.post_incident_note and past.links.exists()
    assert list(past.events.values_list("kind", flat=True)) == [
        "opened",
        "linked",
        "resolved",
        "note",
    ]
