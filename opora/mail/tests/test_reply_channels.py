"""Which replies travel by e-mail: not live chat lines, not messenger conversations."""

import pytest

from opora.mail.models import EmailEnvelope
from opora.tickets import services
from opora.tickets.models import Channel

pytestmark = pytest.mark.django_db


def reply(ticket, agent, channel):
    return services.add_message(ticket, services.Actor(user=agent), "Ответ", channel=channel)


def test_a_desk_reply_is_mailed_but_a_chat_line_is_not(carol, anna, make_ticket):
    ticket = make_ticket(carol)
    mailed = reply(ticket, anna, Channel.WEB)
    chat_line = reply(ticket, anna, Channel.CHAT)
    assert EmailEnvelope.objects.filter(message=mailed).exists()
    assert not EmailEnvelope.objects.filter(message=chat_line).exists()


def test_replies_on_a_telegram_conversation_go_back_by_telegram_only(carol, anna, make_ticket):
    ticket = make_ticket(carol, channel=Channel.TELEGRAM)
    message = reply(ticket, anna, Channel.WEB)
    assert not EmailEnvelope.objects.filter(message=message).exists()
