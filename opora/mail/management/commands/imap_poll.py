"""`opora imap_poll`: fetch new mail from every mailbox with IMAP settings (run from cron or a loop)."""

import time

from django.core.management.base import BaseCommand

from opora.mail.imap import poll_all


class Command(BaseCommand):
    help = "Poll the IMAP mailboxes once, or every --every seconds"

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="Keep polling at this interval (seconds)"
        )

    def handle(self, *args, every: int, **options):
        while True:
            for result in poll_all():
                self.stdout.write(f"{result.mailbox}: fetched {result.fetched} {result.statuses}")
            if not every:
                return
            time.sleep(every)
