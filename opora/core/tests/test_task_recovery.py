"""Jobs of dead workers go back to the queue; live workers' jobs are left alone.
(The real kill, with a worker process and an SMTP server, is in tests/faults.)"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from opora.core import task_recovery
from opora.mail.tasks import send_envelope

LEASE = timedelta(minutes=30)
NOW = timezone.now()


def orphaned(worker, started_ago, alive=lambda pid: True, host="desk-1"):
    return task_recovery.is_orphaned(
        worker, NOW - started_ago, now=NOW, lease=LEASE, this_host=host, alive=alive
    )


def test_worker_ids_name_host_and_process():
    worker = task_recovery.worker_id(host="desk:1.example", pid=4242)
    assert len(worker) <= 64
    assert task_recovery.worker_place(worker) == task_recovery.WorkerPlace("desk-1.example", 4242)
    assert task_recovery.worker_place("a3f9c0random") is None


def test_a_dead_process_on_this_host_is_certain_at_once():
    worker = task_recovery.worker_id(host="desk-1", pid=4242)
    assert orphaned(worker, timedelta(seconds=5), alive=lambda pid: pid != 4242)
    assert not orphaned(worker, timedelta(seconds=5), alive=lambda pid: True)


def test_another_host_or_an_unknown_worker_is_judged_by_the_lease():
    elsewhere = task_recovery.worker_id(host="desk-2", pid=4242)
    dead = lambda pid: False  # noqa: E731 - a pid on this host says nothing about desk-2
    assert not orphaned(elsewhere, LEASE - timedelta(seconds=1), alive=dead)
    assert orphaned(elsewhere, LEASE + timedelta(seconds=1), alive=dead)
    assert not orphaned("handmade-id", LEASE / 2)
    assert orphaned("handmade-id", LEASE * 2)


@given(started_ago=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
def test_past_the_lease_every_job_is_orphaned_and_within_it_only_dead_local_ones(started_ago):
    local = task_recovery.worker_id(host="desk-1", pid=7)
    assert orphaned(local, started_ago, alive=lambda pid: False)
    assert orphaned(local, started_ago, alive=lambda pid: True) == (started_ago > LEASE)


def _running(worker_ids, started_ago=timedelta(seconds=10)):
    result = send_envelope.enqueue(1)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started_ago,
        worker_ids=worker_ids,
    )
    return result.id


@pytest.mark.django_db
def test_requeue_returns_dead_workers_jobs_and_fails_the_ones_that_keep_killing(settings):
    settings.OPORA_TASK_MAX_CLAIMS = 2
    dead = task_recovery.worker_id(pid=2**22 + 17)  # above Linux's pid_max: never a live process
    alive = task_recovery.worker_id()  # this very process
    requeue = _running([dead])
    spare = _running([alive])
    give_up = _running([task_recovery.worker_id(pid=2**22 + 18), dead])
    stale = _running(["handmade-id"], started_ago=timedelta(hours=2))

    assert sorted(task_recovery.requeue_orphaned()) == sorted([str(requeue), str(stale)])
    jobs = {str(job.pk): job for job in DBTaskResult.objects.all()}
    assert jobs[requeue].status == TaskResultStatus.READY and jobs[requeue].started_at is None
    assert jobs[stale].status == TaskResultStatus.READY
    assert jobs[spare].status == TaskResultStatus.RUNNING
    assert jobs[give_up].status == TaskResultStatus.FAILED
    assert "died 2 times" in jobs[give_up].traceback
    # Nothing left to do: a second pass changes nothing.
    assert task_recovery.requeue_orphaned() == []
