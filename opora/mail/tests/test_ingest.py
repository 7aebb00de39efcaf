"""Ingest of real RFC 5322 mail: parse, thread, store, de-duplicate, quarantine, survive outages."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.utils.html import escape

from opora.customers.models import Customer, Organisation
from opora.mail import spool
from opora.mail.ingest import ingest, retry_spooled
from opora.mail.models import Delivery, Direction, EmailEnvelope, InboundMail, InboundStatus
from opora.tickets import services
from opora.tickets.models import Channel, MessageKind, Status, Ticket

from .conftest import CORPUS, corpus

pytestmark = pytest.mark.django_db

MALFORMED = sorted(path.name for path in CORPUS.glob("malformed_*.eml"))
AUTOMATIC = {
    "autoreply_out_of_office.eml",
    "exchange_oof.eml",
    "mailing_list_bulk.eml",
    "dsn_bounce_mailer_daemon.eml",
}
PEOPLE = sorted(
    path.name
    for path in CORPUS.glob("*.eml")
    if path.name not in AUTOMATIC and path.name not in MALFORMED
)


def letter(
    sender="Мария Петрова <maria@client.example>",
    subject="Не работает касса",
    body="Касса не печатает чеки.",
    **headers,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@opora.test"
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", make_msgid(domain="client.example"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


@pytest.mark.parametrize("name", PEOPLE)
def test_every_corpus_message_from_a_person_becomes_a_ticket(name, mailbox):
    result = ingest(corpus(name), via="smtp", mailbox=mailbox.address)
    assert result.status in {InboundStatus.TICKET_CREATED, InboundStatus.THREADED}, result
    ticket = Ticket.objects.get(pk=result.ticket_id)
    message = ticket.messages.filter(author_customer__isnull=False).last()
    assert message.channel == Channel.EMAIL
    assert message.body.strip() or message.attachments.exists()
    assert ticket.team == mailbox.team
    assert "<script" not in message.body_html.lower()
    assert list(spool.pending()) == []


@pytest.mark.parametrize("name", PEOPLE)
def test_every_corpus_message_renders_in_the_workspace(name, mailbox, lead, client_for):
    result = ingest(corpus(name), via="smtp", mailbox=mailbox.address)
    message = (
        Ticket.objects.get(pk=result.ticket_id)
        .messages.filter(author_customer__isnull=False)
        .last()
    )
    page = client_for(lead).get(f"/desk/tickets/{result.ticket_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    first_line = next((line for line in message.body.splitlines() if line.strip()), "")
    assert escape(first_line.strip()) in html or message.attachments.exists()
    assert "<script" not in html.split("<main>", 1)[1]  # nothing from the mail runs in the page


@pytest.mark.parametrize("name", sorted(AUTOMATIC))
def test_automatic_mail_never_makes_a_ticket_or_an_answer(name, mailbox):
    result = ingest(corpus(name), via="smtp", mailbox=mailbox.address)
    assert result.status == InboundStatus.IGNORED and result.reason
    assert Ticket.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_mail_is_quarantined_with_its_reason(name, mailbox):
    result = ingest(corpus(name), via="smtp", mailbox=mailbox.address)
    assert result.status == InboundStatus.QUARANTINED
    inbound = InboundMail.objects.get(pk=result.inbound_id)
    assert inbound.reason and bytes(inbound.raw) == corpus(name)
    assert Ticket.objects.count() == 0
    # Delivered again, it is still one quarantined copy.
    ingest(corpus(name), via="smtp", mailbox=mailbox.address)
    assert InboundMail.objects.count() == 1


def test_corpus_russian_text_survives(mailbox):
    result = ingest(corpus("koi8r_quoted_printable.eml"), via="smtp", mailbox=mailbox.address)
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert any("а" <= ch <= "я" for ch in ticket.subject.lower() + ticket.messages.get().body)


def test_new_sender_becomes_a_customer_of_the_matching_organisation(mailbox):
    organisation = Organisation.objects.create(name="Клиент", domain="client.example")
    result = ingest(letter(), via="smtp", mailbox=mailbox.address)
    customer = Customer.objects.get(email="maria@client.example")
    assert (
        customer.name == "Мария Петрова"
        and customer.organisation == organisation
        and customer.language == "ru"
    )
    assert Ticket.objects.get(pk=result.ticket_id).customer == customer


def test_acknowledgement_quotes_number_and_promise(mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(letter(), via="smtp", mailbox=mailbox.address)
    assert len(mail.outbox) == 1
    ack = mail.outbox[0]
    assert f"[#{result.ticket_id}]" in ack.subject
    assert "24" in ack.body and str(result.ticket_id) in ack.body
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.to == ["maria@client.example"]
    # A second delivery of the same mail acknowledges nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        ingest(
            letter(message_id=ack.extra_headers["In-Reply-To"]), via="smtp", mailbox=mailbox.address
        )
    assert len(mail.outbox) == 1


class TestDuplicates:
    def test_same_bytes_twice_is_one_ticket(self, mailbox):
        raw = letter()
        first = ingest(raw, via="smtp", mailbox=mailbox.address)
        second = ingest(raw, via="imap", mailbox=mailbox.address)
        assert second.status == "duplicate" and second.ticket_id == first.ticket_id
        assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 1

    def test_same_message_id_with_other_relay_headers_is_a_duplicate(self, mailbox):
        raw = letter(message_id="<once@client.example>")
        ingest(raw, via="smtp", mailbox=mailbox.address)
        relayed = (
            b"Received: from relay.example by mx.opora.test; Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            + raw
        )
        assert ingest(relayed, via="smtp", mailbox=mailbox.address).status == "duplicate"
        assert Ticket.objects.count() == 1

    def test_without_message_id_the_content_hash_decides(self, mailbox):
        raw = corpus("no_message_id.eml")
        ingest(raw, via="smtp", mailbox=mailbox.address)
        assert ingest(raw, via="smtp", mailbox=mailbox.address).status == "duplicate"
        assert Ticket.objects.count() == 1


class TestThreading:
    def test_reply_threads_by_in_reply_to_our_message(self, mailbox, anna):
        ticket = Ticket.objects.get(
            pk=ingest(letter(), via="smtp", mailbox=mailbox.address).ticket_id
        )
        reply = services.add_message(
            ticket, services.Actor(user=anna), "Проверьте бумагу, пожалуйста."
        )
        our_id = EmailEnvelope.objects.get(
            message=reply, direction=Direction.OUTBOUND
        ).rfc_message_id
        result = ingest(
            letter(
                subject="Re: совсем другая тема", body="Бумага есть.", In_Reply_To=f"<{our_id}>"
            ),
            via="smtp",
            mailbox=mailbox.address,
        )
        assert result.status == InboundStatus.THREADED and result.ticket_id == ticket.pk

    def test_reference_in_subject_threads_for_the_ticket_customer(self, mailbox):
        ticket_id = ingest(letter(), via="smtp", mailbox=mailbox.address).ticket_id
        result = ingest(
            letter(subject=f"Ответ: Не работает касса [#{ticket_id}]", body="Ещё деталь"),
            via="smtp",
            mailbox=mailbox.address,
        )
        assert result.ticket_id == ticket_id and result.status == InboundStatus.THREADED

    def test_reference_in_subject_from_a_stranger_opens_a_new_ticket(self, mailbox):
        ticket_id = ingest(letter(), via="smtp", mailbox=mailbox.address).ticket_id
        result = ingest(
            letter(sender="mallory@evil.example", subject=f"Re: [#{ticket_id}]", body="let me in"),
            via="smtp",
            mailbox=mailbox.address,
        )
        assert result.ticket_id != ticket_id
        assert not Ticket.objects.get(pk=ticket_id).messages.filter(body="let me in").exists()

    def test_never_by_subject_alone(self, mailbox):
        first = ingest(letter(subject="Счёт"), via="smtp", mailbox=mailbox.address)
        second = ingest(
            letter(subject="Счёт", body="Другой вопрос"), via="smtp", mailbox=mailbox.address
        )
        assert first.ticket_id != second.ticket_id

    def test_reply_to_a_closed_ticket_opens_a_follow_up(self, mailbox, anna):
        ticket_id = ingest(letter(), via="smtp", mailbox=mailbox.address).ticket_id
        Ticket.objects.filter(pk=ticket_id).update(status=Status.CLOSED)
        result = ingest(
            letter(subject=f"Re: [#{ticket_id}]", body="Снова не работает"),
            via="smtp",
            mailbox=mailbox.address,
        )
        assert result.ticket_id != ticket_id
        assert Ticket.objects.get(pk=result.ticket_id).links_out.get().target_id == ticket_id


def test_oversized_attachment_is_noted_and_the_original_kept(mailbox, settings):
    settings.OPORA_MAX_ATTACHMENT_BYTES = 1000
    message = EmailMessage()
    message["From"] = "big@client.example"
    message["To"] = "support@opora.test"
    message["Subject"] = "Скан договора"
    message.set_content("Во вложении скан.")
    message.add_attachment(
        b"%PDF" + b"0" * 5000, maintype="application", subtype="pdf", filename="договор.pdf"
    )
    raw = bytes(message)
    result = ingest(raw, via="smtp", mailbox=mailbox.address)
    ticket = Ticket.objects.get(pk=result.ticket_id)
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert "договор.pdf" in note.body and str(result.inbound_id) in note.body
    assert bytes(InboundMail.objects.get(pk=result.inbound_id).raw) == raw


def test_bounce_marks_our_reply_failed(mailbox, anna):
    ticket = Ticket.objects.get(pk=ingest(letter(), via="smtp", mailbox=mailbox.address).ticket_id)
    reply = services.add_message(ticket, services.Actor(user=anna), "Ответ")
    envelope = EmailEnvelope.objects.get(message=reply)
    bounce = corpus("dsn_bounce_mailer_daemon.eml").replace(b"Message-ID: <", b"X-Old: <", 0)
    bounce += f"\r\nMessage-ID: <{envelope.rfc_message_id}>\r\n".encode()
    ingest(bounce, via="smtp", mailbox=mailbox.address)
    envelope.refresh_from_db()
    assert envelope.delivery == Delivery.FAILED and "Bounced" in envelope.last_error


class TestDatabaseOutage:
    def test_outage_mid_ingest_keeps_the_mail_and_a_retry_completes_it(self, mailbox):
        def database_goes_away(execute, sql, params, many, context):
            if sql.lstrip().upper().startswith("INSERT") and "tickets_message" in sql:
                raise OperationalError("server closed the connection unexpectedly")
            return execute(sql, params, many, context)

        raw = letter()
        with connection.execute_wrapper(database_goes_away):
            result = ingest(raw, via="smtp", mailbox=mailbox.address)
        assert result.status == "spooled"
        # Nothing half-written: no ticket, no inbound row; the message waits in the spool.
        assert Ticket.objects.count() == 0 and InboundMail.objects.count() == 0
        assert len(list(spool.pending())) == 1
        results = retry_spooled()
        assert [r.status for r in results] == [InboundStatus.TICKET_CREATED]
        assert Ticket.objects.count() == 1 and list(spool.pending()) == []
        assert retry_spooled() == []
        assert ingest(raw, via="smtp", mailbox=mailbox.address).status == "duplicate"


def test_replies_go_out_only_for_public_agent_replies(
    mailbox, anna, django_capture_on_commit_callbacks
):
    ticket = Ticket.objects.get(pk=ingest(letter(), via="smtp", mailbox=mailbox.address).ticket_id)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(
            ticket, services.Actor(user=anna), "Заметка для своих", kind=MessageKind.NOTE
        )
        services.add_message(ticket, services.Actor(customer=ticket.customer), "Клиент дописал")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.add_message(ticket, services.Actor(user=anna), "Ответ агента")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    envelope = EmailEnvelope.objects.get(message=reply)
    assert envelope.delivery == Delivery.SENT
    assert sent.extra_headers["Message-ID"] == f"<{envelope.rfc_message_id}>"
    first_id = EmailEnvelope.objects.get(
        direction=Direction.INBOUND, message__ticket=ticket
    ).rfc_message_id
    assert first_id in sent.extra_headers["References"]
    assert sent.subject == f"Re: Не работает касса [#{ticket.pk}]"
    assert sent.from_email == "Опора <support@opora.test>"
    assert "Ответ агента" in sent.body
