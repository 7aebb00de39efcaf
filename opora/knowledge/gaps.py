"""Content gaps: what customers need that the knowledge base does not answer.

* reasons: contact reasons of recent tickets that no published article is linked to;
* queries: searches (grouped by their stems) that found nothing, or whose results were
  opened in fewer than LOW_CLICK_RATE of the searches."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from opora.tickets.models import ContactReason

from .models import Article, ArticleStatus, SearchQueryLog

LOW_CLICK_RATE = 0.1
DEFAULT_PERIOD = timedelta(days=30)


@dataclass(frozen=True)
class ReasonGap:
    reason: ContactReason
    tickets: int


@dataclass(frozen=True)
class QueryGap:
    query: str  # one example as typed
    searches: int
    clicks: int
    max_results: int

    @property
    def click_rate(self) -> float:
        return self.clicks / self.searches if self.searches else 0.0


def reason_gaps(since: datetime | None = None, limit: int = 20) -> list[ReasonGap]:
    since = since or timezone.now() - DEFAULT_PERIOD
    covered = Article.objects.filter(reasons=OuterRef("pk"), status=ArticleStatus.PUBLISHED)
    reasons = (
        ContactReason.objects.select_related("parent")
        .annotate(
            recent=Count("tickets", filter=Q(tickets__created_at__gte=since)),
            covered=Exists(covered),
        )
        .filter(recent__gt=0, covered=False)
        .order_by("-recent", "pk")[:limit]
    )
    return [ReasonGap(reason, reason.recent) for reason in reasons]


def query_gaps(since: datetime | None = None, limit: int = 20) -> list[QueryGap]:
    since = since or timezone.now() - DEFAULT_PERIOD
    grouped = (
        SearchQueryLog.objects.filter(created_at__gte=since)
        .exclude(normalized="")
        .values("normalized")
        .annotate(
            searches=Count("pk"),
            clicks=Count("pk", filter=Q(clicked_article__isnull=False)),
            max_results=Max("result_count"),
            example=Max("query"),
        )
        .order_by("-searches", "normalized")
    )
    gaps = []
    # Frequent queries first; the click-rate test needs the aggregates, so it runs here.
    for row in grouped[: limit * 5]:
        gap = QueryGap(row["example"], row["searches"], row["clicks"], row["max_results"])
        if gap.max_results == 0 or gap.click_rate < LOW_CLICK_RATE:
            gaps.append(gap)
    return gaps[:limit]
