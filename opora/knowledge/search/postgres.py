"""Production search: PostgreSQL full-text search with stored, GIN-indexed tsvectors.

Articles carry `search_vector` (title A, body B) built with their own language's configuration;
messages have theirs in MessageSearchEntry, built with the `russian` configuration, which stems
Cyrillic words with the Russian Snowball stemmer and Latin ones with the English one."""

import operator
from collections.abc import Iterable
from functools import reduce

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import F, Max, QuerySet
from django.db.models.expressions import RawSQL

from opora.tickets.models import Ticket

from .. import text
from ..models import Article, MessageSearchEntry
from .base import (
    MARK_END,
    MARK_START,
    Match,
    MessageMatch,
    TicketScope,
    marked_snippet,
    title_hits_first,
)

RECENT_CANDIDATES = 200
RECENT_WINDOW = 20_000
HEADLINE_OPTIONS = {"start_sel": MARK_START, "stop_sel": MARK_END, "max_words": 30, "min_words": 12}
HEADLINE_OPTIONS_SQL = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12"

# The parser skips HTML tags and entities by itself, so the body is indexed as stored.
ARTICLE_VECTOR_SQL = """
UPDATE knowledge_article SET search_vector =
    setweight(to_tsvector(CASE language WHEN 'en' THEN 'english' ELSE 'russian' END::regconfig,
                          title), 'A')
    || setweight(to_tsvector(CASE language WHEN 'en' THEN 'english' ELSE 'russian' END::regconfig,
                             body), 'B')
WHERE id = ANY(%s)
"""

# The title's own vector, which the title-first ranking filters on. Exactly the expression of
# the GIN index of migration knowledge 0005 (so the planner can use it), hence regconfig constants.
ARTICLE_TITLE_VECTOR = (
    "to_tsvector(CASE knowledge_article.language WHEN 'en' THEN 'english'::regconfig"
    " ELSE 'russian'::regconfig END, knowledge_article.title)"
)

# The first message of each ticket also carries the ticket's subject (weight A). The entry copies
# the ticket, team and assignee that search filters on (kept in step by the triggers of migration
# knowledge 0003).
MESSAGE_VECTOR_SQL = """
INSERT INTO knowledge_messagesearchentry (message_id, ticket_id, team_id, assignee_id, search_vector)
SELECT m.id, t.id, t.team_id, t.assignee_id,
       setweight(to_tsvector('russian', CASE WHEN m.id = f.first_id THEN t.subject ELSE '' END), 'A')
       || setweight(to_tsvector('russian', m.body), 'B')
FROM tickets_message m
JOIN tickets_ticket t ON t.id = m.ticket_id
{first_ids} f ON f.ticket_id = m.ticket_id
{where}
ON CONFLICT (message_id) DO UPDATE SET search_vector = EXCLUDED.search_vector,
    ticket_id = EXCLUDED.ticket_id, team_id = EXCLUDED.team_id, assignee_id = EXCLUDED.assignee_id
"""
# Everything at once: one grouped pass. A few messages: each ticket's first message by index.
ALL_FIRST_IDS = (
    "JOIN (SELECT ticket_id, min(id) AS first_id FROM tickets_message GROUP BY ticket_id)"
)
EACH_FIRST_ID = (
    "JOIN LATERAL (SELECT m.ticket_id, min(id) AS first_id FROM tickets_message"
    " WHERE ticket_id = m.ticket_id)"
)

# Visible matches, newest first, from the entry table alone (no join to messages or tickets);
# the best one per ticket is ranked and only the final few get a (costly) headline. {visible} is
# one branch per way a ticket can be visible, each walking its own index newest first.
MESSAGE_SEARCH_SQL = """
WITH matches AS NOT MATERIALIZED (
    SELECT message_id, ticket_id, team_id, assignee_id, search_vector
    FROM knowledge_messagesearchentry
    WHERE {matching} AND message_id > %s
), candidates AS (
    SELECT message_id, ticket_id, ts_rank(search_vector, {tsquery}) AS rank
    FROM ({visible}) visible
    ORDER BY message_id DESC
    LIMIT %s
), best AS (
    SELECT DISTINCT ON (ticket_id) message_id, ticket_id, rank
    FROM candidates ORDER BY ticket_id, rank DESC, message_id DESC
), top AS (
    SELECT * FROM best ORDER BY rank DESC, message_id DESC LIMIT %s
)
SELECT top.message_id, top.ticket_id, top.rank,
       ts_headline('russian', m.body, {tsquery}, %s)
FROM top JOIN tickets_message m ON m.id = top.message_id
ORDER BY top.rank DESC, top.message_id DESC
"""
EVERY_TICKET_SQL = "(SELECT * FROM matches ORDER BY {newest_first} LIMIT %s)"
# A UNION (not OR): each branch can walk (team_id, message_id) / (assignee_id, message_id). One
# branch per team: with "team_id = ANY(…)" PostgreSQL cannot walk that index newest first and
# walks every team's entries instead.
TEAM_TICKETS_SQL = "(SELECT * FROM matches WHERE team_id = %s ORDER BY {newest_first} LIMIT %s)"
AGENT_TICKETS_SQL = """
(SELECT * FROM matches WHERE assignee_id = %s ORDER BY {newest_first} LIMIT %s)
UNION
(SELECT * FROM matches WHERE ticket_id IN ({collaborating}) ORDER BY {newest_first} LIMIT %s)
"""


