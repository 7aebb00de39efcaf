"""Telegram updates (recorded shapes from the Bot API docs) through the real webhook endpoint."""

import pytest

from opora.customers.models import Customer
from opora.messengers.models import Identity, InboundUpdate, UpdateOutcome
from opora.tickets.models import Attachment, Channel, Message, Ticket

from .conftest import PHOTO_BYTES, update

pytestmark = pytest.mark.django_db


def written():
    return (
        Ticket.objects.count(),
        Message.objects.count(),
        Customer.objects.count(),
        InboundUpdate.objects.count(),
    )


def test_a_text_message_opens_a_telegram_ticket_for_a_new_customer(post_update, bot):
    response = post_update(update("text_message"))
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == UpdateOutcome.TICKET_CREATED
    ticket = Ticket.objects.get(pk=response.json()["ticket_id"])
    assert ticket.channel == Channel.TELEGRAM and ticket.team == bot.team
    assert ticket.subject == "Здравствуйте! Не приходит счёт за октябрь на почту."
    message = ticket.messages.get()
    assert message.author_customer == ticket.customer and message.channel == Channel.TELEGRAM
    assert "Договор 4471-Б" in message.body
    identity = Identity.objects.get()
    assert (identity.external_user_id, identity.chat_id, identity.username) == (
        "284519370",
        "284519370",
        "mpetrova",
    )
    assert identity.customer == ticket.customer and ticket.customer.name == "Мария Петрова"


def test_the_same_update_delivered_twice_is_stored_once(post_update, bot):
    first = post_update(update("text_message")).json()
    before = written()
    again = post_update(update("text_message"))
    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
    assert written() == before


def test_photo_with_caption_lands_on_the_same_ticket_with_the_largest_photo(
    post_update, bot, bot_api
):
    ticket_id = post_update(update("text_message")).json()["ticket_id"]
    response = post_update(update("photo_with_caption"))
    assert response.json()["outcome"] == UpdateOutcome.MESSAGE_ADDED
    assert response.json()["ticket_id"] == ticket_id
    attachment = Attachment.objects.get()
    assert attachment.message.body == "Вот скриншот ошибки"
    assert attachment.content_type == "image/jpeg" and attachment.size == len(PHOTO_BYTES)
    assert attachment.file.read() == PHOTO_BYTES
    assert ("getFile", {"file_id": "AgACAgIAAxkBAAM1Z0J3c2FtcGxlX2xhcmdlAAI"}) in bot_api.calls


def test_an_edited_message_is_added_marked_as_edited(post_update, bot):
    ticket_id = post_update(update("text_message")).json()["ticket_id"]
    post_update(update("edited_message"))
    last = Ticket.objects.get(pk=ticket_id).messages.last()
    assert last.body.startswith("(edited) ") and "4471-В" in last.body


def test_start_greets_without_opening_a_ticket(post_update, bot, bot_api):
    response = post_update(update("start_command"))
    assert response.json()["outcome"] == UpdateOutcome.GREETED
    assert not Ticket.objects.exists()
    assert Identity.objects.count() == 1
    assert bot_api.calls[-1][0] == "sendMessage"
    assert bot_api.calls[-1][1]["chat_id"] == "284519370"


def test_group_messages_are_ignored_silently(post_update, bot, bot_api):
    response = post_update(update("group_message"))
    assert response.status_code == 200
    assert response.json()["detail"] == "group_chat"
    assert written() == (0, 0, 0, 1)
    assert bot_api.calls == []


def test_a_sticker_is_not_a_ticket_and_the_customer_is_told(post_update, bot, bot_api):
    response = post_update(update("sticker"))
    assert response.json()["outcome"] == UpdateOutcome.IGNORED
    assert response.json()["detail"] == "unsupported_content:sticker"
    assert not Ticket.objects.exists()
    # In the sender's language (the sticker came from a Russian-language Telegram client).
    assert "только текст, фотографии и файлы" in bot_api.sent_texts()[-1]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"bot_id": "nobody"}, 404, "unknown_bot"),
        ({"secret": None}, 401, "bad_secret"),
        ({"secret": "guess"}, 401, "bad_secret"),
        ({"raw": b'{"update_id": 1, "message": '}, 400, "malformed_json"),
        ({"raw": b'"just a string"'}, 400, "malformed_json"),
        ({"raw": b'{"message": {"text": "hi"}}'}, 400, "invalid_update"),
        ({"raw": b'{"update_id": 5, "message": {"text": "hi"}}'}, 400, "invalid_update"),
    ],
)
def test_bad_deliveries_get_precise_codes_and_write_nothing(post_update, bot, kwargs, status, code):
    response = post_update(update("text_message"), **kwargs)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert written() == (0, 0, 0, 0)


def test_inactive_bot_and_get_are_refused(post_update, client, bot):
    assert client.get("/messengers/telegram/support/webhook").status_code == 405
    bot.is_active = False
    bot.save()
    assert post_update(update("text_message")).status_code == 404


def test_photo_that_cannot_be_fetched_yet_is_refused_whole_then_accepted_on_redelivery(
    post_update, bot, bot_api
):
    bot_api.failures = [500] * 3  # every try of getFile in this delivery
    refused = post_update(update("photo_with_caption"))
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "messenger_unavailable"
    assert written() == (0, 0, 0, 0)
    accepted = post_update(update("photo_with_caption"))
    assert accepted.status_code == 200 and Attachment.objects.count() == 1


def test_photo_that_telegram_will_never_give_is_kept_with_a_note(post_update, bot, bot_api):
    bot_api.files.clear()  # getFile answers 400 invalid file_id: no point retrying
    response = post_update(update("photo_with_caption"))
    assert response.status_code == 200
    message = Message.objects.get()
    assert "could not be fetched: photo_AQADlargeAA.jpg" in message.body
    assert not Attachment.objects.exists()


def test_env_token_and_secret_win_over_the_database(post_update, bot, monkeypatch):
    monkeypatch.setenv("OPORA_TELEGRAM_SUPPORT_SECRET", "from-env")
    assert post_update(update("text_message")).status_code == 401
    assert post_update(update("text_message"), secret="from-env").status_code == 200
