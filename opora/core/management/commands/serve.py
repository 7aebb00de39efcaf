"""`opora serve`: the production web server (gunicorn), workers sized for the machine."""

import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Opora with gunicorn (production)"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("OPORA_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("OPORA_WORKERS", str(2 * (os.cpu_count() or 1)))),
        )
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, bind: str, workers: int, no_collectstatic: bool, **options):
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which(
            "gunicorn"
        )
        if gunicorn is None:
            raise CommandError("gunicorn is not installed")
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"Serving Opora on http://{bind}/ with {workers} workers (DEBUG={settings.DEBUG})"
        )
        os.execv(
            gunicorn,
            [
                gunicorn,
                "opora.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--max-requests",
                "5000",
                "--max-requests-jitter",
                "500",
            ],
        )
