"""The newcomer's first command and the data export/import round trip."""

import json

import pytest
from django.core.management import call_command

from opora.accounts.models import Role, Team, User
from opora.core.demo import already_seeded, seed_demo
from opora.customers.models import Customer, Organisation
from opora.tickets.models import Channel, Message, Status, Ticket

pytestmark = pytest.mark.django_db


def test_demo_data_is_realistic_and_complete():
    summary = seed_demo(tickets=300, customers=60)
    assert already_seeded()
    assert summary.tickets == 300 and summary.customers == 60 and summary.organisations == 20
    assert Team.objects.values_list("line", flat=True).distinct().count() == 3
    assert User.objects.filter(role=Role.AGENT).count() >= 8
    channels = set(Ticket.objects.values_list("channel", flat=True))
    assert {Channel.EMAIL, Channel.CHAT, Channel.PHONE, Channel.PORTAL} <= channels
    assert set(Ticket.objects.values_list("status", flat=True)) >= {
        Status.NEW,
        Status.OPEN,
        Status.SOLVED,
        Status.CLOSED,
    }
    assert (
        Customer.objects.filter(language="en").exists()
        and Customer.objects.filter(language="ru").exists()
    )
    assert Message.objects.count() > summary.tickets  # threads, not single messages
    # Every answered ticket's first response comes after it was created, and nothing is in the future.
    for ticket in Ticket.objects.exclude(first_response_at=None)[:200]:
        assert ticket.created_at < ticket.first_response_at <= ticket.updated_at
    assert summary.api_token.startswith("opora_")


def test_demo_command_seeds_once(capsys):
    call_command("demo", no_serve=True, tickets=50)
    after_first = Ticket.objects.count()
    # The core demo's 50, plus the areas' own (Telegram conversations, incident history…).
    assert after_first >= 50
    call_command("demo", no_serve=True, tickets=50)
    output = capsys.readouterr().out
    assert "Demo data already present" in output and "opora-demo" in output
    assert Ticket.objects.count() == after_first


def test_export_then_import_restores_everything(tmp_path, make_ticket, carol, anna):
    make_ticket(carol, subject="Экспорт и импорт")
    path = tmp_path / "export.json"
    call_command("export", str(path))
    records = json.loads(path.read_text())
    assert {"tickets.ticket", "customers.customer", "accounts.user"} <= {
        record["model"] for record in records
    }
    Ticket.objects.all().delete()
    Customer.objects.all().delete()
    Organisation.objects.all().delete()
    call_command("import", str(path))
    assert Ticket.objects.get().subject == "Экспорт и импорт"
    assert Ticket.objects.get().messages.count() == 1


def test_healthz(client):
    assert client.get("/healthz").json() == {"ok": True}


def test_scheduler_runs_every_periodic_job_once(capsys):
    # The jobs are idempotent and find nothing to do on an empty database; a broken job raises here.
    call_command("scheduler", once=True)
