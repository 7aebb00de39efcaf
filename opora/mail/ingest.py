"""One way in for every e-mail (SMTP endpoint, IMAP poll, retries): spool, parse, de-duplicate,
thread, store — in one transaction, after which the spooled copy is removed.

Spooled mail is processed in batches: one transaction for up to BATCH_SIZE messages, each in a
savepoint of its own, so a message the database refuses is quarantined without undoing the
others, and the commit, the configuration reads (SLA policies, routing rules, triggers,
mailboxes) and the search index entries are paid once per batch instead of once per message.
A batch the database cannot take as a whole (an outage, a deadlock with a concurrent worker
over the same duplicate) is retried one message per transaction; what still fails stays
spooled for the next retry."""

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from opora.core.errors import AttachmentRejected
from opora.core.snapshot import cached, config_snapshot
from opora.customers.models import Customer, Organisation
from opora.knowledge.search import batch_indexing
from opora.tickets import services
from opora.tickets.attachments import IncomingFile, check_file
from opora.tickets.models import Channel, MessageKind, Ticket

from . import spool
from .models import Delivery, Direction, EmailEnvelope, InboundMail, InboundStatus, Mailbox
from .parsing import MalformedMail, ParsedMail, parse_message

logger = logging.getLogger(__name__)

# Messages per transaction: large enough that a commit and the configuration reads are a small
# share of each message's cost, small enough that one transaction holds its locks briefly.
BATCH_SIZE = 50

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
    return ingest_many([raw], via=via, mailbox=mailbox)[0]


def ingest_many(raws: Iterable[bytes], *, via: str, mailbox: str = "") -> list[IngestResult]:
    """Accept several messages: each is spooled (fsynced) first, then they are processed in batches."""
    return process_spooled_batch([spool.write(raw, via, mailbox) for raw in raws])


def process_spooled(path: Path) -> IngestResult:
    return process_spooled_batch([path])[0]


def process_spooled_batch(paths: Sequence[Path]) -> list[IngestResult]:
    """Process spooled mail, BATCH_SIZE messages per transaction; results in the order given."""
    results: list[IngestResult] = []
    for start in range(0, len(paths), BATCH_SIZE):
        results.extend(_process_batch(paths[start : start + BATCH_SIZE]))
    return results


def _process_batch(paths: Sequence[Path]) -> list[IngestResult]:
    loaded: list[tuple[int, Path, bytes, str, str]] = []
    results: list[IngestResult | None] = [None] * len(paths)
    for index, path in enumerate(paths):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            # Another worker processed the same spooled copy first (a duplicate delivery).
            results[index] = IngestResult("duplicate")
            continue
        loaded.append((index, path, raw, *spool.describe(path)))
    # Parsed before the transaction opens: CPU spent inside it would hold SQLite's one write
    # lock (and PostgreSQL's row locks) while other workers wait.
    parsed_mail = [_parse(raw) for _index, _path, raw, _via, _mailbox in loaded]
    try:
        with transaction.atomic(), config_snapshot(), batch_indexing():
            done = [
                _process(raw, via, mailbox, parsed)
                for (_index, _path, raw, via, mailbox), parsed in zip(
                    loaded, parsed_mail, strict=True
                )
            ]
    except DATABASE_UNAVAILABLE as error:
        if len(loaded) > 1:
            # Perhaps only one message's fault, or a deadlock: each on its own decides.
            logger.warning("batch of %s failed (%s); retrying one by one", len(loaded), error)
            for index, path, *_rest in loaded:
                results[index] = _process_batch([path])[0]
            return results  # type: ignore[return-value]
        logger.warning("database unavailable, mail stays spooled: %s", error)
        for index, *_rest in loaded:
            results[index] = IngestResult(status="spooled", reason=str(error))
        return results  # type: ignore[return-value]
    for (index, path, *_rest), result in zip(loaded, done, strict=True):
        spool.remove(path)
        results[index] = result
    return results  # type: ignore[return-value]


def retry_spooled() -> list[IngestResult]:
    """Finish whatever an outage left in the spool. Safe to run any time, any number of times."""
    return process_spooled_batch(list(spool.pending()))


def _mailboxes() -> dict[str, Mailbox]:
    return {mailbox.address.lower(): mailbox for mailbox in Mailbox.objects.select_related("team")}


def _parse(raw: bytes) -> ParsedMail | MalformedMail:
    try:
        return parse_message(raw)
    except MalformedMail as error:
        return error


def _process(
    raw: bytes, via: str, mailbox_address: str, parsed: ParsedMail | MalformedMail
) -> IngestResult:
    mailbox = (
        cached("mail.mailboxes", _mailboxes).get(mailbox_address.lower())
        if mailbox_address
        else None
    )
    if isinstance(parsed, MalformedMail):
        return _quarantine(raw, via, mailbox, str(parsed))
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
    organisation = (
        Organisation.objects.with_domain(domain).order_by("pk").first() if domain else None
    )
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
