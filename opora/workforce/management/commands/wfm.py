"""`opora wfm forecast|staff|schedule`: the workforce page's figures as tables or CSV."""

import csv
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.core.errors import InvalidInput
from opora.workforce import planning, reports, tracking
from opora.workforce.erlang import ErlangCRequirement
from opora.workforce.history import VolumeFilter


class Command(BaseCommand):
    help = "Workforce planning: forecast contacts, staff intervals (Erlang C), build a roster."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        forecast = actions.add_parser("forecast", help="contacts per interval, from next Monday")
        forecast.add_argument("--weeks", type=int, default=1, help="weeks to forecast")
        forecast.add_argument("--save", action="store_true", help="keep it to compare later")
        actions.add_parser("staff", help="agents needed per interval")
        schedule = actions.add_parser("schedule", help="roster and budget (CSV: the budget)")
        schedule.add_argument("--time-limit", type=float, default=10.0, help="seconds to solve")
        defaults = planning.PlanSettings()
        for action in (forecast, actions.choices["staff"], schedule):
            action.add_argument("--interval", type=int, choices=(15, 30, 60), default=30)
            action.add_argument("--channel", help="e.g. email, chat, phone")
            action.add_argument("--reason", type=int, help="contact reason id (with sub-reasons)")
            action.add_argument("--team", type=int, help="team id: its tickets and its agents")
            action.add_argument("--service-level", type=float, default=defaults.service_level * 100)
            action.add_argument(
                "--answer-within", type=float, default=defaults.answer_within_seconds
            )
            action.add_argument("--aht", type=float, default=defaults.aht_seconds)
            action.add_argument("--shrinkage", type=float, default=defaults.shrinkage * 100)
            action.add_argument("--csv", action="store_true", help="CSV instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = planning.PlanSettings(
            interval_minutes=options["interval"],
            volume=VolumeFilter(options["channel"], options["reason"], options["team"]),
            service_level=options["service_level"] / 100,
            answer_within_seconds=options["answer_within"],
            aht_seconds=options["aht"],
            shrinkage=options["shrinkage"] / 100,
            weeks=options.get("weeks", 1),
        )
        try:
            week = planning.forecast_next_week(plan, timezone.now())
            requirements = planning.staffing(week)
        except (InvalidInput, ValueError) as error:
            raise CommandError(getattr(error, "message", str(error))) from error
        rows = reports.requirement_rows(week, requirements)
        action = options["action"]
        if action == "forecast":
            self._forecast(week, rows, as_csv=options["csv"], save=options["save"])
        elif action == "staff":
            self._staff(rows, as_csv=options["csv"])
        else:
            self._schedule(week, requirements, options["time_limit"], as_csv=options["csv"])

    def _forecast(
        self,
        week: planning.WeekForecast,
        rows: list[reports.RequirementRow],
        *,
        as_csv: bool,
        save: bool,
    ) -> None:
        if save:
            tracking.save_forecast_run(week, created_by=None)
        if as_csv:
            self._csv(
                [("starts_at", "forecast", "lower", "upper")]
                + [
                    (
                        row.starts_at.isoformat(),
                        f"{row.forecast:.3f}",
                        f"{row.lower:.3f}",
                        f"{row.upper:.3f}",
                    )
                    for row in rows
                ]
            )
            return
        self._table(
            (_("Model"), "MAPE", "WAPE", _("WAPE vs seasonal-naive")),
            [
                (
                    row.model_name + (" *" if row.chosen else ""),
                    f"{row.mape_percent:.1f} %",
                    f"{row.wape_percent:.1f} %",
                    f"{row.wape_vs_baseline:.2f}",
                )
                for row in reports.accuracy_rows(week)
            ],
        )
        self.stdout.write("")
        self._table(
            (_("Starts"), _("Forecast"), _("Lower bound"), _("Upper bound")),
            [
                (
                    reports.interval_label(row.starts_at),
                    f"{row.forecast:.2f}",
                    f"{row.lower:.2f}",
                    f"{row.upper:.2f}",
                )
                for row in rows
            ],
        )

    def _staff(self, rows: list[reports.RequirementRow], *, as_csv: bool) -> None:
        if as_csv:
            self._csv(reports.requirement_csv_rows(rows))
            return
        self._table(
            (
                _("Starts"),
                _("Forecast"),
                _("Traffic, Erlangs"),
                _("Agents on the phones"),
                _("Paid agents (with shrinkage)"),
            ),
            [
                (
                    reports.interval_label(row.starts_at),
                    f"{row.forecast:.2f}",
                    f"{row.traffic_erlangs:.2f}",
                    str(row.agents_on_phones),
                    f"{row.paid_agents:.2f}",
                )
                for row in rows
            ],
        )

    def _schedule(
        self,
        week: planning.WeekForecast,
        requirements: list[ErlangCRequirement],
        time_limit: float,
        *,
        as_csv: bool,
    ) -> None:
        plan = planning.plan_roster(week, requirements, time_limit_seconds=time_limit)
        budget_rows = [*plan.budget.csv_rows(), plan.requirement_cost.csv_row()]
        if as_csv:
            self._csv(budget_rows)
            return
        roster = plan.roster
        self.stdout.write(
            _(
                "Solver: %(status)s in %(seconds).1f s; %(coverage).1f %% of required agent-hours covered."
            )
            % {
                "status": reports.solve_status_label(roster.status),
                "seconds": roster.solve_seconds,
                "coverage": roster.coverage * 100,
            }
        )
        self.stdout.write("")
        self._table(
            (_("Agent"), *reports.weekday_headers(), _("Paid hours")),
            [
                (row.agent, *(shift or "-" for shift in row.shifts), f"{row.paid_hours:.1f}")
                for row in reports.roster_rows(plan)
            ],
        )
        self.stdout.write("")
        for gap in roster.gaps:
            self.stdout.write(planning.gap_label(gap))
        if roster.fully_covered:
            self.stdout.write(_("Every interval is covered."))
        self.stdout.write("")
        self._table(budget_rows[0], budget_rows[1:])

    def _csv(self, rows: Sequence[Sequence[str]]) -> None:
        csv.writer(self.stdout, lineterminator="\n").writerows(rows)

    def _table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        widths = [
            max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)
        ]
        for row in (header, *rows):
            self.stdout.write(
                "  ".join(
                    str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
