import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.entitlements import demo_data, services
from opora.entitlements.models import Asset, Reason, SupportPlan, TicketCoverage

pytestmark = pytest.mark.django_db


def test_demo_entitlements():
    seed_demo(tickets=200, customers=40)
    line = demo_data.seed(timezone.now())
    assert demo_data.TRY_SERIAL in line
    assert SupportPlan.objects.count() == 3 and Asset.objects.count() > 20
    client = Asset.objects.get(serial=demo_data.TRY_SERIAL).customer.user
    reports = {
        a.serial: r for a, r in services.assets_with_coverage(services.visible_assets(client))
    }
    assert reports[demo_data.TRY_SERIAL].covered
    assert reports["DEMO-NAS-0002"].covered and reports["DEMO-NAS-0002"].days_left < 15
    assert reports["DEMO-CAM-0003"].reason == Reason.EXPIRED
    assert TicketCoverage.objects.exists()
