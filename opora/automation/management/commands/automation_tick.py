"""`opora automation_tick`: one pass of the time-based automations.

Run it from cron (`*/5 * * * * opora automation_tick`), or with `--enqueue` to hand the pass
to the task workers. Passes are idempotent: each automation fires once per ticket per stay in
its status, however often or late the pass runs.
"""

from opora.automation.services import run_automations
from opora.automation.tasks import run_automation_pass
from opora.core.management.passes import PassCommand


class Command(PassCommand):
    help = "Run the time-based automations once"
    pass_name = "automation"

    def run_pass(self):
        return run_automations()

    def pass_task(self):
        return run_automation_pass

    def summarise(self, report) -> str:
        return f"{report.fired} fired, {report.refused} refused, {len(report.tickets)} tickets"
