"""`opora export [FILE]`: every record as JSON (stdout by default), for backups and moves."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

EXPORTED_APPS = ["accounts", "customers", "tickets"]


class Command(BaseCommand):
    help = "Export all Opora data as JSON"

    def add_arguments(self, parser):
        parser.add_argument(
            "output", nargs="?", default=None, help="File to write (default: stdout)"
        )

    def handle(self, *args, output: str | None, **options):
        call_command(
            "dumpdata",
            *EXPORTED_APPS,
            indent=1,
            natural_foreign=False,
            output=output,
            stdout=self.stdout,
        )
