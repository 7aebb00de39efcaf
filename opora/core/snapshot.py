"""Configuration read once per batch of work instead of once per ticket.

Bulk paths (e-mail ingest of a spooled batch, say) open a snapshot around their transaction;
inside it, the rarely changed configuration that every new ticket reads — SLA policies, routing
rules, triggers, mailboxes — is loaded on first use and then served from memory. Outside a
snapshot every read goes to the database, so interactive changes and tests see edits at once.

A snapshot lives no longer than the batch's transaction, which reads as of its start anyway, so
nothing needs invalidating: the next batch reads the configuration afresh.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_snapshot: ContextVar[dict[str, object] | None] = ContextVar("config_snapshot", default=None)


@contextmanager
def config_snapshot() -> Iterator[None]:
    """Serve configuration from memory until the block ends (nested blocks share the outer one)."""
    if _snapshot.get() is not None:
        yield
        return
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def snapshot_open() -> bool:
    return _snapshot.get() is not None


def cached(key: str, load: Callable[[], T]) -> T:
    """``load()`` — once per snapshot when one is open, every time otherwise."""
    snapshot = _snapshot.get()
    if snapshot is None:
        return load()
    if key not in snapshot:
        snapshot[key] = load()
    return snapshot[key]  # type: ignore[return-value]
