"""Background work of automation, through Django's tasks framework."""

from dataclasses import asdict
from typing import Any

from django_tasks import task

from .services import run_automations


@task()
def run_automation_pass() -> dict[str, Any]:
    """One pass of the time-based automations; safe to run late, twice or concurrently."""
    return asdict(run_automations())
