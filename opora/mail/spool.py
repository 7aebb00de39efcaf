"""A durable spool: mail is on disk (fsynced) before the sender is told "accepted", so a
database outage during processing loses nothing; processing deletes the file only after commit."""

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings


def spool_dir() -> Path:
    path = Path(settings.OPORA_MAIL_SPOOL_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write(raw: bytes, via: str, mailbox: str) -> Path:
    """Store raw mail durably; the same bytes for the same mailbox map to the same file."""
    digest = hashlib.sha256(raw).hexdigest()
    directory = spool_dir()
    final = directory / f"{digest}.{via}.{_safe(mailbox)}.eml"
    if final.exists():
        return final
    # A unique temporary name: the same mail may arrive on two connections at once.
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{digest[:16]}.", suffix=".tmp", dir=directory
    )
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_fd)  # the rename itself must survive a crash
    finally:
        os.close(directory_fd)
    return final


def pending() -> Iterator[Path]:
    """Spooled mail not yet processed, oldest first."""
    yield from sorted(spool_dir().glob("*.eml"), key=lambda path: path.stat().st_mtime)


def describe(path: Path) -> tuple[str, str]:
    """(via, mailbox address) recorded in the file name."""
    _digest, via, mailbox, _extension = path.name.split(".")
    return via, mailbox.replace("%40", "@").replace("%2E", ".")


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _safe(mailbox: str) -> str:
    return mailbox.lower().replace("@", "%40").replace(".", "%2E").replace("/", "_")
