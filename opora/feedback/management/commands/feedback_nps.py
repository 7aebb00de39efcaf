"""`opora feedback_nps [--date YYYY-MM-DD]`: invite today's share of customers to the NPS survey.

Run it daily (cron or a scheduler); each customer's day in the period comes from a hash of their
id, so the sends spread evenly over the period instead of going out at once."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from opora.feedback import services


class Command(BaseCommand):
    help = "Invite the customers whose NPS day is today (or --date)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, default=None)

    def handle(self, *args, **options) -> None:
        invitations = services.schedule_nps(options["date"] or timezone.localdate())
        self.stdout.write(f"{len(invitations)} NPS invitations")
