import socket
from pathlib import Path

import pytest

from opora.mail.models import Mailbox

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "data" / "mail"


@pytest.fixture(autouse=True)
def _mail_settings(settings, tmp_path):
    settings.OPORA_MAIL_SPOOL_DIR = tmp_path / "spool"
    settings.OPORA_MAIL_DOMAIN = "opora.test"
    # Tasks run as they are enqueued (after commit), so a test sees their effect.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def mailbox(team_alpha) -> Mailbox:
    return Mailbox.objects.create(address="support@opora.test", name="Опора", team=team_alpha)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
