"""One way in for every e-mail (SMTP endpoint, IMAP poll, retries): spool, parse, de-duplicate,
thread, store — in one transaction, after which the spooled copy is removed.

Spooled mail is processed in batches: one transaction for up to BATCH_SIZE messages, so the
commit, the configuration reads (SLA policies, routing rules, triggers, mailboxes), the look-ups
of earlier deliveries, senders and conversations, the inbound records, envelopes and search
entries are paid once per batch instead of once per message. A batch is all or nothing: one the
database refuses as a whole (an outage, a value it will not take, a duplicate or a new sender a
concurrent worker stored first) is retried one message per transaction, where a refused
message is quarantined alone and an outage leaves the mail spooled for the next retry.
Refusals are rare, so the batch pays no savepoint per message for them."""

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


def _process_batch(paths: Sequence[Path], *, again: bool = False) -> list[IngestResult]:
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
    mail = [(raw, via, mailbox, _parse(raw)) for _index, _path, raw, via, mailbox in loaded]
    try:
        with transaction.atomic(), config_snapshot(), batch_indexing():
            done = _Batch(mail).store()
    except (*DATABASE_UNAVAILABLE, DatabaseError) as error:
        if len(loaded) > 1:
            # Perhaps one message's fault, a duplicate another worker stored meanwhile, or a
            # deadlock: each message on its own decides.
            logger.info("batch of %s failed (%s); retrying one by one", len(loaded), error)
            for index, path, *_rest in loaded:
                results[index] = _process_batch([path])[0]
            return results  # type: ignore[return-value]
        index, path, raw, via, mailbox = loaded[0]
        if isinstance(error, DATABASE_UNAVAILABLE):
            logger.warning("database unavailable, mail stays spooled: %s", error)
            results[index] = IngestResult(status="spooled", reason=str(error))
            return results  # type: ignore[return-value]
        if isinstance(error, IntegrityError) and not again:
            # A concurrent worker stored the same mail, or a first message from the same new
            # sender, and committed: a second look finds theirs.
            return _process_batch(paths, again=True)
        # The data itself cannot be stored (a value the database refuses): kept for a human.
        done = [
            _quarantine(
                raw,
                via,
                mailbox,
                _("The database refused this message: %(error)s") % {"error": error},
            )
        ]
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


@dataclass
class _Outcome:
    """What became of one message of a batch; its inbound record has an id once the batch is written."""

    status: str
    record: InboundMail
    ticket_id: int | None
    reason: str = ""

    def result(self) -> IngestResult:
        return IngestResult(self.status, self.ticket_id, self.record.pk, self.reason)


