"""Two grants at the same moment cannot both take the last place under the count limit.

PostgreSQL only: there the user-row lock (select_for_update) is what serialises them. SQLite
has a single writer, so the race cannot happen there."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from opora.authority import services
from opora.authority.models import Compensation, CompensationStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_simultaneous_grants_cannot_both_pass_the_count_limit(policy, ticket, anna):
    # Four of the five weekly refunds used: exactly one place left.
    Compensation.objects.bulk_create(
        Compensation(
            ticket=ticket,
            kind="refund",
            amount=Decimal("10"),
            reason="earlier",
            status=CompensationStatus.GRANTED,
            requested_by=anna,
            authorised_by=anna,
            granted_at=timezone.now() - timedelta(minutes=1),
        )
        for _ in range(4)
    )
    start = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def grant_at_once() -> None:
        try:
            start.wait()
            results.append(
                services.grant(ticket, anna, kind="refund", amount="100", reason="race").status
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant_at_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == ["granted", "pending", "pending", "pending"]
    assert Compensation.objects.filter(status=CompensationStatus.GRANTED).count() == 5
