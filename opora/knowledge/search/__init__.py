"""The one search interface: articles for everyone (as far as they may see), tickets for staff.

The backend follows the database vendor: PostgreSQL full-text search in production, SQLite FTS5
with Snowball stems in the embedded mode. Both share the typo fallback: when a query finds
nothing, each word is replaced by the closest known word (rapidfuzz) and the search runs again."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

from django.core.cache import cache as shared_cache
from django.db import connection
from django.utils.html import strip_tags
from rapidfuzz import fuzz, process

from opora.accounts.models import Team, User
from opora.tickets.access import visible_tickets
from opora.tickets.models import Ticket

from .. import text
from ..access import searchable_articles
from ..models import Article
from .base import SearchBackend, TicketScope
from .postgres import PostgresBackend
from .sqlite import SqliteBackend

# A corrected word must be at least this similar (rapidfuzz ratio, 0–100) to what was typed.
TYPO_SCORE_CUTOFF = 75
VOCABULARY_KEY = "knowledge:vocabulary"
VOCABULARY_SECONDS = 3600


@cache
def backend() -> SearchBackend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()


@dataclass(frozen=True)
class ArticleHit:
    article: Article
    rank: float
    snippet: str


@dataclass(frozen=True)
class TicketHit:
    ticket: Ticket
    message_id: int
    rank: float
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    articles: list[ArticleHit]
    tickets: list[TicketHit]
    # The query actually run when the typed one found nothing and a spelling fix did.
    corrected_query: str | None = None


def index_articles(article_ids: Iterable[int]) -> None:
    backend().index_articles(article_ids)
    shared_cache.delete(VOCABULARY_KEY)


# Message ids waiting for the end of a batch_indexing() block (None outside one).
_pending_messages: ContextVar[dict[int, None] | None] = ContextVar(
    "knowledge_pending_messages", default=None
)


def index_messages(message_ids: Iterable[int]) -> None:
    pending = _pending_messages.get()
    if pending is None:
        backend().index_messages(message_ids)
    else:
        pending.update(dict.fromkeys(message_ids))


@contextmanager
def batch_indexing() -> Iterator[None]:
    """Index the messages added inside the block in one statement when it ends — still inside
    the caller's transaction, so an entry commits (or rolls back) with its message. Bulk paths
    (a batch of inbound mail) use it; ids of messages rolled back meanwhile are skipped."""
    if _pending_messages.get() is not None:
        yield
        return
    pending: dict[int, None] = {}
    token = _pending_messages.set(pending)
    try:
        yield
    finally:
        _pending_messages.reset(token)
    backend().index_messages(pending)


def rebuild_index() -> None:
    backend().rebuild()
    shared_cache.delete(VOCABULARY_KEY)


def _vocabulary() -> list[str]:
    """Words of published articles' titles and texts: what a misspelt query is corrected to."""
    words = shared_cache.get(VOCABULARY_KEY)
    if words is None:
        found: set[str] = set()
        for title, body in Article.objects.published().values_list("title", "body").iterator():
            found.update(text.words(title))
            found.update(text.words(strip_tags(body)))
        words = sorted(word for word in found if len(word) > 3)
        shared_cache.set(VOCABULARY_KEY, words, VOCABULARY_SECONDS)
    return words


def corrected(query: str) -> str | None:
    """The query with each unknown word replaced by the closest known one, or None."""
    vocabulary = _vocabulary()
    known = set(vocabulary)
    fixed, changed = [], False
    for word in text.words(query)[: text.MAX_QUERY_WORDS]:
        if word in known or len(word) <= 3:
            fixed.append(word)
            continue
        best = process.extractOne(
            word, vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE_CUTOFF
        )
        fixed.append(best[0] if best else word)
        changed = changed or best is not None
    return " ".join(fixed) if changed else None


def _article_hits(query: str, articles, limit: int) -> list[ArticleHit]:
    matches = backend().match_articles(query, articles, limit)
    by_pk = Article.objects.for_list().in_bulk([match.pk for match in matches])
    return [
        ArticleHit(by_pk[match.pk], match.rank, match.snippet)
        for match in matches
        if match.pk in by_pk
    ]


def ticket_scope(user: User) -> TicketScope:
    """visible_tickets(user), and the same rule as values an index can filter on."""
    tickets = visible_tickets(user)
    if user.sees_every_ticket:
        return TicketScope(tickets, every_ticket=True)
    team_ids = Team.members.through.objects.filter(user=user).values_list("team_id", flat=True)
    return TicketScope(tickets, every_ticket=False, team_ids=tuple(team_ids), user_id=user.pk)


def _ticket_hits(query: str, scope: TicketScope, limit: int) -> list[TicketHit]:
    matches = backend().match_messages(query, scope, limit)
    # visible_tickets decides once more: an index is a copy, the live ticket is the authority.
    tickets = scope.tickets.for_list().in_bulk({match.ticket_id for match in matches})
    return [
        TicketHit(tickets[match.ticket_id], match.pk, match.rank, match.snippet)
        for match in matches
        if match.ticket_id in tickets
    ]


def search(
    query: str,
    user: User,
    *,
    language: str | None = None,
    include_tickets: bool = False,
    limit: int = 10,
) -> SearchResults:
    """Articles the user may read (and, for staff who ask, tickets they may see) matching query."""
    query = query.strip()[:200]
    if not text.query_stems(query):
        return SearchResults([], [])
    articles = searchable_articles(user, language)
    with_tickets = include_tickets and user.is_authenticated and user.is_agent_like
    # Worked out once: a query with no hits runs again, corrected.
    scope = ticket_scope(user) if with_tickets else None

    def run(q: str) -> tuple[list[ArticleHit], list[TicketHit]]:
        return (
            _article_hits(q, articles, limit),
            _ticket_hits(q, scope, limit) if scope is not None else [],
        )

    article_hits, ticket_hits = run(query)
    if article_hits or ticket_hits:
        return SearchResults(article_hits, ticket_hits)
    fixed = corrected(query)
    if fixed is None:
        return SearchResults([], [])
    article_hits, ticket_hits = run(fixed)
    return SearchResults(article_hits, ticket_hits, corrected_query=fixed)
