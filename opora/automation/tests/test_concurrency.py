"""Round robin across real concurrent transactions (PostgreSQL: SQLite serialises writers anyway)."""

import threading

import pytest
from django.db import connection, connections, transaction

from opora.automation import routing
from opora.automation.models import Strategy
from opora.tickets import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
def test_concurrent_assignments_share_one_rotation(route_alpha, make_agent, carol, make_ticket):
    ada, bob = make_agent("ada"), make_agent("bob")
    tickets = [make_ticket(carol), make_ticket(carol)]
    for ticket in tickets:
        services.update_ticket(ticket, services.Actor(via="test"), {"assignee": None})
    route_alpha(Strategy.ROUND_ROBIN)
    start = threading.Barrier(len(tickets))
    chosen = []

    def assign(ticket) -> None:
        try:
            start.wait()
            with transaction.atomic():
                chosen.append(routing.assign(ticket, routing.ROUTING_ACTOR))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(ticket,)) for ticket in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(agent.pk for agent in chosen) == [ada.pk, bob.pk]
