"""Agents' public replies on Telegram tickets go back through the Bot API, with retries."""

import pytest
from django.template.loader import render_to_string

from opora.messengers import ticket_panel
from opora.messengers.adapters.base import MessengerError
from opora.messengers.adapters.telegram import MAX_MESSAGE_LENGTH, TelegramClient
from opora.messengers.models import DeliveryStatus, OutboundDelivery
from opora.tickets import services as tickets
from opora.tickets.models import Channel, MessageKind, Ticket

from .conftest import TOKEN, update

pytestmark = pytest.mark.django_db


@pytest.fixture
def telegram_ticket(post_update, bot) -> Ticket:
    return Ticket.objects.get(pk=post_update(update("text_message")).json()["ticket_id"])


@pytest.fixture
def reply(anna, django_capture_on_commit_callbacks):
    def send(ticket, body="Счёт отправлен повторно.", kind=MessageKind.REPLY):
        with django_capture_on_commit_callbacks(execute=True):
            return tickets.add_message(ticket, tickets.Actor(user=anna), body, kind=kind)

    return send


def test_an_agents_reply_reaches_the_customers_chat(telegram_ticket, reply, bot_api):
    message = reply(telegram_ticket)
    assert bot_api.calls == [
        ("sendMessage", {"chat_id": "284519370", "text": "Счёт отправлен повторно."})
    ]
    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.external_message_ids == ["1001"]


def test_notes_and_other_channels_do_not_travel(telegram_ticket, reply, bot_api, make_ticket, erin):
    reply(telegram_ticket, "internal only", kind=MessageKind.NOTE)
    reply(make_ticket(erin, channel=Channel.EMAIL))
    assert bot_api.calls == [] and not OutboundDelivery.objects.exists()


def test_rate_limit_and_server_error_are_retried_within_the_call(telegram_ticket, reply, bot_api):
    bot_api.failures = [429, 500]
    message = reply(telegram_ticket)
    assert [method for method, _ in bot_api.calls] == ["sendMessage"] * 3
    assert OutboundDelivery.objects.get(message=message).status == DeliveryStatus.SENT


def test_a_reply_that_keeps_failing_is_marked_failed_and_noted_on_the_ticket(
    telegram_ticket, reply, bot_api, settings
):
    settings.OPORA_MESSENGER_MAX_SEND_ATTEMPTS = 2
    settings.OPORA_MESSENGER_ATTEMPTS_PER_CALL = 2
    bot_api.failures = [500] * 10
    message = reply(telegram_ticket)
    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    assert "Internal Server Error" in delivery.last_error
    assert len(bot_api.calls) == 4  # 2 background runs × 2 tries each
    note = telegram_ticket.messages.filter(kind=MessageKind.NOTE).get()
    assert "could not be delivered to Telegram" in note.body


def test_a_permanent_refusal_is_not_retried(telegram_ticket, reply, bot_api):
    bot_api.failures = [400]
    message = reply(telegram_ticket)
    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.FAILED and len(bot_api.calls) == 1
    assert "chat not found" in delivery.last_error


def test_panel_shows_undelivered_replies(
    telegram_ticket, reply, bot_api, rf, anna, erin, django_assert_max_num_queries
):
    bot_api.failures = [400]
    reply(telegram_ticket)
    reply(telegram_ticket, "second")
    request = rf.get("/")
    request.user = anna
    with django_assert_max_num_queries(2):
        context = ticket_panel.panel(request, telegram_ticket)
    html = render_to_string(context["template"], {"panel": context, "ticket": telegram_ticket})
    assert "@mpetrova" in html and "Failed" in html and "1 reply delivered" in html
    request.user = erin.user
    assert ticket_panel.panel(request, telegram_ticket) is None


def test_client_waits_as_telegram_asks_but_never_longer_than_the_cap(bot_api):
    pauses = []
    client = TelegramClient(TOKEN, bot_api.base_url, attempts=3, max_pause=0.5, sleep=pauses.append)
    bot_api.retry_after, bot_api.failures = 7, [429, 429]
    assert client.send_message("1", "hi")["text"] == "hi"
    assert pauses == [0.5, 0.5]


def test_client_gives_up_after_its_attempts_and_says_it_may_be_retried(bot_api):
    client = TelegramClient(TOKEN, bot_api.base_url, attempts=2, sleep=lambda _: None)
    bot_api.failures = [502, 502]
    with pytest.raises(MessengerError) as raised:
        client.send_message("1", "hi")
    assert raised.value.retryable and raised.value.status == 502


def test_wrong_token_and_unreachable_server(bot_api):
    with pytest.raises(MessengerError) as wrong:
        TelegramClient("bad", bot_api.base_url, sleep=lambda _: None).send_message("1", "x")
    assert (wrong.value.status, wrong.value.retryable) == (401, False)
    bot_api.stop()
    with pytest.raises(MessengerError) as down:
        TelegramClient(TOKEN, bot_api.base_url, attempts=1, timeout=1).send_message("1", "x")
    assert down.value.retryable


def test_long_replies_are_split_at_telegrams_limit(telegram_ticket, reply, bot_api):
    reply(telegram_ticket, "я" * (MAX_MESSAGE_LENGTH + 10))
    assert [len(text) for text in bot_api.sent_texts()] == [MAX_MESSAGE_LENGTH, 10]


def test_the_ticket_page_carries_the_telegram_panel(telegram_ticket, client_for, anna):
    html = client_for(anna).get(f"/desk/tickets/{telegram_ticket.pk}/").content.decode()
    assert 'id="messenger-panel"' in html and "@mpetrova" in html
