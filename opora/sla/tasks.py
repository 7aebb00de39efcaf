"""Background work of the SLA clocks, through Django's tasks framework."""

from dataclasses import asdict
from typing import Any

from django_tasks import task

from .scheduler import run_pass


@task()
def evaluate_sla_targets() -> dict[str, Any]:
    """One scheduler pass (see opora.sla.scheduler); safe to run late, twice or concurrently."""
    return asdict(run_pass())
