import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.quality import demo_data, services
from opora.quality.models import AuditProgramme, Calibration, Review, SampledTicket

pytestmark = pytest.mark.django_db


def test_demo_seeds_reviews_calibration_and_two_waves_with_change():
    now = timezone.now()
    seed_demo(tickets=200, customers=40, now=now)
    line = demo_data.seed(now)
    assert line.startswith("Seeded ")
    assert SampledTicket.objects.exists()
    assert Review.objects.counted().count() > 5
    calibration = Calibration.objects.get()
    total, per_criterion = services.calibration_spread(calibration)
    assert total.reviewers == 3 and len(per_criterion) == 6
    assert services.Dispute.objects.filter(status="open").count() == 1
    assert services.Recognition.objects.exists()
    rows = services.wave_report(AuditProgramme.objects.get())
    changes = [row.change for row in rows if row.wave.number == 2]
    assert len(changes) == 2 and all(change is not None and change != 0 for change in changes)
