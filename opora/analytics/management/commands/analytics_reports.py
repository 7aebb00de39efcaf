"""`opora analytics_reports`: queue today's scheduled e-mail reports (for cron)."""

from django.core.management.base import BaseCommand

from opora.analytics.tasks import send_due_reports


class Command(BaseCommand):
    help = "Queue the scheduled analytics e-mail reports due today"

    def handle(self, *args, **options):
        self.stdout.write(f"Queued {send_due_reports()} scheduled report(s)")
