"""`opora import FILE`: load a JSON export in one transaction — all of it, or none."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Import data from a JSON file written by `opora export`"

    def add_arguments(self, parser):
        parser.add_argument("input")

    def handle(self, *args, input: str, **options):
        with transaction.atomic():
            call_command("loaddata", input, verbosity=1, stdout=self.stdout)
