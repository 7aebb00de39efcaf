"""`opora worker`: the database task backend's worker, named after its host and process so that
a job it dies holding is run again (opora/core/task_recovery.py). Same options as `db_worker`."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from opora.core import task_recovery


class Command(DatabaseWorkerCommand):
    help = "Run background jobs; jobs left by dead workers go back to the queue first"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=None)

    def handle(self, *args, **options):
        options["worker_id"] = options["worker_id"] or task_recovery.worker_id()
        requeued = task_recovery.requeue_orphaned()
        if requeued:
            self.stderr.write(
                f"Requeued {len(requeued)} job(s) left by dead workers: {', '.join(requeued)}"
            )
        super().handle(*args, **options)