def _any_word_query(query: str) -> SearchQuery | None:
    """ANY of the words (for articles), each parsed in its own script's configuration: Cyrillic in `russian`, Latin in
    `english` (which also drops English stop words). Both index configurations stem Latin words
    with the English stemmer, so one query serves Russian and English articles and messages."""
    words = text.words(query)[: text.MAX_QUERY_WORDS]
    parts = [
        SearchQuery(word, config="russian" if text.CYRILLIC.search(word) else "english")
        for word in words
    ]
    if not parts:
        return None
    return reduce(operator.or_, parts)


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
        sql = MESSAGE_VECTOR_SQL.format(first_ids=EACH_FIRST_ID, where="WHERE m.id = ANY(%s)")
        with connection.cursor() as cursor:
            cursor.execute(sql, [ids])

    def rebuild(self) -> None:
        self.index_articles(Article.objects.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(MESSAGE_VECTOR_SQL.format(first_ids=ALL_FIRST_IDS, where=""))

    def match_articles(self, query: str, articles: QuerySet, limit: int) -> list[Match]:
        search_query = _any_word_query(query)
        if search_query is None:
            return []
        # Ranking reads each candidate's whole vector: thousands of bodies hold a common word,
        # a few hundred titles do (found through the title index).
        title_vector = RawSQL(ARTICLE_TITLE_VECTOR, [], output_field=SearchVectorField())
        titled = _ranked_articles(
            articles.alias(title_vector=title_vector).filter(title_vector=search_query),
            search_query,
            limit,
        )
        if len(titled) == limit:
            return titled
        # Fewer title hits than wanted: that is all of them, so the rest are the other matches.
        rest = _ranked_articles(
            articles.filter(search_vector=search_query).exclude(
                pk__in=[match.pk for match in titled]
            ),
            search_query,
            limit - len(titled),
        )
        return title_hits_first(titled, rest)

    def match_messages(self, query: str, scope: TicketScope, limit: int) -> list[MessageMatch]:
        tsquery, tsquery_params = _tsquery_sql(query)
        if not tsquery:
            return []
        if scope.every_ticket:
            visible, visible_params = EVERY_TICKET_SQL, [RECENT_CANDIDATES]
        else:
            collaborators = Ticket.collaborators.through._meta.db_table
            visible = "\nUNION\n".join(
                [
                    *[TEAM_TICKETS_SQL] * len(scope.team_ids),
                    AGENT_TICKETS_SQL.replace(
                        "{collaborating}",
                        f"SELECT ticket_id FROM {collaborators} WHERE user_id = %s",
                    ),
                ]
            )
            visible_params = [
                *(value for team_id in scope.team_ids for value in (team_id, RECENT_CANDIDATES)),
                *(scope.user_id, RECENT_CANDIDATES),
                *(scope.user_id, RECENT_CANDIDATES),
            ]

        def run(floor: int) -> list[MessageMatch]:
            # Within the window, walk the newest entries and test each (few rows to read). Over
            # everything the words are rare (the window held too few): then fetch the matches
            # through the GIN index and sort them ("+ 0" keeps the planner from walking all
            # million entries newest first in the hope of finding a few).
            # (Within the window the match is tested as a function, which no index serves, as the
            # planner underestimates how many rows several common words match.)
            if floor:
                matching, newest_first = f"ts_match_vq(search_vector, {tsquery})", "message_id DESC"
            else:
                matching, newest_first = f"search_vector @@ {tsquery}", "message_id + 0 DESC"
            sql = MESSAGE_SEARCH_SQL.format(
                tsquery=tsquery,
                matching=matching,
                visible=visible.replace("{newest_first}", newest_first),
            )
            params = [
                *tsquery_params,  # @@
                floor,
                *tsquery_params,  # ts_rank
                *visible_params,
                RECENT_CANDIDATES,
                limit,
                *tsquery_params,  # ts_headline
                HEADLINE_OPTIONS_SQL,
            ]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return [
                    MessageMatch(pk, rank, marked_snippet(snippet), ticket_id)
                    for pk, ticket_id, rank, snippet in cursor.fetchall()
                ]

        # Ranking or even fetching every match of a common word among millions of messages is
        # what makes search slow. So the newest RECENT_WINDOW messages are searched first (few
        # rows to read); only when they hold too few matches does the search widen to all,
        # which then means the words are rare and their matches cheap to fetch from the index.
        newest = MessageSearchEntry.objects.aggregate(newest=Max("message_id"))["newest"] or 0
        if newest <= RECENT_WINDOW:
            return run(0)
        recent = run(newest - RECENT_WINDOW)
        return recent if len(recent) >= limit else run(0)


def _ranked_articles(articles: QuerySet, search_query: SearchQuery, limit: int) -> list[Match]:
    rows = (
        articles.annotate(
            rank=SearchRank(F("search_vector"), search_query),
            # PostgreSQL evaluates this costly column after ORDER BY … LIMIT, on `limit` rows.
            snippet=SearchHeadline("body", search_query, config="russian", **HEADLINE_OPTIONS),
        )
        .order_by("-rank", "-pk")
        .values_list("pk", "rank", "snippet")[:limit]
    )
    return [Match(pk, rank, marked_snippet(snippet)) for pk, rank, snippet in rows]


def _tsquery_sql(query: str) -> tuple[str, list[str]]:
    """ALL of the words (for messages), each parsed in its configuration as _any_word_query's."""
    words = text.words(query)[: text.MAX_QUERY_WORDS]
    sql = " && ".join("plainto_tsquery(%s::regconfig, %s)" for _word in words)
    params = [
        value
        for word in words
        for value in ("russian" if text.CYRILLIC.search(word) else "english", word)
    ]
    return (f"({sql})" if sql else ""), params
