"""A background worker killed (SIGKILL) in the middle of a job: the job runs again on the next
worker and its effect — a reply mailed to the customer's server — happens exactly once.

Real parts: `opora worker` processes on the PostgreSQL test database, and an SMTP server on
loopback (aiosmtpd) that holds the first delivery at RCPT so the kill lands mid-send."""

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from opora.core import task_recovery
from opora.mail.models import Delivery, EmailEnvelope
from opora.mail.tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


class StallingSink:
    """The customer's mail server; the first delivery hangs at RCPT until released."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.stalled.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture
def sink():
    receiver = StallingSink()
    receiver.port = free_port()
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    controller.start()
    yield receiver
    receiver.release.set()
    controller.stop()


@pytest.fixture
def start_worker(sink):
    if connection.vendor != "postgresql":
        pytest.skip("the fault suite runs in the PostgreSQL pass")
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "PYTHONPATH": str(ROOT),
    }
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opora.cli",
                "worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)


def test_a_job_whose_worker_is_killed_runs_again_and_mails_once(
    sink, start_worker, anna, carol, make_ticket, client_for
):
    ticket = make_ticket(carol, "Счёт не пришёл")
    client_for(anna).post(
        f"/desk/tickets/{ticket.pk}/reply/", {"body": "Отправили повторно.", "kind": "reply"}
    )
    envelope = EmailEnvelope.objects.get(message__ticket=ticket)
    job = DBTaskResult.objects.get(task_path="opora.mail.tasks.send_envelope")

    # The first worker takes the job and is killed while the customer's server holds its mail.
    first = start_worker()
    assert sink.stalled.wait(DEADLINE), "the first worker never reached the customer's server"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    sink.release.set()
    job.refresh_from_db()
    assert job.status == TaskResultStatus.RUNNING  # what the backend alone would leave for ever
    assert task_recovery.worker_place(job.worker_ids[0]).pid == first.pid

    # The next worker returns the dead one's job to the queue and runs it.
    start_worker()
    wait_for(
        lambda: DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.SUCCESSFUL,
        "the job to be run again",
    )
    job.refresh_from_db()
    assert len(job.worker_ids) == 2  # claimed twice: retried exactly once
    envelope.refresh_from_db()
    assert (envelope.delivery, envelope.attempts) == (Delivery.SENT, 1)
    assert [str(message["Message-ID"]).strip().strip("<>") for message in sink.received] == [
        envelope.rfc_message_id.strip().strip("<>")
    ]

    # A worker that dies after the mail left but before it recorded the job: the job runs again
    # (the scheduler's pass) and finds its effect already done.
    dead_worker = task_recovery.worker_id(pid=2**22 + 1)  # above any Linux pid: never alive
    DBTaskResult.objects.filter(pk=job.pk).update(
        status=TaskResultStatus.RUNNING, worker_ids=[dead_worker]
    )
    assert task_recovery.requeue_orphaned() == [str(job.pk)]
    wait_for(
        lambda: DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.SUCCESSFUL,
        "the job to be run a third time",
    )
    envelope.refresh_from_db()
    assert (envelope.delivery, envelope.attempts) == (Delivery.SENT, 1)
    assert len(sink.received) == 1
