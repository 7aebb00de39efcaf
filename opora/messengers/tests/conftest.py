"""Messenger tests: a fake Bot API on loopback, a bot pointing at it, tasks run at once."""

import json
from pathlib import Path

import pytest

from opora.messengers.models import Bot

from .fake_bot_api import FakeBotApi

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "7000000001:AAF-test-token_xyz"
SECRET = "wh-secret_0123456789"
PHOTO_BYTES = b"\xff\xd8\xff\xe0" + b"fake-jpeg" * 50


def update(name: str, **changes) -> dict:
    payload = json.loads((FIXTURES / f"{name}.json").read_text())
    payload.update(changes)
    return payload


@pytest.fixture(autouse=True)
def _messenger_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.OPORA_MESSENGER_MAX_PAUSE_SECONDS = 0
    settings.OPORA_MESSENGER_TIMEOUT_SECONDS = 5


@pytest.fixture
def bot_api():
    fake = FakeBotApi(TOKEN).start()
    fake.files["AgACAgIAAxkBAAM1Z0J3c2FtcGxlX2xhcmdlAAI"] = ("photos/file_7.jpg", PHOTO_BYTES)
    yield fake
    fake.stop()


@pytest.fixture
def bot(bot_api, team_alpha) -> Bot:
    return Bot.objects.create(
        bot_id="support",
        name="Support bot",
        token=TOKEN,
        webhook_secret=SECRET,
        api_base_url=bot_api.base_url,
        team=team_alpha,
    )


@pytest.fixture
def post_update(client, django_capture_on_commit_callbacks):
    """Deliver an update as Telegram does, running what waits for the commit (replies)."""

    def post(payload, *, secret=SECRET, bot_id="support", raw: bytes | None = None):
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        body = raw if raw is not None else json.dumps(payload).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/messengers/telegram/{bot_id}/webhook",
                body,
                content_type="application/json",
                headers=headers,
            )

    return post
