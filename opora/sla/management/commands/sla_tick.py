"""`opora sla_tick`: one SLA scheduler pass — warnings, breaches, escalations.

Run it from cron every minute (`* * * * * opora sla_tick`), or with `--enqueue` to hand the
pass to the task workers (`opora db_worker`) so the cron host does no database work itself.
Passes are idempotent, so an overlapping or repeated run does no harm.
"""

from django.core.management.base import BaseCommand

from opora.sla.scheduler import run_pass
from opora.sla.tasks import evaluate_sla_targets


class Command(BaseCommand):
    help = "Run one SLA scheduler pass: mark warnings and breaches, escalate breaches"

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Put the pass on the task queue for a worker instead of running it here",
        )

    def handle(self, *args, enqueue: bool, **options):
        if enqueue:
            result = evaluate_sla_targets.enqueue()
            self.stdout.write(f"enqueued SLA pass {result.id}")
            return
        report = run_pass()
        self.stdout.write(
            f"SLA pass: {report.breached} breached, {report.warned} warned, "
            f"{report.escalated} escalated, {report.emails} e-mails, "
            f"{len(report.tickets_changed)} tickets changed, {report.stopped} stopped"
        )
