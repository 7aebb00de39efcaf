"""One way in for every e-mail (SMTP endpoint, IMAP poll, retries): spool, parse, de-duplicate,
thread, store — in one transaction, after which the spooled copy is removed."""

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from opora.core.errors import AttachmentRejected
from opora.customers.models import Customer, Organisation
from opora.tickets import services
from opora.tickets.attachments import IncomingFile, check_file
from opora.tickets.models import Channel, MessageKind, Ticket

from . import spool
from .models import Delivery, Direction, EmailEnvelope, InboundMail, InboundStatus, Mailbox
from .parsing import MalformedMail, ParsedMail, parse_message

logger = logging.getLogger(__name__)

# Errors that mean "the database is not there right now": the spooled copy stays for a retry.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
MESSAGE_ID_IN_TEXT = re.compile(rb"^Message-ID:\s*<([^>\r\n]+)>", re.IGNORECASE | re.MULTILINE)
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@dataclass(frozen=True)
class IngestResult:
    status: str  # an InboundStatus, "duplicate", or "spooled" (kept for a retry)
    ticket_id: int | None = None
    inbound_id: int | None = None
    reason: str = ""


def ingest(raw: bytes, *, via: str, mailbox: str = "") -> IngestResult:
    """Accept one message. Once this returns (whatever the status) the mail is safe on disk or in the database."""
    path = spool.write(raw, via, mailbox)
    return process_spooled(path)


