"""Contact volume per interval from the tickets, counted by the database in one query.

Each ticket is one contact at its ``created_at``.  Buckets are taken on the local clock
of the grid's start (``Trunc`` to the hour in that time zone, plus the minute of the hour
divided by the interval length), which both SQLite and PostgreSQL do in SQL, so the cost
in Python grows with the number of intervals, never with the number of tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Count, IntegerField, Q, QuerySet
from django.db.models.functions import Cast, ExtractMinute, TruncHour

from opora.tickets.models import Ticket

from .forecast import IntervalSeries


@dataclass(frozen=True, slots=True)
class VolumeFilter:
    """Which contacts count: ``None`` is every channel / reason / team.  A contact reason
    includes its sub-reasons."""

    channel: str | None = None
    reason_id: int | None = None
    team_id: int | None = None

    def tickets(self) -> QuerySet[Ticket]:
        tickets = Ticket.objects.all()
        if self.channel:
            tickets = tickets.filter(channel=self.channel)
        if self.reason_id:
            tickets = tickets.filter(
                Q(reason_id=self.reason_id) | Q(reason__parent_id=self.reason_id)
            )
        if self.team_id:
            tickets = tickets.filter(team_id=self.team_id)
        return tickets


EVERY_CONTACT = VolumeFilter()


def interval_history(
    start: datetime,
    end: datetime,
    interval_minutes: int,
    volume: VolumeFilter = EVERY_CONTACT,
) -> IntervalSeries:
    """Contacts per interval in [start, end), on the grid of ``start`` (local midnight, say)."""
    grid = _grid(start, end, interval_minutes)
    rows = _bucket_counts(volume.tickets(), grid, segment_fields=())
    return _series(grid, rows)


def interval_history_by_segment(
    start: datetime, end: datetime, interval_minutes: int
) -> dict[tuple[str, int | None], IntervalSeries]:
    """Contacts per interval for every (channel, contact reason id) that had any."""
    grid = _grid(start, end, interval_minutes)
    rows = _bucket_counts(Ticket.objects.all(), grid, segment_fields=("channel", "reason_id"))
    segments: dict[tuple[str, int | None], list[dict]] = {}
    for row in rows:
        segments.setdefault((row["channel"], row["reason_id"]), []).append(row)
    return {segment: _series(grid, segment_rows) for segment, segment_rows in segments.items()}


@dataclass(frozen=True, slots=True)
class _Grid:
    start: datetime
    interval_minutes: int
    length: int

    @property
    def end(self) -> datetime:
        # Through UTC: elapsed time, not wall-clock time, across a daylight-saving change.
        elapsed = timedelta(minutes=self.interval_minutes * self.length)
        return (self.start.astimezone(UTC) + elapsed).astimezone(self.start.tzinfo)


def _grid(start: datetime, end: datetime, interval_minutes: int) -> _Grid:
    if not isinstance(start.tzinfo, ZoneInfo):
        raise ValueError("start must carry a ZoneInfo time zone (the local clock to bucket on)")
    # Validates the interval length the same way the forecast does.
    IntervalSeries(start, interval_minutes, np.zeros(0))
    elapsed_minutes = (end.timestamp() - start.timestamp()) / 60.0
    if elapsed_minutes < 0:
        raise ValueError("end must not be before start")
    return _Grid(start, interval_minutes, int(elapsed_minutes // interval_minutes))


def _bucket_counts(
    tickets: QuerySet[Ticket], grid: _Grid, segment_fields: Sequence[str]
) -> list[dict]:
    zone = grid.start.tzinfo
    return list(
        tickets.filter(created_at__gte=grid.start, created_at__lt=grid.end)
        .order_by()
        .annotate(
            hour=TruncHour("created_at", tzinfo=zone),
            # An integer over an integer divides to an integer on both databases.
            slot_of_hour=Cast(ExtractMinute("created_at", tzinfo=zone), IntegerField())
            / grid.interval_minutes,
        )
        .values("hour", "slot_of_hour", *segment_fields)
        .annotate(contacts=Count("pk"))
    )


def _series(grid: _Grid, rows: Sequence[dict]) -> IntervalSeries:
    counts = np.zeros(grid.length)
    if rows:
        interval_seconds = grid.interval_minutes * 60
        # Elapsed seconds from the grid start (POSIX timestamps), so a daylight-saving
        # change does not shift the buckets.
        offsets = np.array(
            [row["hour"].timestamp() + row["slot_of_hour"] * interval_seconds for row in rows]
        )
        index = ((offsets - grid.start.timestamp()) // interval_seconds).astype(np.int64)
        np.add.at(counts, index, [row["contacts"] for row in rows])
    return IntervalSeries(grid.start, grid.interval_minutes, counts)
