"""SLA configuration (business calendars, policies) and each ticket's SLA clocks.

The clock arithmetic itself is pure and lives in :mod:`opora.sla.clock`; these models store
what it needs as validated data and the outcome per ticket (one row per target).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_package
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import Ticket

from . import clock
from .conditions import ConditionError, Conditions, parse_conditions

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEKLY_HOURS = {day: [["09:00", "18:00"]] for day in WEEKDAYS[:5]}
# Official holidays are loaded for a window of years around today; later dates follow the
# plain weekly hours (the package cannot know future decrees anyway).
HOLIDAY_YEARS_BEHIND, HOLIDAY_YEARS_AHEAD = 1, 2
MAX_TARGET_MINUTES = 60 * 24 * 366
MAX_TARGET_SPAN = timedelta(days=366)


def _default_weekly_hours() -> dict[str, list[list[str]]]:
    return {
        day: [list(interval) for interval in hours] for day, hours in DEFAULT_WEEKLY_HOURS.items()
    }


def path_error(field: str, path: str, message: str) -> ValidationError:
    """A validation error on ``field`` that remembers where inside the field's JSON it is, so the
    API can name ``weekly_hours.monday.0`` while the admin shows the message under the field."""
    return ValidationError(
        "%(path)s: %(detail)s" if path else "%(detail)s",
        params={"field": field, "path": path, "detail": message},
        # Not "invalid": a ModelForm would replace the message with its field's generic one.
        code="sla_setting",
    )


def _parse_wall_time(text: object) -> time:
    """ "HH:MM" as a wall-clock time; "24:00" is the end of the day."""
    if text == "24:00":
        return clock.MIDNIGHT
    try:
        if not isinstance(text, str) or len(text) != 5:
            raise ValueError(text)
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(
            str(_("%(value)r is not a time; use HH:MM, e.g. 09:00")) % {"value": text}
        ) from None


def _parse_dates(field: str, values: object, errors: list[ValidationError]) -> frozenset[date]:
    if not isinstance(values, list):
        errors.append(path_error(field, "", str(_("must be a list of dates (YYYY-MM-DD)"))))
        return frozenset()
    parsed = set()
    for index, value in enumerate(values):
        try:
            parsed.add(date.fromisoformat(value))
        except (TypeError, ValueError):
            errors.append(
                path_error(
                    field,
                    str(index),
                    str(_("%(value)r is not a date (YYYY-MM-DD)")) % {"value": value},
                )
            )
    return frozenset(parsed)


class BusinessCalendar(models.Model):
    """When SLA clocks run: weekly hours in one time zone, minus holidays, plus extra working days."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    weekly_hours = models.JSONField(
        _("weekly working hours"),
        default=_default_weekly_hours,
        help_text=_(
            'Per weekday, a list of [opens, closes] wall-clock times, e.g. {"monday": '
            '[["09:00", "13:00"], ["14:00", "18:00"]]}; a missing day is closed; "24:00" is '
            "the end of the day."
        ),
    )
    country = models.CharField(
        _("public holidays of country"),
        max_length=2,
        default="RU",
        blank=True,
        help_text=_("ISO country code for the holidays package; empty for no public holidays."),
    )
    holidays = models.JSONField(
        _("own holidays"), default=list, blank=True, help_text=_("Dates as YYYY-MM-DD.")
    )
    extra_working_days = models.JSONField(
        _("extra working days"),
        default=list,
        blank=True,
        help_text=_("Dates as YYYY-MM-DD, worked with Monday's hours."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: list[ValidationError] = []
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(path_error("time_zone", "", str(_("unknown IANA time zone"))))
        self.country = self.country.upper()
        if self.country and self.country not in holidays_package.list_supported_countries():
            errors.append(
                path_error(
                    "country",
                    "",
                    str(_("%(value)r is not a country the holidays package knows"))
                    % {"value": self.country},
                )
            )
        self._check_weekly_hours(errors)
        own_holidays = _parse_dates("holidays", self.holidays, errors)
        own_working_days = _parse_dates("extra_working_days", self.extra_working_days, errors)
        if both := own_holidays & own_working_days:
            errors.append(
                path_error(
                    "extra_working_days",
                    "",
                    str(_("also listed as holidays: %(dates)s"))
                    % {"dates": ", ".join(sorted(map(str, both)))},
                )
            )
        if not errors and not any(self.weekly_hours.values()):
            errors.append(path_error("weekly_hours", "", str(_("there is no working time at all"))))
        if not errors:
            try:
                self.as_clock()
            except ValueError:
                # The only rule left for the clock to refuse: transferred working days (and
                # own extra working days) are worked with Monday's hours.
                errors.append(
                    path_error(
                        "weekly_hours",
                        "monday",
                        str(_("extra working days are worked with Monday's hours; set them")),
                    )
                )
        if errors:
            by_field: dict[str, list[ValidationError]] = {}
            for error in errors:
                by_field.setdefault(error.params["field"], []).append(error)
            raise ValidationError(by_field)

    def _check_weekly_hours(self, errors: list[ValidationError]) -> None:
        data = self.weekly_hours
        if not isinstance(data, dict):
            errors.append(
                path_error("weekly_hours", "", str(_("must be an object keyed by weekday")))
            )
            return
        for key in data:
            if key not in WEEKDAYS:
                errors.append(
                    path_error(
                        "weekly_hours",
                        str(key),
                        str(_("not a weekday; use %(days)s")) % {"days": ", ".join(WEEKDAYS)},
                    )
                )
        for day in WEEKDAYS:
            intervals = data.get(day) or []
            if not isinstance(intervals, list):
                errors.append(
                    path_error("weekly_hours", day, str(_("must be a list of [opens, closes]")))
                )
                continue
            previous: clock.WorkingInterval | None = None
            for index, pair in enumerate(intervals):
                path = f"{day}.{index}"
                if not isinstance(pair, list) or len(pair) != 2:
                    errors.append(
                        path_error(
                            "weekly_hours",
                            path,
                            str(_('use [opens, closes], e.g. ["09:00", "18:00"]')),
                        )
                    )
                    continue
                try:
                    opens, closes = (_parse_wall_time(value) for value in pair)
                except ValueError as error:
                    errors.append(path_error("weekly_hours", path, str(error)))
                    continue
                if closes != clock.MIDNIGHT and closes <= opens:
                    errors.append(
                        path_error(
                            "weekly_hours",
                            path,
                            str(_("closes before it opens; split a night shift over two days")),
                        )
                    )
                    continue
                interval = clock.WorkingInterval(opens, closes)
                if previous is not None and interval.start_offset < previous.end_offset:
                    errors.append(
                        path_error(
                            "weekly_hours",
                            path,
                            str(_("overlaps or precedes the previous interval of the day")),
                        )
                    )
                previous = interval

    def as_clock(self, today: date | None = None) -> clock.BusinessCalendar:
        """The calendar as :mod:`opora.sla.clock` uses it (cached per content, so edits apply at once)."""
        year = (today or timezone.now().date()).year
        return _clock_calendar(
            self.time_zone,
            json.dumps(self.weekly_hours, sort_keys=True),
            self.country.upper(),
            tuple(sorted(self.holidays)),
            tuple(sorted(self.extra_working_days)),
            year,
        )


@lru_cache(maxsize=128)
def _clock_calendar(
    time_zone: str,
    weekly_hours_json: str,
    country: str,
    own_holidays: tuple[str, ...],
    own_working_days: tuple[str, ...],
    year: int,
) -> clock.BusinessCalendar:
    # Loading a country's holidays takes milliseconds; every argument is the calendar's content,
    # so a cached value is never stale, only unused after an edit.
    weekly = tuple(
        tuple(
            clock.WorkingInterval(_parse_wall_time(opens), _parse_wall_time(closes))
            for opens, closes in json.loads(weekly_hours_json).get(day) or []
        )
        for day in WEEKDAYS
    )
    holidays = frozenset(map(date.fromisoformat, own_holidays))
    working_days = frozenset(map(date.fromisoformat, own_working_days))
    if country:
        return clock.BusinessCalendar.for_country(
            time_zone,
            weekly,
            years=range(year - HOLIDAY_YEARS_BEHIND, year + HOLIDAY_YEARS_AHEAD + 1),
            country=country,
            extra_holidays=holidays,
            extra_working_days=working_days,
        )
    return clock.BusinessCalendar(
        time_zone=time_zone,
        weekly_hours=weekly,
        holidays=holidays,
        extra_working_days=working_days,
        extra_working_day_hours=weekly[0] if working_days else (),
    )


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


RESPONSE_KINDS = (TargetKind.FIRST_RESPONSE, TargetKind.NEXT_RESPONSE)


@dataclass(frozen=True, slots=True)
class BreachActions:
    """What happens once when a target is breached."""

    notify: bool = True  # e-mail the assignee and the team lead
    raise_priority: bool = False  # one step, up to urgent
    move_line: bool = False  # to a team of the next support line


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    """What a ticket is promised: a policy's targets, or the default promise."""

    policy: SlaPolicy | None
    minutes: dict[str, int]  # TargetKind → target minutes; a kind without a target is absent
    calendar: clock.BusinessCalendar
    warning_threshold_percent: int


DEFAULT_PROMISE_MINUTES = 24 * 60
DEFAULT_WARNING_THRESHOLD_PERCENT = 80


def default_terms() -> PolicyTerms:
    """PRODUCT.md's default promise when no policy matches: a human reply within 24 hours,
    in calendar time, for the first reply and every later one."""
    return PolicyTerms(
        policy=None,
        minutes={
            TargetKind.FIRST_RESPONSE: DEFAULT_PROMISE_MINUTES,
            TargetKind.NEXT_RESPONSE: DEFAULT_PROMISE_MINUTES,
        },
        calendar=clock.CALENDAR_24_7,
        warning_threshold_percent=DEFAULT_WARNING_THRESHOLD_PERCENT,
    )


class SlaPolicy(models.Model):
    """Targets for the tickets its conditions match; the first active policy by position wins."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Policies are tried in ascending position.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(
        _("conditions"),
        default=dict,
        blank=True,
        help_text=_(
            'Which tickets the policy covers, e.g. {"priorities": ["high", "urgent"], "tiers": '
            '["vip"], "channels": ["email"], "organisation_ids": [3], "reason_ids": [7], '
            '"languages": ["ru"]}. Empty means every ticket; a reason covers its sub-reasons.'
        ),
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response target (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response target (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution target (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text=_("Empty: targets run in calendar time, 24/7."),
    )
    warning_threshold_percent = models.PositiveSmallIntegerField(
        _("warning threshold (percent of target)"),
        default=DEFAULT_WARNING_THRESHOLD_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    notify_on_breach = models.BooleanField(
        _("on breach, e-mail the assignee and team lead"), default=True
    )
    raise_priority_on_breach = models.BooleanField(
        _("on breach, raise the priority one step"), default=False
    )
    escalate_line_on_breach = models.BooleanField(
        _("on breach, move to the next support line"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    @property
    def parsed_conditions(self) -> Conditions:
        return parse_conditions(self.conditions)

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            parse_conditions(self.conditions)
        except ConditionError as error:
            errors["conditions"] = [
                path_error("conditions", path, message) for path, message in error.errors.items()
            ]
        if not errors.get("conditions") and self.calendar_id:
            errors.update(self._unreachable_targets())
        if not any(self.minutes_by_kind().values()):
            errors["first_response_minutes"] = [
                path_error(
                    "first_response_minutes",
                    "",
                    str(_("set at least one target: first response, next response or resolution")),
                )
            ]
        if errors:
            raise ValidationError(errors)

    def _unreachable_targets(self) -> dict[str, list[ValidationError]]:
        """Targets the calendar could not meet within a sane horizon (a calendar open one
        hour a month and a target of weeks): refused now rather than met in a decade."""
        calendar = self.calendar.as_clock()
        now = timezone.now()
        errors = {}
        for kind, minutes in self.minutes_by_kind().items():
            if not minutes:
                continue
            try:
                reachable = clock.deadline(calendar, now, minutes) - now <= MAX_TARGET_SPAN
            except clock.NoWorkingTimeError:
                reachable = False
            if not reachable:
                field = f"{kind}_minutes"
                errors[field] = [
                    path_error(
                        field,
                        "",
                        str(
                            _("the calendar has too little working time to meet this within a year")
                        ),
                    )
                ]
        return errors

    def minutes_by_kind(self) -> dict[str, int | None]:
        return {
            TargetKind.FIRST_RESPONSE: self.first_response_minutes,
            TargetKind.NEXT_RESPONSE: self.next_response_minutes,
            TargetKind.RESOLUTION: self.resolution_minutes,
        }

    def terms(self) -> PolicyTerms:
        return PolicyTerms(
            policy=self,
            minutes={kind: minutes for kind, minutes in self.minutes_by_kind().items() if minutes},
            calendar=self.calendar.as_clock() if self.calendar_id else clock.CALENDAR_24_7,
            warning_threshold_percent=self.warning_threshold_percent,
        )

    @property
    def breach_actions(self) -> BreachActions:
        return BreachActions(
            notify=self.notify_on_breach,
            raise_priority=self.raise_priority_on_breach,
            move_line=self.escalate_line_on_breach,
        )


def terms_of(policy: SlaPolicy | None) -> PolicyTerms:
    return default_terms() if policy is None else policy.terms()


def breach_actions_of(policy: SlaPolicy | None) -> BreachActions:
    """The default promise only notifies: it is a courtesy, not a contract to enforce."""
    return BreachActions() if policy is None else policy.breach_actions


class TicketSla(models.Model):
    """A ticket's SLA clock: the policy it is measured against and when the clock stood still.

    The clock stops while the ticket is pending on the customer and between a solve and a
    reopen; ``pauses`` holds the closed spans, ``paused_since`` the open one.
    """

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="sla"
    )
    # Null: no policy matched, the default promise applies.
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    pauses = models.JSONField(default=list, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ticket SLA clock")
        verbose_name_plural = _("ticket SLA clocks")

    def __str__(self) -> str:
        return f"SLA #{self.ticket_id}"

    def paused_spans(self) -> list[clock.PausedSpan]:
        return [
            (datetime.fromisoformat(start), datetime.fromisoformat(end))
            for start, end in self.pauses
        ]

    def stop(self, at: datetime) -> None:
        if self.paused_since is None:
            self.paused_since = at

    def start(self, at: datetime) -> None:
        if self.paused_since is not None:
            if at > self.paused_since:
                span = (self.paused_since.astimezone(UTC), at.astimezone(UTC))
                self.pauses.append([moment.isoformat() for moment in span])
            self.paused_since = None


class TargetStatus(models.TextChoices):
    ACTIVE = "active", _("Running")
    PAUSED = "paused", _("Paused")
    BREACHED = "breached", _("Breached")
    ACHIEVED = "achieved", _("Achieved")
    # The target no longer applies: the ticket was solved or closed without it, or a
    # re-matched policy has no such target.
    STOPPED = "stopped", _("Stopped")


LIVE_STATUSES = (TargetStatus.ACTIVE, TargetStatus.PAUSED, TargetStatus.BREACHED)


class SlaTarget(models.Model):
    """One promise on one ticket ("first response within 4 business hours") and how it went.

    ``due_at`` and ``warn_at`` are precomputed with the business calendar and pauses, so the
    scheduler finds warnings and breaches with plain indexed comparisons. While paused both are
    empty: the deadline is unknown until the clock runs again. ``breached_at`` is the moment the
    target was missed (its due time), whenever that was noticed.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_targets")
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="targets"
    )
    kind = models.CharField(_("target"), max_length=20, choices=TargetKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TargetStatus.choices, default=TargetStatus.ACTIVE
    )
    target_minutes = models.PositiveIntegerField(_("target (minutes)"))
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    achieved_at = models.DateTimeField(_("achieved"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(status__in=LIVE_STATUSES),
                name="sla_one_live_target_per_kind",
            ),
        ]
        indexes = [
            # SLA attainment reports select targets by when they started (opora.analytics).
            models.Index(fields=["started_at"], name="sla_target_started_at"),
            # The scheduler's three questions, each answered from a small partial index.
            models.Index(
                fields=["due_at"], condition=Q(status=TargetStatus.ACTIVE), name="sla_active_due"
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(status=TargetStatus.ACTIVE, warned_at__isnull=True),
                name="sla_unwarned_warn",
            ),
            models.Index(
                fields=["ticket"],
                condition=Q(status=TargetStatus.BREACHED, escalated_at__isnull=True),
                name="sla_unescalated",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_late(self) -> bool:
        return self.breached_at is not None
