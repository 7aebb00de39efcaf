"""Background jobs survive a worker that dies mid-task (killed, out of memory, machine lost).

The database task backend marks a job RUNNING when a worker claims it and never looks back, so a
worker killed half-way would leave its job RUNNING for ever. `opora worker` names itself after
its host and process (`opora:<host>:<pid>:<random>`); a job whose worker is gone goes back to the
queue and runs again:

- on the worker's own host a dead process is certain, so `opora worker` returns such jobs at
  start-up and the scheduler every minute;
- for a worker on another machine only time tells: a job RUNNING longer than
  ``OPORA_TASK_LEASE_SECONDS`` (longer than any job takes) is taken to be orphaned.

Jobs are written so that running one again does its effect once: each checks the state its
effect leaves (an envelope already SENT, an invitation already sent) before acting. A job that has
killed ``OPORA_TASK_MAX_CLAIMS`` workers is failed instead of handed to another.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

WORKER_PREFIX = "opora"


class WorkerLost(Exception):
    """Recorded on a job failed because the workers running it kept dying."""


def _host_label(host: str) -> str:
    # Ids are colon-separated and the backend keeps at most 64 characters of one.
    return host.replace(":", "-")[:30]


def worker_id(host: str | None = None, pid: int | None = None) -> str:
    """An id that says where the worker runs."""
    host = _host_label(host or socket.gethostname())
    return f"{WORKER_PREFIX}:{host}:{pid or os.getpid()}:{get_random_string(8)}"


@dataclass(frozen=True)
class WorkerPlace:
    host: str
    pid: int


def worker_place(worker: str) -> WorkerPlace | None:
    """Host and process of an `opora worker` id; None for ids given by hand or by `db_worker`."""
    parts = worker.split(":")
    if len(parts) != 4 or parts[0] != WORKER_PREFIX or not parts[2].isdigit():
        return None
    return WorkerPlace(host=parts[1], pid=int(parts[2]))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


def is_orphaned(
    worker: str,
    started_at: datetime | None,
    *,
    now: datetime,
    lease: timedelta,
    this_host: str,
    alive=process_alive,
) -> bool:
    """Whether a RUNNING job's worker is gone: certainly (its process on this host has ended) or
    by the lease (it has run longer than any job may)."""
    place = worker_place(worker)
    if place is not None and place.host == _host_label(this_host) and not alive(place.pid):
        return True
    return started_at is None or now - started_at > lease


def requeue_orphaned(now: datetime | None = None) -> list[str]:
    """Put the jobs of dead workers back in the queue (or fail them after too many claims).
    Returns the ids of the jobs requeued."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.OPORA_TASK_LEASE_SECONDS)
    this_host = socket.gethostname()
    requeued = []
    with transaction.atomic():
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).select_for_update(
            skip_locked=True
        )
        for job in running:
            last_worker = job.worker_ids[-1] if job.worker_ids else ""
            if not is_orphaned(
                last_worker, job.started_at, now=now, lease=lease, this_host=this_host
            ):
                continue
            if len(job.worker_ids) >= settings.OPORA_TASK_MAX_CLAIMS:
                job.set_failed(
                    WorkerLost(
                        f"The worker running this job died {len(job.worker_ids)} times "
                        f"({', '.join(job.worker_ids)}); it is not handed to another."
                    )
                )
                logger.error("job %s (%s) failed: its workers kept dying", job.pk, job.task_path)
                continue
            job.status = TaskResultStatus.READY
            job.started_at = None
            job.save(update_fields=["status", "started_at"])
            logger.warning(
                "job %s (%s) requeued: worker %s is gone", job.pk, job.task_path, last_worker
            )
            requeued.append(str(job.pk))
    return requeued
