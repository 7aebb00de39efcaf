"""The inbound SMTP endpoint: accepts mail for configured mailboxes only, answers 250 once the
message is durably spooled, then processes it (a database outage leaves it spooled for a retry)."""

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from . import ingest, spool

logger = logging.getLogger(__name__)


class IngestHandler:
    """aiosmtpd handler: RCPT is checked against the mailboxes, DATA goes to the spool and ingest."""

    def __init__(self, mailbox_addresses: set[str] | None = None):
        # None: read the active mailboxes from the database on each RCPT (picks up admin changes).
        self._fixed_addresses = mailbox_addresses
        # The last list read, for answering while the database is away.
        self._known_addresses: set[str] | None = None

    async def _addresses(self) -> set[str] | None:
        if self._fixed_addresses is not None:
            return self._fixed_addresses
        try:
            self._known_addresses = await sync_to_async(_read_addresses, thread_sensitive=False)()
        except DatabaseError as error:
            logger.warning("mailbox list unavailable, using the last one read: %s", error)
        return self._known_addresses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ):
        addresses = await self._addresses()
        if addresses is None:
            # Never a 5xx for our own trouble: the sender would bounce the mail; a 4xx makes it
            # try again later.
            return "451 4.3.0 Temporary local problem; please try again later"
        if address.lower() not in addresses:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        paths = []
        try:
            for recipient in dict.fromkeys(address.lower() for address in envelope.rcpt_tos):
                paths.append(await asyncio.to_thread(spool.write, raw, "smtp", recipient))
        except OSError as error:
            logger.error("cannot spool inbound mail: %s", error)
            return "451 4.3.0 Temporary local problem; please try again later"
        # Accepted: from here the spool owns the message. Processing problems are ours, not the sender's.
        for path in paths:
            await asyncio.to_thread(_process, path)
        return "250 2.0.0 Message accepted"


def _read_addresses() -> set[str]:
    close_old_connections()  # a connection broken by a database restart is replaced, not reused
    return ingest.mailbox_addresses()


def _process(path) -> None:
    close_old_connections()
    try:
        result = ingest.process_spooled(path)
        logger.info("inbound mail %s: %s ticket=%s", path.name, result.status, result.ticket_id)
    except DatabaseError as error:
        # Already accepted and spooled: the retry job finishes it once the database is back.
        logger.warning("inbound mail %s stays spooled: %s", path.name, error)
    finally:
        close_old_connections()


def make_controller(hostname: str, port: int, handler: IngestHandler | None = None) -> Controller:
    return Controller(
        handler or IngestHandler(),
        hostname=hostname,
        port=port,
        data_size_limit=settings.OPORA_MAIL_MAX_MESSAGE_BYTES,
        decode_data=False,
        server_hostname=settings.OPORA_MAIL_DOMAIN,
    )
