"""Production search: PostgreSQL full-text search with stored, GIN-indexed tsvectors.

Articles carry `search_vector` (title A, body B) built with their own language's configuration;
messages have theirs in MessageSearchEntry, built with the `russian` configuration, which stems
Cyrillic words with the Russian Snowball stemmer and Latin ones with the English one."""

import operator
from collections.abc import Iterable
from functools import reduce

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Max, QuerySet

from .. import text
from ..models import Article, MessageSearchEntry
from .base import MARK_END, MARK_START, Match, marked_snippet

MESSAGE_CONFIG = "russian"
RECENT_CANDIDATES = 500
RECENT_WINDOW = 50_000
HEADLINE_OPTIONS = {"start_sel": MARK_START, "stop_sel": MARK_END, "max_words": 30, "min_words": 12}

# The parser skips HTML tags and entities by itself, so the body is indexed as stored.
ARTICLE_VECTOR_SQL = """
UPDATE knowledge_article SET search_vector =
    setweight(to_tsvector(CASE language WHEN 'en' THEN 'english' ELSE 'russian' END::regconfig,
                          title), 'A')
    || setweight(to_tsvector(CASE language WHEN 'en' THEN 'english' ELSE 'russian' END::regconfig,
                             body), 'B')
WHERE id = ANY(%s)
"""

# The first message of each ticket also carries the ticket's subject (weight A).
MESSAGE_VECTOR_SQL = """
INSERT INTO knowledge_messagesearchentry (message_id, search_vector)
SELECT m.id,
       setweight(to_tsvector('russian', CASE WHEN m.id = f.first_id THEN t.subject ELSE '' END), 'A')
       || setweight(to_tsvector('russian', m.body), 'B')
FROM tickets_message m
JOIN tickets_ticket t ON t.id = m.ticket_id
JOIN (SELECT ticket_id, min(id) AS first_id FROM tickets_message GROUP BY ticket_id) f
  ON f.ticket_id = m.ticket_id
{where}
ON CONFLICT (message_id) DO UPDATE SET search_vector = EXCLUDED.search_vector
"""


def _query(query: str, *, any_word: bool) -> SearchQuery | None:
    """Each word parsed in its own script's configuration: Cyrillic in `russian`, Latin in
    `english` (which also drops English stop words). Both index configurations stem Latin words
    with the English stemmer, so one query serves Russian and English articles and messages."""
    words = text.words(query)[: text.MAX_QUERY_WORDS]
    parts = [
        SearchQuery(word, config="russian" if text.CYRILLIC.search(word) else "english")
        for word in words
    ]
    if not parts:
        return None
    return reduce(operator.or_ if any_word else operator.and_, parts)


class PostgresBackend:
    def index_articles(self, article_ids: Iterable[int]) -> None:
        ids = list(article_ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(ARTICLE_VECTOR_SQL, [ids])

    def index_messages(self, message_ids: Iterable[int]) -> None:
        ids = list(message_ids)
        if not ids:
            return
        with connection.cursor() as cursor:
            cursor.execute(MESSAGE_VECTOR_SQL.format(where="WHERE m.id = ANY(%s)"), [ids])

    def rebuild(self) -> None:
        self.index_articles(Article.objects.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(MESSAGE_VECTOR_SQL.format(where=""))

    def match_articles(self, query: str, articles: QuerySet, limit: int) -> list[Match]:
        search_query = _query(query, any_word=True)
        if search_query is None:
            return []
        rows = (
            articles.filter(search_vector=search_query)
            .annotate(
                rank=SearchRank(F("search_vector"), search_query),
                # PostgreSQL evaluates this costly column after ORDER BY … LIMIT, on `limit` rows.
                snippet=SearchHeadline("body", search_query, config="russian", **HEADLINE_OPTIONS),
            )
            .order_by("-rank", "-pk")
            .values_list("pk", "rank", "snippet")[:limit]
        )
        return [Match(pk, rank, marked_snippet(snippet)) for pk, rank, snippet in rows]

    def match_messages(self, query: str, tickets: QuerySet, limit: int) -> list[Match]:
        search_query = _query(query, any_word=False)
        if search_query is None:
            return []
        candidates = self._recent_candidates(search_query, tickets, limit)
        rows = (
            MessageSearchEntry.objects.filter(message_id__in=candidates)
            .annotate(
                rank=SearchRank(F("search_vector"), search_query),
                snippet=SearchHeadline(
                    "message__body", search_query, config=MESSAGE_CONFIG, **HEADLINE_OPTIONS
                ),
            )
            .order_by("-rank", "-message_id")
            .values_list("message_id", "rank", "snippet")[:limit]
        )
        return [Match(pk, rank, marked_snippet(snippet)) for pk, rank, snippet in rows]

    def _recent_candidates(
        self, search_query: SearchQuery, tickets: QuerySet, limit: int
    ) -> list[int]:
        """The newest RECENT_CANDIDATES visible matches (ids grow with time).

        Ranking or even fetching every match of a common word among millions of messages is
        what makes search slow, and the planner cannot estimate multi-word selectivity well.
        So the newest RECENT_WINDOW messages are searched first (the GIN bitmap AND-ed with a
        primary-key range touches few rows); only when they hold too few matches does the
        search widen to everything, which then means the words are rare and cheap to fetch."""
        matches = MessageSearchEntry.objects.filter(
            search_vector=search_query, message__ticket__in=tickets.values("pk")
        ).order_by("-message_id")
        newest = MessageSearchEntry.objects.aggregate(newest=Max("message_id"))["newest"] or 0
        recent = list(
            matches.filter(message_id__gt=newest - RECENT_WINDOW).values_list(
                "message_id", flat=True
            )[:RECENT_CANDIDATES]
        )
        if len(recent) >= limit or newest <= RECENT_WINDOW:
            return recent
        return list(matches.values_list("message_id", flat=True)[:RECENT_CANDIDATES])
