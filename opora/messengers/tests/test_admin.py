"""The bot's token is write-only in the admin."""

import pytest

from opora.messengers.models import Bot

from .conftest import SECRET, TOKEN

pytestmark = pytest.mark.django_db


def test_token_and_secret_are_never_shown_and_kept_when_left_empty(client_for, admin_user, bot):
    client = client_for(admin_user)
    page = client.get(f"/admin/messengers/bot/{bot.pk}/change/").content.decode()
    assert TOKEN not in page and SECRET not in page
    response = client.post(
        f"/admin/messengers/bot/{bot.pk}/change/",
        {
            "platform": "telegram",
            "bot_id": "support",
            "name": "Renamed",
            "token": "",
            "webhook_secret": "",
            "api_base_url": bot.api_base_url,
            "team": bot.team_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    bot.refresh_from_db()
    assert (bot.name, bot.token, bot.webhook_secret) == ("Renamed", TOKEN, SECRET)
    assert Bot.objects.count() == 1
