import pytest
from django.utils import timezone

from opora.authority import demo_data, services
from opora.authority.models import AuthorityLimit, Compensation, CompensationStatus, HandOff
from opora.core.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_demo_limits_grants_and_one_pending_approval():
    seed_demo(tickets=200, customers=40)
    line = demo_data.seed(timezone.now())
    assert "compensation grants" in line
    refund = AuthorityLimit.objects.get(role="agent", kind="refund", team=None)
    assert (refund.max_amount, refund.max_count, refund.period) == (3000, 5, "week")
    assert AuthorityLimit.objects.get(role="manager", team=None).max_amount == 20000
    assert Compensation.objects.filter(status=CompensationStatus.GRANTED).count() >= 8
    pending = Compensation.objects.get(status=CompensationStatus.PENDING)
    lead = pending.team.lead
    assert list(services.decidable_by(lead)) == [pending]
    # Every grant is on its ticket's record.
    for grant in Compensation.objects.all():
        assert grant.ticket.audit_events.filter(field="compensation").exists()
    assert HandOff.objects.filter(status="open").count() == 1
