"""The one search interface: articles for everyone (as far as they may see), tickets for staff.

The backend follows the database vendor: PostgreSQL full-text search in production, SQLite FTS5
with Snowball stems in the embedded mode. Both share the typo fallback: when a query finds
nothing, each word is replaced by the closest known word (rapidfuzz) and the search runs again."""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.core.cache import cache as shared_cache
from django.db import connection
from django.utils.html import strip_tags
from rapidfuzz import fuzz, process

from opora.accounts.models import User
from opora.tickets.access import visible_tickets
from opora.tickets.models import Message, Ticket

from .. import text
from ..access import searchable_articles
from ..models import Article
from .base import Match, SearchBackend
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


def index_messages(message_ids: Iterable[int]) -> None:
    backend().index_messages(message_ids)


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


def _ticket_hits(query: str, user: User, limit: int) -> list[TicketHit]:
    # Several messages of one ticket may match: fetch extra and keep each ticket's best.
    matches: list[Match] = backend().match_messages(query, visible_tickets(user), limit * 3)
    ticket_of = dict(
        Message.objects.filter(pk__in=[match.pk for match in matches]).values_list(
            "pk", "ticket_id"
        )
    )
    tickets = Ticket.objects.for_list().in_bulk(set(ticket_of.values()))
    hits: dict[int, TicketHit] = {}
    for match in matches:
        ticket_id = ticket_of.get(match.pk)
        if ticket_id in tickets and ticket_id not in hits:
            hits[ticket_id] = TicketHit(tickets[ticket_id], match.pk, match.rank, match.snippet)
    return list(hits.values())[:limit]


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

    def run(q: str) -> tuple[list[ArticleHit], list[TicketHit]]:
        return (
            _article_hits(q, articles, limit),
            _ticket_hits(q, user, limit) if with_tickets else [],
        )

    article_hits, ticket_hits = run(query)
    if article_hits or ticket_hits:
        return SearchResults(article_hits, ticket_hits)
    fixed = corrected(query)
    if fixed is None:
        return SearchResults([], [])
    article_hits, ticket_hits = run(fixed)
    return SearchResults(article_hits, ticket_hits, corrected_query=fixed)
