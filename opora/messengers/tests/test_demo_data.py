"""The messenger demo: a bot and Telegram tickets that look like real ones."""

import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.messengers import demo_data
from opora.messengers.models import Bot, DeliveryStatus, Identity, OutboundDelivery
from opora.tickets.models import Channel, MessageKind

pytestmark = pytest.mark.django_db


def test_demo_bot_and_telegram_tickets(django_capture_on_commit_callbacks):
    seed_demo(tickets=200, customers=40)
    with django_capture_on_commit_callbacks(execute=False):
        line = demo_data.seed(timezone.now())
    bot = Bot.objects.get(bot_id="opora-support")
    assert bot.api_token == "" and bot.team is not None  # nothing real is configured
    identities = Identity.objects.select_related("customer")
    assert identities.count() == 2
    for identity in identities:
        ticket = identity.customer.tickets.get()
        assert ticket.channel == Channel.TELEGRAM
        assert [m.kind for m in ticket.messages.all()] == [MessageKind.REPLY, MessageKind.REPLY]
    assert set(OutboundDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert "2 Telegram tickets" in line
    assert "0 Telegram tickets" in demo_data.seed(timezone.now())  # seeding twice adds nothing
