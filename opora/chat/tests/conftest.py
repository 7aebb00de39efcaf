import importlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.apps import apps
from django.db import connections

from opora.chat import consumers
from opora.feedback.models import Survey


@pytest.fixture
def builtin_surveys(db):
    """The built-in surveys a data migration creates; a transactional test's flush removes them."""
    if not Survey.objects.exists():
        migration = importlib.import_module("opora.feedback.migrations.0002_builtin_surveys")
        migration.create(apps, None)


@pytest.fixture(autouse=True)
def chat_filing_at_once(settings, monkeypatch, chat_database_threads):
    """Lines are filed by a job run as soon as the post is done, not a worker a second later."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(consumers, "FILING_DELAY", 0)
    # A fresh set per test: a timer left pending on an earlier test's event loop never fires.
    requests = consumers.FilingRequests()
    monkeypatch.setattr(consumers, "filing_requests", requests)
    yield
    if requests.timer is not None:  # the test ended first: file on its thread, not after it
        requests.timer.cancel()
        requests.enqueue()


@pytest.fixture(autouse=True)
def chat_database_threads(monkeypatch):
    """A pool of the consumers' database threads per test, drained before the test's data goes.

    The test client gives up on a consumer after a second, but a database call already handed to
    a pool thread runs on; left alone it would write into the next test (or into the flush after
    this one). The in-memory SQLite test database shares one cache between connections, where a
    second writer fails at once with "table is locked" instead of waiting as it would on a file
    database. So each test gets one such thread, for the consumers' calls, their filing jobs
    and the test's own database calls (concurrency is bench/chat.py's business), waits for what
    it was given, and closes its connection."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-db-test")
    monkeypatch.setattr(consumers, "DATABASE_THREADS", pool)
    yield pool
    pool.submit(connections.close_all).result()
    pool.shutdown(wait=True)
