"""The e-mail channel end to end over real protocols on loopback: aiosmtpd for SMTP in and out,
pymap (an IMAP4rev1 server) for polling."""

import email
import smtplib
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django_tasks_db.models import DBTaskResult
from imapclient import IMAPClient

from opora.mail.imap import poll
from opora.mail.ingest import ingest_many
from opora.mail.models import Delivery, EmailEnvelope, Mailbox
from opora.mail.outbound import AcknowledgementsNotSent
from opora.mail.smtpd import IngestHandler, make_controller
from opora.mail.tasks import send_acknowledgements
from opora.tickets import services
from opora.tickets.models import Ticket

from .conftest import corpus, free_port

pytestmark = pytest.mark.django_db(transaction=True)


class Sink:
    """An SMTP server that keeps what it receives: the customer's mail server, as far as we can tell."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class RefusingSink(Sink):
    """A customer's server that knows some of its users no more."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def endpoint(mailbox):
    port = free_port()
    controller = make_controller("127.0.0.1", port, IngestHandler({mailbox.address}))
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def sink(settings):
    yield from _serve(settings, Sink())


@pytest.fixture
def refusing_sink(settings):
    yield from _serve(settings, RefusingSink())


def _serve(settings, receiver: Sink):
    port = free_port()
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield receiver
    controller.stop()


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def customer_mail(subject: str, body: str, **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ирина Соколова <irina@client.example>"
    message["To"] = "support@opora.test"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name] = value
    message.set_content(body)
    return message


def test_mail_in_reply_out_customer_reply_threads_back(endpoint, sink, anna):
    # given: a customer writes to the SMTP endpoint
    with smtplib.SMTP("127.0.0.1", endpoint) as smtp:
        smtp.send_message(customer_mail("Не приходят чеки на почту", "С утра чеки не приходят."))
    assert wait_for(lambda: Ticket.objects.exists())
    ticket = Ticket.objects.get()
    assert ticket.customer.email == "irina@client.example" and ticket.channel == "email"
    # the acknowledgement arrives at the customer's server
    assert wait_for(lambda: len(sink.received) == 1)
    assert sink.received[0]["Auto-Submitted"] == "auto-replied"

    # when: the agent replies in the workspace
    client = Client()
    client.force_login(anna)
    client.post(
        f"/desk/tickets/{ticket.pk}/reply/",
        {"body": "Проверили: письма снова уходят.", "kind": "reply"},
    )

    # then: a real mail with threading headers reaches the customer's server
    assert wait_for(lambda: len(sink.received) == 2)
    reply = sink.received[1]
    assert reply["Subject"].strip() == f"Re: Не приходят чеки на почту [#{ticket.pk}]"
    assert reply["In-Reply-To"] and reply["References"] and reply["Message-ID"]
    assert "Проверили: письма снова уходят." in reply.get_body(("plain",)).get_content()
    assert (
        EmailEnvelope.objects.get(message__body__startswith="Проверили").delivery == Delivery.SENT
    )

    # and the customer's answer to it, with a new subject, threads back into the same ticket
    answer = customer_mail(
        "Спасибо!",
        "Да, всё пришло.",
        **{"In-Reply-To": reply["Message-ID"], "References": reply["References"]},
    )
    with smtplib.SMTP("127.0.0.1", endpoint) as smtp:
        smtp.send_message(answer)
    assert wait_for(lambda: ticket.messages.filter(body__contains="всё пришло").exists())
    assert Ticket.objects.count() == 1


def test_unknown_recipient_is_refused_at_rcpt(endpoint):
    with (
        smtplib.SMTP("127.0.0.1", endpoint) as smtp,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        smtp.sendmail(
            "someone@client.example", ["nobody@opora.test"], corpus("gmail_alternative_quote.eml")
        )
    assert refused.value.recipients["nobody@opora.test"][0] == 550
    assert Ticket.objects.count() == 0


def test_a_batch_is_acknowledged_by_one_job_that_fails_only_for_a_refused_address(
    mailbox, refusing_sink, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    letters = []
    for address in ["ok@client.example", "gone@client.example"]:
        letter = customer_mail("Вопрос", f"Текст от {address}")
        letter.replace_header("From", address)
        letters.append(bytes(letter))
    results = ingest_many(letters, via="smtp")
    created = [result.ticket_id for result in results]
    job = DBTaskResult.objects.get()
    assert job.task_path.endswith("send_acknowledgements") and job.args_kwargs["args"] == [created]
    # The worker runs it: the reachable customer has the mail, the job fails naming the other.
    with pytest.raises(AcknowledgementsNotSent, match=f"#{created[1]}: .*550"):
        send_acknowledgements.call(*job.args_kwargs["args"])
    assert [sent["To"] for sent in refusing_sink.received] == ["ok@client.example"]
    # Run again, it sends only what is still missing.
    with pytest.raises(AcknowledgementsNotSent):
        send_acknowledgements.call(*job.args_kwargs["args"])
    assert len(refusing_sink.received) == 1


def test_delivery_failure_is_retried_then_shown_on_the_message(
    mailbox, settings, anna, carol, make_ticket
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        free_port(),
        2,
    )  # nobody listens
    settings.OPORA_MAIL_MAX_SEND_ATTEMPTS = 2
    ticket = make_ticket(carol)
    reply = services.add_message(ticket, services.Actor(user=anna), "Ответ, который не дойдёт")
    envelope = EmailEnvelope.objects.get(message=reply)
    # The immediate backend ran the first attempt and its retry at once.
    assert envelope.delivery == Delivery.FAILED and envelope.attempts == 2
    assert "refused" in envelope.last_error.lower() or "connect" in envelope.last_error.lower()
    client = Client()
    client.force_login(anna)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Не доставлено" in page or "Not delivered" in page


@pytest.fixture
def imap_server():
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "pymap"),
            "--port",
            str(port),
            "--no-tls",
            "dict",
            "--demo-user",
            "support",
            "--demo-password",
            "secret",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            IMAPClient("127.0.0.1", port=port, ssl=False, timeout=2).logout()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("pymap did not start")
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_imap_poll_ingests_then_marks_seen_and_is_idempotent(imap_server, mailbox, monkeypatch):
    monkeypatch.setenv("OPORA_TEST_IMAP_SECRET", "secret")
    Mailbox.objects.filter(pk=mailbox.pk).update(
        imap_host="127.0.0.1",
        imap_port=imap_server,
        imap_ssl=False,
        imap_username="support",
        secret_env="OPORA_TEST_IMAP_SECRET",
    )
    mailbox.refresh_from_db()
    with IMAPClient("127.0.0.1", port=imap_server, ssl=False) as client:
        client.login("support", "secret")
        client.append("INBOX", corpus("yandex_web_ru.eml"))
        client.append("INBOX", corpus("thunderbird_flowed_ru.eml"))
    result = poll(mailbox)
    assert result.fetched == 2 and result.statuses == {"created": 2}
    assert Ticket.objects.count() == 2
    with IMAPClient("127.0.0.1", port=imap_server, ssl=False) as client:
        client.login("support", "secret")
        client.select_folder("INBOX")
        assert client.search(["UNSEEN"]) == []
    assert poll(mailbox).fetched == 0


def test_imap_without_secret_says_which_variable(mailbox):
    from opora.core.errors import InvalidInput

    mailbox.imap_host, mailbox.secret_env = "127.0.0.1", "OPORA_NOT_SET_ANYWHERE"
    with pytest.raises(InvalidInput) as error:
        poll(mailbox)
    assert "OPORA_NOT_SET_ANYWHERE" in error.value.message
