"""The demo seed runs on top of the core demo and leaves what the newcomer is told about."""

import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.fieldservice import demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    seed_demo(tickets=200, customers=40)
    return demo_data.seed(timezone.now())


def test_repair_is_booked_with_the_nearest_qualified_technician(seeded):
    from opora.fieldservice.models import WorkOrder, WorkOrderStatus

    repair = WorkOrder.objects.get(kind="repair")
    assert repair.status == WorkOrderStatus.SCHEDULED
    # Pavel is based in Moscow and repairs printers; Yuri (Zelenograd) also qualifies but is farther.
    assert repair.technician.user.username == "pavel"
    assert WorkOrder.objects.get(kind="installation").status == WorkOrderStatus.NEW
    assert "awaiting confirmation" in seeded
