import pytest
from django.utils import timezone

from opora.accounts.models import User
from opora.core.demo import seed_demo
from opora.feedback import demo_data as feedback_demo
from opora.improvements import demo_data, services
from opora.improvements.models import Idea, ImprovementItem, ItemStatus

pytestmark = pytest.mark.django_db


def test_demo_backlog():
    now = timezone.now()
    seed_demo(tickets=200, customers=40, now=now)
    feedback_demo.seed(now)
    line = demo_data.seed(now)
    assert "improvement backlog" in line
    lead = User.objects.get(username="lead")
    items = list(services.visible_items(lead).order_by("-is_safety", "-score"))
    assert 8 <= len(items) <= 12
    assert items[0].is_safety and not any(item.is_safety for item in items[1:])
    assert {item.source_kind for item in items} >= {
        "ticket",
        "reason_trend",
        "qa",
        "audit",
        "idea",
        "manual",
    }
    assert Idea.objects.filter(votes__isnull=False).distinct().count() >= 3
    done = ImprovementItem.objects.get(status=ItemStatus.DONE)
    effect = services.effect(lead, done, now=now)
    assert effect.contacts_after < effect.contacts_before
