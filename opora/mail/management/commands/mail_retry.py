"""`opora mail_retry`: finish mail left in the spool by a database outage (safe to run from cron)."""

from collections import Counter

from django.core.management.base import BaseCommand

from opora.mail.ingest import retry_spooled


class Command(BaseCommand):
    help = "Process mail still waiting in the spool"

    def handle(self, *args, **options):
        results = retry_spooled()
        counts = Counter(result.status for result in results)
        self.stdout.write(
            ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
            or "spool empty"
        )
