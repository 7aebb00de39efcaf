"""A base for commands that run one periodic pass here, or hand it to the task workers."""

from typing import Any

from django.core.management.base import BaseCommand


class PassCommand(BaseCommand):
    """Subclasses name the pass and its task, and say how to summarise a pass's report."""

    pass_name = ""

    def run_pass(self) -> Any:
        raise NotImplementedError

    def pass_task(self) -> Any:
        raise NotImplementedError

    def summarise(self, report: Any) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Put the pass on the task queue for a worker instead of running it here",
        )

    def handle(self, *args, enqueue: bool, **options):
        if enqueue:
            result = self.pass_task().enqueue()
            self.stdout.write(f"enqueued {self.pass_name} pass {result.id}")
            return
        self.stdout.write(f"{self.pass_name} pass: {self.summarise(self.run_pass())}")
