"""What every search backend offers; opora.knowledge.search picks one by database vendor."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from django.db.models import QuerySet
from django.utils.html import escape, strip_tags

# ts_headline/FTS markers that cannot occur in text: the snippet is escaped first, then these
# become <mark>, so article HTML never leaks into a snippet.
MARK_START = "\x02"
MARK_END = "\x03"


def marked_snippet(raw: str) -> str:
    cleaned = escape(strip_tags(raw))
    return cleaned.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


@dataclass(frozen=True)
class Match:
    """One matching row: an article id or a message id, with its relevance (higher is better)."""

    pk: int
    rank: float
    snippet: str


def title_hits_first(titled: list[Match], rest: list[Match]) -> list[Match]:
    """Articles with a query word in their title, then those with them only in the text, each
    group best first. Title hits' ranks (all above zero) are lifted above the best of the rest, so
    rank still reads "higher is better" down the list."""
    lift = max((match.rank for match in rest), default=0.0)
    return [replace(match, rank=match.rank + lift) for match in titled] + rest


@dataclass(frozen=True)
class MessageMatch(Match):
    """A matching message and the ticket it was on when searched."""

    ticket_id: int


@dataclass(frozen=True)
class TicketScope:
    """Whose tickets a search may return. ``tickets`` (visible_tickets) is the authority; the
    rest restates it as plain values a search index can filter on without joining tickets:
    every ticket, or those of ``team_ids``, assigned to ``user_id`` or collaborated on by them."""

    tickets: QuerySet
    every_ticket: bool
    team_ids: tuple[int, ...] = ()
    user_id: int | None = None


class SearchBackend(Protocol):
    def index_articles(self, article_ids: Iterable[int]) -> None: ...

    def index_messages(self, message_ids: Iterable[int]) -> None: ...

    def rebuild(self) -> None:
        """Re-index everything (after bulk loads such as the demo data)."""

    def match_articles(self, query: str, articles: QuerySet, limit: int) -> list[Match]:
        """Articles with ANY of the query's words (questions are phrased freely; more matching
        words rank higher), among `articles`, already narrowed to what the reader may see.
        Those with a query word in their title come first (title_hits_first); the others are
        only searched and ranked when the title hits do not fill `limit`, which bounds the cost
        of common words."""

    def match_messages(self, query: str, scope: TicketScope, limit: int) -> list[MessageMatch]:
        """Messages with ALL of the query's words (agents search for specifics, over millions of
        rows), on tickets in `scope`. Only the newest few hundred matches are ranked, which
        bounds the cost of common words."""
