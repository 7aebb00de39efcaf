"""`opora demo`: migrate, seed demo data once, start the task worker, serve on 127.0.0.1:8000."""

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from opora.core.demo import (
    DEMO_MAILBOX,
    DEMO_PASSWORD,
    DEMO_SMTP_PORT,
    STAFF,
    already_seeded,
    seed_app_demo_data,
    seed_demo,
)


class Command(BaseCommand):
    help = "Set up the embedded demo (SQLite + demo data) and serve it"

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Migrate and seed, then exit")
        parser.add_argument("--tickets", type=int, default=2000)

    def handle(self, *args, addr: str, no_serve: bool, tickets: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if already_seeded():
            self.stdout.write("Demo data already present; keeping it.")
        else:
            self.stdout.write("Seeding demo data…")
            summary = seed_demo(tickets=tickets)
            call_command("seed_knowledge")  # ru/en articles, and the search index over the tickets
            extra_lines = (
                seed_app_demo_data()
            )  # surveys, chats, QA, incidents… (each app's demo_data)
            self.stdout.write(
                f"Seeded {summary.tickets} tickets, {summary.messages} messages, {summary.customers} customers "
                f"in {summary.organisations} organisations, {summary.users} users."
            )
            for line in extra_lines:
                self.stdout.write(f"  {line}")
            self.stdout.write(f"API token for admin (shown once): {summary.api_token}")
        self.stdout.write(self.style.SUCCESS(f"\nOpora demo: http://{addr}/"))
        self.stdout.write(f"Log in with any of these, password «{DEMO_PASSWORD}»:")
        for username, first, last, role, _team, _language in STAFF:
            self.stdout.write(f"  {username:<8} {first} {last} ({role.label})")
        self.stdout.write("  client   a customer (portal)\n")
        if no_serve:
            return
        self.stdout.write(
            f"Mail to {DEMO_MAILBOX} at SMTP 127.0.0.1:{DEMO_SMTP_PORT} becomes a ticket; "
            "outgoing mail is printed here."
        )
        # Beside the web server: the task worker (replies, acknowledgements), the inbound SMTP
        # endpoint and the periodic jobs (SLA clocks, spooled mail).
        commands = [["worker"], ["smtpd", "--port", str(DEMO_SMTP_PORT)], ["scheduler"]]
        helpers = [
            subprocess.Popen([sys.executable, "-m", "opora.cli", *command]) for command in commands
        ]
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            for process in helpers:
                process.terminate()
                process.wait(timeout=10)
