"""`opora scheduler`: the periodic jobs in one long-running process, for deployments without cron
(and for `make demo`). Every job is idempotent, so two schedulers, a late run or a cron entry
beside it do no harm."""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# (dotted path of a function taking no arguments, seconds between runs)
PERIODIC_JOBS: list[tuple[str, int]] = [
    ("opora.core.task_recovery.requeue_orphaned", 60),
    ("opora.sla.scheduler.run_pass", 60),
    ("opora.automation.services.run_automations", 60),
    ("opora.mail.ingest.retry_spooled", 60),
    ("opora.mail.imap.poll_all", 60),
    ("opora.chat.services.file_stragglers", 60),
    ("opora.feedback.services.send_reminders", 3600),
    ("opora.feedback.services.schedule_nps_today", 3600),
    ("opora.api.idempotency.forget_old_keys", 3600),
    ("opora.feedback.reviews.request_reviews", 3600),
    ("opora.analytics.tasks.send_due_reports", 3600),
    ("opora.analytics.tasks.queue_rollup_refresh", 3600),
    ("opora.success.services.run_due_lifecycle_messages", 3600),
]


class Command(BaseCommand):
    help = "Run the periodic jobs (SLA, automations, mail, surveys, reports, lifecycle messages…) on their intervals"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit")

    def handle(self, *args, once: bool, **options):
        jobs = [(path, import_string(path), every) for path, every in PERIODIC_JOBS]
        next_run = {path: 0.0 for path, _job, _every in jobs}
        while True:
            for path, job, every in jobs:
                if time.monotonic() < next_run[path]:
                    continue
                next_run[path] = time.monotonic() + every
                if not once:
                    # A long-lived process must not keep a connection the database has dropped.
                    close_old_connections()
                try:
                    job()
                except Exception:  # one failing job (a mail server down) must not stop the others
                    logger.exception("periodic job %s failed", path)
                    if once:
                        raise
            if once:
                return
            time.sleep(1)
