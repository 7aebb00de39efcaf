"""Demo Telegram channel: a bot (its token and secret are placeholders, to be replaced in the
admin or the environment) and a couple of Telegram conversations, taken through the same
services as real updates so they look exactly like them."""

import random
from datetime import datetime

from django.db import transaction

from opora.accounts.models import Role, Team, User
from opora.tickets import services as tickets
from opora.tickets.models import Channel, Ticket

from .adapters.base import Sender
from .models import (
    Bot,
    DeliveryStatus,
    Identity,
    InboundUpdate,
    OutboundDelivery,
    Platform,
    UpdateOutcome,
)
from .services import add_to_conversation, identity_for

CONVERSATIONS = [
    (
        Sender("284519370", "284519370", "Мария Петрова", "mpetrova", "ru"),
        "Здравствуйте! Не приходит счёт за октябрь на почту. Договор 4471-Б",
        "Мария, добрый день! Отправили счёт повторно, проверьте, пожалуйста, папку «Спам».",
    ),
    (
        Sender("50912277", "50912277", "Alex Kim", "alex_k", "en"),
        "Hi, the mobile app logs me out every few minutes since the last update.",
        "Thanks Alex, this is a known issue fixed in 3.4.1, out today. Please update the app.",
    ),
]


@transaction.atomic
def seed(now: datetime) -> str:
    rng = random.Random(42)
    bot, _created = Bot.objects.get_or_create(
        bot_id="opora-support",
        defaults={
            "platform": Platform.TELEGRAM,
            "name": "Opora Support (demo)",
            "team": Team.objects.order_by("line", "pk").first(),
        },
    )
    agents = list(User.objects.filter(role=Role.AGENT).order_by("pk"))
    created = 0
    for number, (sender, question, answer) in enumerate(CONVERSATIONS):
        if Identity.objects.filter(
            platform=bot.platform, external_user_id=sender.external_user_id
        ).exists():
            continue
        identity = identity_for(bot, sender)
        message, _opened = add_to_conversation(bot, identity, question, [])
        InboundUpdate.objects.create(
            bot=bot,
            update_id=900_000 + number,
            outcome=UpdateOutcome.TICKET_CREATED,
            message=message,
        )
        if agents:
            # Demo replies are recorded as delivered history: nothing is sent to Telegram.
            ticket = Ticket.objects.get(pk=message.ticket_id)
            agent = rng.choice(agents)
            reply = tickets.add_message(
                ticket, tickets.Actor(user=agent), answer, channel=Channel.TELEGRAM
            )
            OutboundDelivery.objects.filter(message=reply).update(
                status=DeliveryStatus.SENT, attempts=1, sent_at=reply.created_at
            )
        created += 1
    return f"Seeded Telegram bot «{bot.bot_id}» and {created} Telegram tickets"