class _Batch:
    """The messages of one transaction and what they share. What they may meet — earlier
    deliveries of the same mail, their senders, the conversations they answer — is read in one
    query each; the inbound records and envelopes they leave are written in one statement each
    at the end. Messages later in the batch see what earlier ones did through the same maps."""

    def __init__(self, mail: Sequence[tuple[bytes, str, str, ParsedMail | MalformedMail]]):
        self.mail = mail
        parsed = [item for *_rest, item in mail if isinstance(item, ParsedMail)]
        hashes = [item.content_hash for item in parsed] + [
            _raw_hash(raw) for raw, *_rest, item in mail if isinstance(item, MalformedMail)
        ]
        message_ids = [item.message_id for item in parsed if item.message_id]
        self.by_hash: dict[str, InboundMail] = {}
        self.by_message_id: dict[str, InboundMail] = {}
        for record in InboundMail.objects.filter(
            Q(content_hash__in=hashes) | Q(message_id__in=message_ids)
        ).only("pk", "ticket_id", "content_hash", "message_id"):
            self._remember(record)
        self.customers = {
            customer.email.lower(): customer
            for customer in Customer.objects.with_emails(
                item.from_address for item in parsed
            ).select_related("user")
        }
        self.tickets_by_message_id = {
            envelope.rfc_message_id: envelope.message.ticket
            for envelope in EmailEnvelope.objects.filter(
                rfc_message_id__in=[ref for item in parsed for ref in _references(item)]
            ).select_related("message__ticket")
        }
        self.records: list[InboundMail] = []
        self.envelopes: list[EmailEnvelope] = []
        self.refused_files: list[tuple[Ticket, list[str], InboundMail]] = []
        self.new_tickets: list[int] = []

    def store(self) -> list[IngestResult]:
        outcomes = [self._process(*item) for item in self.mail]
        InboundMail.objects.bulk_create(self.records)
        EmailEnvelope.objects.bulk_create(self.envelopes)
        for ticket, refused, record in self.refused_files:
            services.add_message(
                ticket,
                services.Actor(via="email"),
                _(
                    "Attachments not stored: %(list)s. The original message is kept as inbound e-mail #%(id)s."
                )
                % {"list": "; ".join(refused), "id": record.pk},
                kind=MessageKind.NOTE,
                channel=Channel.EMAIL,
            )
        if self.new_tickets:
            from .tasks import send_acknowledgements

            created = list(self.new_tickets)
            transaction.on_commit(lambda: send_acknowledgements.enqueue(created))
        return [outcome.result() for outcome in outcomes]

    def _process(
        self, raw: bytes, via: str, mailbox_address: str, parsed: ParsedMail | MalformedMail
    ) -> _Outcome:
        mailbox = (
            cached("mail.mailboxes", _mailboxes).get(mailbox_address.lower())
            if mailbox_address
            else None
        )
        if isinstance(parsed, MalformedMail):
            earlier = self.by_hash.get(_raw_hash(raw))
            if earlier is not None:
                return _Outcome("duplicate", earlier, earlier.ticket_id)
            record = self._record(raw, via, mailbox, InboundStatus.QUARANTINED, reason=str(parsed))
            logger.warning("quarantined inbound mail: %s", parsed)
            return _Outcome(InboundStatus.QUARANTINED, record, None, str(parsed))
        earlier = self.by_hash.get(parsed.content_hash) or self.by_message_id.get(parsed.message_id)
        if earlier is not None:
            return _Outcome("duplicate", earlier, earlier.ticket_id)
        return self._store(raw, parsed, via, mailbox)

    def _store(self, raw: bytes, parsed: ParsedMail, via: str, mailbox: Mailbox | None) -> _Outcome:
        ticket = self._thread(parsed)
        if parsed.is_bounce or parsed.is_auto_submitted:
            # Never a new ticket and never an answer: that is how mail loops start.
            if parsed.is_bounce:
                _mark_bounced(raw, parsed)
            reason = parsed.auto_submitted_reason or _("delivery status notification")
            record = self._record(raw, via, mailbox, InboundStatus.IGNORED, parsed, ticket, reason)
            return _Outcome(InboundStatus.IGNORED, record, ticket.pk if ticket else None, reason)

        customer = self._customer_for(parsed)
        files, refused = _acceptable_files(parsed)
        body = (
            parsed.visible_text.strip()
            or parsed.text_body.strip()
            or _("(no text; see the attachments)")
        )
        actor = services.Actor(customer=customer, user=customer.user, via="email")
        if ticket is None:
            ticket, message = services.open_ticket(
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
            self.new_tickets.append(ticket.pk)
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
        rfc_message_id = parsed.message_id or f"sha256-{parsed.content_hash}"
        self.envelopes.append(
            EmailEnvelope(
                message=message,
                rfc_message_id=rfc_message_id,
                direction=Direction.INBOUND,
                recipient=mailbox.address if mailbox else "",
                delivery=Delivery.RECEIVED,
            )
        )
        self.tickets_by_message_id[rfc_message_id] = ticket
        record = self._record(raw, via, mailbox, status, parsed, ticket)
        if refused:
            self.refused_files.append((ticket, refused, record))
        return _Outcome(status, record, ticket.pk)

    def _record(
        self,
        raw: bytes,
        via: str,
        mailbox: Mailbox | None,
        status: str,
        parsed: ParsedMail | None = None,
        ticket: Ticket | None = None,
        reason: str = "",
    ) -> InboundMail:
        record = InboundMail(
            mailbox=mailbox,
            received_via=via,
            message_id=(parsed.message_id or "") if parsed else "",
            content_hash=parsed.content_hash if parsed else _raw_hash(raw),
            raw=raw,
            sender=parsed.from_address[:254] if parsed else "",
            subject=parsed.subject[:250] if parsed else "",
            status=status,
            reason=reason,
            ticket=ticket,
        )
        self.records.append(record)
        self._remember(record)
        return record

    def _remember(self, record: InboundMail) -> None:
        self.by_hash[record.content_hash] = record
        if record.message_id:
            self.by_message_id[record.message_id] = record

    def _thread(self, parsed: ParsedMail) -> Ticket | None:
        """Find the ticket a message belongs to: by its headers first, then by [#number] in the
        subject — and by subject alone never, or every "Invoice" would join every other."""
        for reference in _references(parsed):
            if reference in self.tickets_by_message_id:
                return self.tickets_by_message_id[reference]
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

    def _customer_for(self, parsed: ParsedMail) -> Customer:
        address = parsed.from_address.lower()
        if address in self.customers:
            return self.customers[address]
        domain = address.rpartition("@")[2]
        organisation = (
            Organisation.objects.with_domain(domain).order_by("pk").first() if domain else None
        )
        language = (
            "ru"
            if CYRILLIC.search(parsed.subject + parsed.text_body[:500] + parsed.from_name)
            else "en"
        )
        # Two first messages from the same new sender in two workers at once: the loser's
        # insert fails, and its message is looked at again once the winner has committed.
        customer = Customer.objects.create(
            name=(parsed.from_name or address.partition("@")[0])[:200],
            email=address,
            organisation=organisation,
            language=language,
        )
        self.customers[address] = customer
        return customer


def _references(parsed: ParsedMail) -> list[str]:
    """The Message-IDs a message answers, the one it replies to directly first."""
    return [ref for ref in (parsed.in_reply_to, *reversed(parsed.references)) if ref]


def _raw_hash(raw: bytes) -> str:
    """What identifies mail that cannot be parsed: its bytes."""
    return hashlib.sha256(raw).hexdigest()


def _quarantine(raw: bytes, via: str, mailbox_address: str, reason: str) -> IngestResult:
    """Keep a message the database refused, alone in a transaction of its own."""
    mailbox = _mailboxes().get(mailbox_address.lower()) if mailbox_address else None
    inbound, _created = InboundMail.objects.get_or_create(
        content_hash=_raw_hash(raw),
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


def _may_write_to(ticket: Ticket, address: str) -> bool:
    if ticket.customer.email.lower() == address:
        return True
    organisation = ticket.organisation
    return bool(
        organisation
        and organisation.shared_tickets
        and Customer.objects.with_email(address).filter(organisation=organisation).exists()
    )


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