def process_spooled(path: Path) -> IngestResult:
    via, mailbox_address = spool.describe(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        # Another worker processed the same spooled copy first (a duplicate delivery).
        return IngestResult("duplicate")
    try:
        result = _process(raw, via, mailbox_address)
    except DATABASE_UNAVAILABLE as error:
        logger.warning("database unavailable, %s stays spooled: %s", path.name, error)
        return IngestResult(status="spooled", reason=str(error))
    spool.remove(path)
    return result


def retry_spooled() -> list[IngestResult]:
    """Finish whatever an outage left in the spool. Safe to run any time, any number of times."""
    return [process_spooled(path) for path in spool.pending()]


def _process(raw: bytes, via: str, mailbox_address: str) -> IngestResult:
    mailbox = (
        Mailbox.objects.select_related("team").filter(address__iexact=mailbox_address).first()
        if mailbox_address
        else None
    )
    try:
        parsed = parse_message(raw)
    except MalformedMail as error:
        return _quarantine(raw, via, mailbox, str(error))
    try:
        with transaction.atomic():
            duplicate = _duplicate_of(parsed)
            if duplicate is not None:
                return IngestResult("duplicate", duplicate.ticket_id, duplicate.pk)
            return _store(raw, parsed, via, mailbox)
    except IntegrityError:
        # A concurrent delivery of the same message won the race: ours is the duplicate.
        duplicate = _duplicate_of(parsed)
        if duplicate is None:
            raise
        return IngestResult("duplicate", duplicate.ticket_id, duplicate.pk)
    except DATABASE_UNAVAILABLE:
        raise
    except DatabaseError as error:
        # The data itself cannot be stored (e.g. a value the database refuses): keep it for a human.
        return _quarantine(
            raw, via, mailbox, _("The database refused this message: %(error)s") % {"error": error}
        )


def _duplicate_of(parsed: ParsedMail) -> InboundMail | None:
    same = Q(content_hash=parsed.content_hash)
    if parsed.message_id:
        same |= Q(message_id=parsed.message_id)
    return InboundMail.objects.filter(same).only("pk", "ticket_id").first()


def _quarantine(raw: bytes, via: str, mailbox: Mailbox | None, reason: str) -> IngestResult:
    content_hash = hashlib.sha256(raw).hexdigest()
    inbound, _created = InboundMail.objects.get_or_create(
        content_hash=content_hash,
        defaults={
            "raw": raw,
            "received_via": via,
            "mailbox": mailbox,
            "status": InboundStatus.QUARANTINED,
            "reason": reason,
        },
    )
    logger.warning("quarantined inbound mail #%s: %s", inbound.pk, reason)
    return IngestResult(InboundStatus.QUARANTINED, None, inbound.pk, reason)


def _store(raw: bytes, parsed: ParsedMail, via: str, mailbox: Mailbox | None) -> IngestResult:
    ticket = _thread(parsed)
    if parsed.is_bounce or parsed.is_auto_submitted:
        # Never a new ticket and never an answer: that is how mail loops start.
        if parsed.is_bounce:
            _mark_bounced(raw, parsed)
        reason = parsed.auto_submitted_reason or _("delivery status notification")
        inbound = _record(raw, parsed, via, mailbox, InboundStatus.IGNORED, ticket, reason)
        return IngestResult(
            InboundStatus.IGNORED, ticket.pk if ticket else None, inbound.pk, reason
        )

    customer = _customer_for(parsed)
    files, refused = _acceptable_files(parsed)
    body = (
        parsed.visible_text.strip()
        or parsed.text_body.strip()
        or _("(no text; see the attachments)")
    )
    actor = services.Actor(customer=customer, user=customer.user, via="email")
    if ticket is None:
        ticket = services.create_ticket(
            services.NewTicket(
                customer=customer,
                subject=parsed.subject.strip() or _("(no subject)"),
                body=body,
                body_html=parsed.html_body or "",
                quoted_text=parsed.quoted_text,
                channel=Channel.EMAIL,
                team=mailbox.team if mailbox else None,
                files=files,
            ),
            actor,
        )
        message = ticket.messages.get()
        status = InboundStatus.TICKET_CREATED
    else:
        message = services.add_message(
            ticket,
            actor,
            body,
            channel=Channel.EMAIL,
            body_html=parsed.html_body or "",
            quoted_text=parsed.quoted_text,
            files=files,
        )
        ticket = message.ticket  # a reply to a closed ticket lands on its follow-up
        status = InboundStatus.THREADED
    EmailEnvelope.objects.create(
        message=message,
        rfc_message_id=parsed.message_id or f"sha256-{parsed.content_hash}",
        direction=Direction.INBOUND,
        recipient=mailbox.address if mailbox else "",
        delivery=Delivery.RECEIVED,
    )
    # Recorded last: its unique Message-ID/hash makes a concurrent duplicate roll all of this back.
    inbound = _record(raw, parsed, via, mailbox, status, ticket)
    if refused:
        services.add_message(
            ticket,
            services.Actor(via="email"),
            _(
                "Attachments not stored: %(list)s. The original message is kept as inbound e-mail #%(id)s."
            )
            % {"list": "; ".join(refused), "id": inbound.pk},
            kind=MessageKind.NOTE,
            channel=Channel.EMAIL,
        )
    return IngestResult(status, ticket.pk, inbound.pk)


def _record(
    raw: bytes,
    parsed: ParsedMail,
    via: str,
    mailbox: Mailbox | None,
    status: str,
    ticket: Ticket | None,
    reason: str = "",
) -> InboundMail:
    return InboundMail.objects.create(
        mailbox=mailbox,
        received_via=via,
        message_id=parsed.message_id or "",
        content_hash=parsed.content_hash,
        raw=raw,
        sender=parsed.from_address[:254],
        subject=parsed.subject[:250],
        status=status,
        reason=reason,
        ticket=ticket,
    )


def _thread(parsed: ParsedMail) -> Ticket | None:
    """Find the ticket a message belongs to: by its headers first, then by [#number] in the subject
    — and by subject alone never, or every "Invoice" would join every other."""
    known_ids = [ref for ref in (parsed.in_reply_to, *reversed(parsed.references)) if ref]
    if known_ids:
        envelope = (
            EmailEnvelope.objects.filter(rfc_message_id__in=known_ids)
            .select_related("message__ticket")
            .first()
        )
        if envelope is not None:
            return envelope.message.ticket
    if (
        parsed.ticket_reference
        and parsed.ticket_reference.isdigit()
        and len(parsed.ticket_reference) < 19
    ):
        ticket = (
            Ticket.objects.select_related("customer", "organisation")
            .filter(pk=int(parsed.ticket_reference))
            .first()
        )
        # The number is guessable, so it only threads mail from the ticket's own customer
        # (or a colleague where the organisation shares tickets).
        if ticket is not None and _may_write_to(ticket, parsed.from_address):
            return ticket
    return None


def _may_write_to(ticket: Ticket, address: str) -> bool:
    if ticket.customer.email.lower() == address:
        return True
    organisation = ticket.organisation
    return bool(
        organisation
        and organisation.shared_tickets
        and Customer.objects.with_email(address).filter(organisation=organisation).exists()
    )


def _customer_for(parsed: ParsedMail) -> Customer:
    address = parsed.from_address.lower()
    customer = Customer.objects.with_email(address).select_related("user").first()
    if customer is not None:
        return customer
    domain = address.rpartition("@")[2]
    organisation = Organisation.objects.filter(domain__iexact=domain).first() if domain else None
    language = (
        "ru"
        if CYRILLIC.search(parsed.subject + parsed.text_body[:500] + parsed.from_name)
        else "en"
    )
    try:
        with transaction.atomic():
            return Customer.objects.create(
                name=(parsed.from_name or address.partition("@")[0])[:200],
                email=address,
                organisation=organisation,
                language=language,
            )
    except IntegrityError:
        # Two first messages from the same new sender at once: the other one created them.
        return Customer.objects.with_email(address).select_related("user").get()


def _acceptable_files(parsed: ParsedMail) -> tuple[list[IncomingFile], list[str]]:
    """Attachments within the limits, and a description of each one refused (the raw mail keeps it)."""
    accepted, refused = [], []
    for attachment in parsed.attachments:
        incoming = IncomingFile(attachment.filename, attachment.payload, attachment.content_type)
        try:
            check_file(incoming)
        except AttachmentRejected as error:
            refused.append(
                f"{attachment.filename} ({filesizeformat(attachment.size)}): {error.message}"
            )
            continue
        accepted.append(incoming)
    return accepted, refused


def _mark_bounced(raw: bytes, parsed: ParsedMail) -> None:
    """A bounce names the message it returns; that reply is marked failed on its ticket."""
    candidates = {parsed.in_reply_to, *parsed.references}
    for attachment in parsed.attachments:
        candidates.update(
            match.decode(errors="replace")
            for match in MESSAGE_ID_IN_TEXT.findall(attachment.payload)
        )
    candidates.update(
        match.decode(errors="replace")
        for match in MESSAGE_ID_IN_TEXT.findall(raw.split(b"\n\n", 1)[-1])
    )
    candidates.discard(None)
    EmailEnvelope.objects.filter(
        rfc_message_id__in=candidates, direction=Direction.OUTBOUND
    ).update(
        delivery=Delivery.FAILED,
        last_error=_("Bounced: %(subject)s") % {"subject": parsed.subject[:200]},
    )


def mailbox_addresses() -> set[str]:
    return {
        address.lower()
        for address in Mailbox.objects.filter(is_active=True).values_list("address", flat=True)
    }
