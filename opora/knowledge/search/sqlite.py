"""Embedded search: SQLite FTS5 tables holding Snowball stems (FTS5 has no Russian stemmer).

knowledge_article_fts(title, body) and knowledge_message_fts(subject, body) are created by
migration 0002 with rowid = the article's / message's id; this module keeps them in sync."""

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet
from django.utils.html import strip_tags

from opora.tickets.models import Message

from .. import text
from ..models import Article
from .base import Match, MessageMatch, TicketScope, title_hits_first

# bm25 column weights: a word in the title counts ten times one in the body.
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
BATCH = 2_000
RECENT_CANDIDATES = 500


def _match_expression(query: str, *, any_word: bool) -> str | None:
    # Every stem quoted: FTS5 operators typed by a user ("OR", "NEAR", "*") stay plain words.
    terms = text.query_stems(query)
    joiner = " OR " if any_word else " "
    return joiner.join(f'"{term}"' for term in terms) if terms else None


class SqliteBackend:
    def index_articles(self, article_ids: Iterable[int]) -> None:
        ids = list(article_ids)
        rows = Article.objects.filter(pk__in=ids).values_list("pk", "title", "body")
        with connection.cursor() as cursor:
            cursor.executemany(
                "DELETE FROM knowledge_article_fts WHERE rowid = %s", [(pk,) for pk in ids]
            )
            cursor.executemany(
                "INSERT INTO knowledge_article_fts(rowid, title, body) VALUES (%s, %s, %s)",
                [
                    (pk, text.stemmed_text(title), text.stemmed_text(strip_tags(body)))
                    for pk, title, body in rows
                ],
            )

    def index_messages(self, message_ids: Iterable[int]) -> None:
        ids = list(message_ids)
        for start in range(0, len(ids), BATCH):
            self._index_message_batch(ids[start : start + BATCH])

    def _index_message_batch(self, ids: list[int]) -> None:
        first_ids = _first_message_ids(ids)
        rows = Message.objects.filter(pk__in=ids).values_list("pk", "ticket__subject", "body")
        with connection.cursor() as cursor:
            cursor.executemany(
                "DELETE FROM knowledge_message_fts WHERE rowid = %s", [(pk,) for pk in ids]
            )
            cursor.executemany(
                "INSERT INTO knowledge_message_fts(rowid, subject, body) VALUES (%s, %s, %s)",
                [
                    (
                        pk,
                        text.stemmed_text(subject) if pk in first_ids else "",
                        text.stemmed_text(body),
                    )
                    for pk, subject, body in rows
                ],
            )

    def rebuild(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM knowledge_article_fts")
            cursor.execute("DELETE FROM knowledge_message_fts")
        self.index_articles(Article.objects.values_list("pk", flat=True))
        self.index_messages(Message.objects.values_list("pk", flat=True).order_by("pk"))

    def match_articles(self, query: str, articles: QuerySet, limit: int) -> list[Match]:
        expression = _match_expression(query, any_word=True)
        if expression is None:
            return []
        # As on PostgreSQL: title hits first, the rest only when they do not fill `limit`.
        titled = _ranked_articles(f"title : ({expression})", articles, limit, query)
        if len(titled) == limit:
            return titled
        rest = _ranked_articles(
            expression,
            articles.exclude(pk__in=[match.pk for match in titled]),
            limit - len(titled),
            query,
        )
        return title_hits_first(titled, rest)

    def match_messages(self, query: str, scope: TicketScope, limit: int) -> list[MessageMatch]:
        expression = _match_expression(query, any_word=False)
        if expression is None:
            return []
        if scope.every_ticket:
            visible, visible_params = "", []
        else:
            allowed_sql, visible_params = (
                scope.tickets.order_by().values("pk").query.sql_with_params()
            )
            visible = f" AND m.ticket_id IN ({allowed_sql})"
        # As on PostgreSQL: only the newest RECENT_CANDIDATES visible matches are ranked. FTS5
        # yields matches newest first by itself, so the scan stops after them; the rowid is
        # never compared with a list (FTS5 would run the whole MATCH again for each value).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, score, ticket_id FROM ("
                " SELECT knowledge_message_fts.rowid, m.ticket_id,"
                " bm25(knowledge_message_fts, %s, %s) AS score"
                " FROM knowledge_message_fts JOIN tickets_message m"
                " ON m.id = knowledge_message_fts.rowid"
                f" WHERE knowledge_message_fts MATCH %s{visible}"
                " ORDER BY knowledge_message_fts.rowid DESC LIMIT %s"
                ") ORDER BY score",
                [TITLE_WEIGHT, BODY_WEIGHT, expression, *visible_params, RECENT_CANDIDATES],
            )
            rows = cursor.fetchall()
        # The best message of each ticket, best tickets first; only those get a snippet.
        best: dict[int, tuple[int, float]] = {}
        for pk, score, ticket_id in rows:
            if ticket_id not in best:
                best[ticket_id] = (pk, -score)
                if len(best) == limit:
                    break
        bodies = dict(
            Message.objects.filter(pk__in=[pk for pk, _rank in best.values()]).values_list(
                "pk", "body"
            )
        )
        return [
            MessageMatch(pk, rank, text.highlight(bodies[pk], query), ticket_id)
            for ticket_id, (pk, rank) in best.items()
            if pk in bodies
        ]


def _ranked_articles(expression: str, articles: QuerySet, limit: int, query: str) -> list[Match]:
    allowed_sql, allowed_params = articles.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid, bm25(knowledge_article_fts, %s, %s) AS score"
            " FROM knowledge_article_fts WHERE knowledge_article_fts MATCH %s"
            # "+rowid": FTS5 would otherwise run the whole MATCH once per allowed article.
            f" AND +rowid IN ({allowed_sql}) ORDER BY score LIMIT %s",
            [TITLE_WEIGHT, BODY_WEIGHT, expression, *allowed_params, limit],
        )
        scores = cursor.fetchall()
    bodies = dict(Article.objects.filter(pk__in=[pk for pk, _ in scores]).values_list("pk", "body"))
    return [
        Match(pk, -score, text.highlight(strip_tags(bodies[pk]), query))
        for pk, score in scores
        if pk in bodies
    ]


def _first_message_ids(ids: list[int]) -> set[int]:
    """Which of these messages opened their ticket (they carry the subject)."""
    from django.db.models import Min

    tickets = Message.objects.filter(pk__in=ids).values("ticket_id")
    return set(
        Message.objects.filter(ticket_id__in=tickets)
        .values("ticket_id")
        .annotate(first=Min("pk"))
        .values_list("first", flat=True)
    )
