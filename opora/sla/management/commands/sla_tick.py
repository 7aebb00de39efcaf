"""`opora sla_tick`: one SLA scheduler pass — warnings, breaches, escalations.

Run it from cron every minute (`* * * * * opora sla_tick`), or with `--enqueue` to hand the
pass to the task workers (`opora worker`) so the cron host does no database work itself.
Passes are idempotent, so an overlapping or repeated run does no harm.
"""

from opora.core.management.passes import PassCommand
from opora.sla.scheduler import run_pass
from opora.sla.tasks import evaluate_sla_targets


class Command(PassCommand):
    help = "Run one SLA scheduler pass: mark warnings and breaches, escalate breaches"
    pass_name = "SLA"

    def run_pass(self):
        return run_pass()

    def pass_task(self):
        return evaluate_sla_targets

    def summarise(self, report) -> str:
        return (
            f"{report.breached} breached, {report.warned} warned, {report.escalated} escalated, "
            f"{report.emails} e-mails, {len(report.tickets_changed)} tickets changed, {report.stopped} stopped"
        )
