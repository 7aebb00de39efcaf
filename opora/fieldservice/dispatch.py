"""Choosing a technician and a slot for a work order. Pure: no Django, no database, no clock.

A candidate qualifies when they hold every skill the job needs and cover the job's service area
(hard rules, never traded off). Among the qualified, each gets their earliest free slot inside
their working calendar, and a score from three soft factors, each in [0, 1]:

- proximity: 1 / (1 + distance / 25 km) from the technician's base to the job;
- spare capacity: 1 − (booked minutes / working minutes) over the horizon;
- promptness: 1 − (wait until the slot / horizon).

The weighted sum ranks them; ties go to the earlier slot, then the lower technician id, so the
same inputs always give the same proposal whatever order the candidates arrive in.
"""

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=30)
PROXIMITY_SCALE_KM = 25.0


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance (haversine), enough to tell near from far."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days (0 = Monday) and daily hours in the technician's own time zone."""

    days: frozenset[int]
    start: time
    end: time
    time_zone: str = "Europe/Moscow"

    def windows(self, first: date, last: date) -> Iterator[Interval]:
        zone = ZoneInfo(self.time_zone)
        day = first
        while day <= last:
            if day.weekday() in self.days and self.start < self.end:
                yield Interval(
                    datetime.combine(day, self.start, tzinfo=zone),
                    datetime.combine(day, self.end, tzinfo=zone),
                )
            day += timedelta(days=1)


@dataclass(frozen=True)
class Candidate:
    technician_id: int
    skills: frozenset[str]
    areas: frozenset[int]
    base: GeoPoint
    calendar: WorkingCalendar
    busy: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Job:
    required_skills: frozenset[str]
    area_id: int
    location: GeoPoint
    duration: timedelta
    earliest: datetime
    horizon: timedelta = timedelta(days=7)

    @property
    def latest(self) -> datetime:
        return self.earliest + self.horizon


@dataclass(frozen=True)
class Weights:
    proximity: float = 0.5
    capacity: float = 0.3
    promptness: float = 0.2


@dataclass(frozen=True)
class Proposal:
    technician_id: int
    slot: Interval
    score: float
    distance_km: float
    load_ratio: float


def missing_requirements(candidate: Candidate, job: Job) -> list[str]:
    """Why a candidate cannot take the job: missing skills (by code) and/or the area."""
    missing = [f"skill:{code}" for code in sorted(job.required_skills - candidate.skills)]
    if job.area_id not in candidate.areas:
        missing.append("area")
    return missing


def _round_up(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=moment.tzinfo)
    steps = math.ceil((moment - epoch) / step)
    return epoch + steps * step


def free_slots(
    calendar: WorkingCalendar,
    busy: Sequence[Interval],
    earliest: datetime,
    latest: datetime,
    duration: timedelta,
) -> Iterator[Interval]:
    """Slots of ``duration`` on the half-hour grid, inside working hours, clear of ``busy``,
    starting no earlier than ``earliest`` and ending no later than ``latest``."""
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    zone = ZoneInfo(calendar.time_zone)
    first = earliest.astimezone(zone).date()
    last = latest.astimezone(zone).date()
    for window in calendar.windows(first, last):
        start = max(window.start, _round_up(earliest.astimezone(zone), STEP))
        start = _round_up(start, STEP)
        while start + duration <= window.end and start + duration <= latest:
            slot = Interval(start, start + duration)
            if not any(slot.overlaps(taken) for taken in busy):
                yield slot
            start += STEP


def working_minutes(calendar: WorkingCalendar, earliest: datetime, latest: datetime) -> float:
    zone = ZoneInfo(calendar.time_zone)
    total = 0.0
    for window in calendar.windows(
        earliest.astimezone(zone).date(), latest.astimezone(zone).date()
    ):
        start, end = max(window.start, earliest), min(window.end, latest)
        if end > start:
            total += (end - start).total_seconds() / 60
    return total


def load_ratio(candidate: Candidate, job: Job) -> float:
    """Share of the candidate's working time over the horizon already booked, in [0, 1]."""
    available = working_minutes(candidate.calendar, job.earliest, job.latest)
    if available <= 0:
        return 1.0
    booked = 0.0
    for taken in candidate.busy:
        start, end = max(taken.start, job.earliest), min(taken.end, job.latest)
        if end > start:
            booked += (end - start).total_seconds() / 60
    return min(1.0, booked / available)


def score(
    distance: float, load: float, wait: timedelta, horizon: timedelta, weights: Weights
) -> float:
    proximity = 1.0 / (1.0 + max(0.0, distance) / PROXIMITY_SCALE_KM)
    capacity = 1.0 - min(1.0, max(0.0, load))
    promptness = 1.0 - min(1.0, max(0.0, wait / horizon)) if horizon > timedelta(0) else 0.0
    return (
        weights.proximity * proximity
        + weights.capacity * capacity
        + weights.promptness * promptness
    )


def evaluate(candidate: Candidate, job: Job, weights: Weights = Weights()) -> Proposal | None:
    """The candidate's best offer for the job, or None if they do not qualify or are full."""
    if missing_requirements(candidate, job):
        return None
    slot = next(
        free_slots(candidate.calendar, candidate.busy, job.earliest, job.latest, job.duration),
        None,
    )
    if slot is None:
        return None
    distance = distance_km(candidate.base, job.location)
    load = load_ratio(candidate, job)
    return Proposal(
        technician_id=candidate.technician_id,
        slot=slot,
        score=round(score(distance, load, slot.start - job.earliest, job.horizon, weights), 9),
        distance_km=round(distance, 1),
        load_ratio=round(load, 4),
    )


def propose(
    job: Job, candidates: Iterable[Candidate], weights: Weights = Weights(), limit: int = 3
) -> list[Proposal]:
    """The best ``limit`` proposals, best first."""
    offers = [offer for offer in (evaluate(c, job, weights) for c in candidates) if offer]
    offers.sort(key=lambda offer: (-offer.score, offer.slot.start, offer.technician_id))
    return offers[:limit]
