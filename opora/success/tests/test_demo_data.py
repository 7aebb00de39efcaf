"""The demo seed runs on top of the core demo and leaves what the newcomer is told about."""

import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.success import demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    seed_demo(tickets=200, customers=40)
    return demo_data.seed(timezone.now())


def test_every_organisation_has_an_owner_health_and_one_renewal_due(seeded):
    from opora.customers.models import Organisation
    from opora.success import services
    from opora.success.models import Account, LifecycleDelivery

    assert Account.objects.count() == Organisation.objects.count() > 0
    assert not Account.objects.filter(owner=None).exists()
    assert not Account.objects.filter(health_score=None).exists()
    due = Account.objects.filter(renewal_on__lte=timezone.localdate() + timezone.timedelta(days=30))
    assert due.count() == 1
    services.run_due_lifecycle_messages(timezone.now())
    reminders = LifecycleDelivery.objects.filter(message__event="renewal")
    assert reminders.exists()
    assert {d.organisation_id for d in reminders} == {due.get().organisation_id}
