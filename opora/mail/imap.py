"""IMAP polling: fetch unseen mail without marking it, ingest it, and only once it is committed
mark it seen (or move it) — a crash or outage in between means it is fetched again, and the
de-duplication in ingest makes that harmless."""

import os
from dataclasses import dataclass, field

from imapclient import IMAPClient

from opora.core.errors import InvalidInput

from . import ingest
from .models import AuthMethod, Mailbox

FETCH_BATCH = 50


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    left_unseen: int = 0


def _secret(mailbox: Mailbox) -> str:
    secret = os.environ.get(mailbox.secret_env, "") if mailbox.secret_env else ""
    if not secret:
        raise InvalidInput(
            f"Mailbox {mailbox.address}: set the environment variable {mailbox.secret_env or '(secret_env is empty)'}",
            fields={"secret_env": "missing"},
        )
    return secret


def connect(mailbox: Mailbox) -> IMAPClient:
    secret = _secret(mailbox)  # a missing secret is a configuration error, not a network one
    client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.imap_ssl, timeout=30)
    if mailbox.auth_method == AuthMethod.XOAUTH2:
        # Providers that refuse passwords (Gmail, Microsoft 365) take an OAuth2 access token via SASL XOAUTH2.
        client.oauth2_login(mailbox.imap_username, secret)
    else:
        client.login(mailbox.imap_username, secret)
    return client


def poll(mailbox: Mailbox, client: IMAPClient | None = None) -> PollResult:
    result = PollResult(mailbox.address)
    owns_client = client is None
    client = client or connect(mailbox)
    try:
        client.select_folder(mailbox.imap_folder)
        uids = client.search(["UNSEEN"])
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            # BODY.PEEK leaves \Seen alone: the server keeps the mail "new" until we have it.
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            outcomes = ingest.ingest_many(
                [data[b"BODY[]"] for data in fetched.values()], via="imap", mailbox=mailbox.address
            )
            for uid, outcome in zip(fetched, outcomes, strict=True):
                result.fetched += 1
                result.statuses[outcome.status] = result.statuses.get(outcome.status, 0) + 1
                if outcome.status == "spooled":
                    result.left_unseen += 1
                    continue
                if mailbox.imap_processed_folder:
                    client.move([uid], mailbox.imap_processed_folder)
                else:
                    client.add_flags([uid], [b"\\Seen"])
    finally:
        if owns_client:
            client.logout()
    return result


def poll_all() -> list[PollResult]:
    return [
        poll(mailbox) for mailbox in Mailbox.objects.filter(is_active=True).exclude(imap_host="")
    ]
