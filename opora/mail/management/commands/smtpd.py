"""`opora smtpd`: run the inbound SMTP endpoint (put it behind your MX or a relay)."""

import time

from django.core.management.base import BaseCommand

from opora.mail import ingest
from opora.mail.smtpd import make_controller


class Command(BaseCommand):
    help = "Accept mail for the configured mailboxes over SMTP"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args, host: str, port: int, **options):
        # Mail spooled before a crash or an outage is finished first.
        retried = ingest.retry_spooled()
        if retried:
            self.stdout.write(f"Finished {len(retried)} spooled message(s)")
        controller = make_controller(host, port)
        controller.start()
        self.stdout.write(
            self.style.SUCCESS(
                f"Opora SMTP endpoint on {host}:{port} for {sorted(ingest.mailbox_addresses())}"
            )
        )
        try:
            while True:
                time.sleep(60)
                ingest.retry_spooled()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
