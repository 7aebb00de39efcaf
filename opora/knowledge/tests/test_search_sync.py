"""Ticket search keeps up with the tickets it copies from: team and assignee changes, merges,
splits, and messages indexed at the end of a batch."""

from django.db import connection

from opora.knowledge import search
from opora.knowledge.models import MessageSearchEntry
from opora.tickets import services as ticket_services
from opora.tickets.models import Message


def ticket_ids(query: str, user) -> list[int]:
    return sorted(hit.ticket.pk for hit in search.search(query, user, include_tickets=True).tickets)


def test_moving_a_ticket_to_another_team_moves_it_in_search(
    make_ticket, erin, anna, boris, lead, team_beta
):
    ticket = make_ticket(erin, subject="Касса", body="Не печатается чек на кассе")
    assert ticket_ids("чек", anna) == [ticket.pk] and ticket_ids("чек", boris) == []
    ticket_services.update_ticket(ticket, ticket_services.Actor(user=lead), {"team": team_beta})
    assert ticket_ids("чек", anna) == [] and ticket_ids("чек", boris) == [ticket.pk]
    if connection.vendor == "postgresql":
        # The copies the index filters on followed (a database trigger).
        assert set(
            MessageSearchEntry.objects.filter(ticket_id=ticket.pk).values_list("team_id", flat=True)
        ) == {team_beta.pk}


def test_an_agent_finds_tickets_assigned_to_them_outside_their_teams(
    make_ticket, erin, boris, lead, team_alpha
):
    ticket = make_ticket(erin, subject="Касса", body="Не печатается чек на кассе")
    assert ticket.team_id == team_alpha.pk and ticket_ids("чек", boris) == []
    ticket_services.update_ticket(ticket, ticket_services.Actor(user=lead), {"assignee": boris})
    assert ticket_ids("чек", boris) == [ticket.pk]
    ticket_services.update_ticket(ticket, ticket_services.Actor(user=lead), {"assignee": None})
    assert ticket_ids("чек", boris) == []


def test_split_moves_the_message_in_search(make_ticket, erin, anna, boris, lead, team_beta):
    beta_ticket = make_ticket(erin, subject="Оплата", body="Счёт оплачен", team=team_beta)
    alpha_ticket = make_ticket(erin, subject="Касса", body="Не печатается чек")
    second = ticket_services.add_message(
        beta_ticket, ticket_services.Actor(customer=erin), "И ещё: терминал гудит"
    )
    assert ticket_ids("терминал", boris) == [beta_ticket.pk]
    # Merged into a ticket of Alpha: the message now belongs to Alpha's ticket.
    ticket_services.merge(beta_ticket, alpha_ticket, ticket_services.Actor(user=lead))
    assert ticket_ids("терминал", anna) == [alpha_ticket.pk]
    assert ticket_ids("терминал", boris) == []
    split = ticket_services.split(
        alpha_ticket, Message.objects.get(pk=second.pk), ticket_services.Actor(user=lead), "Шум"
    )
    assert ticket_ids("терминал", anna) == [split.pk]


def test_messages_of_a_batch_are_indexed_when_the_batch_ends(make_ticket, erin, lead):
    with search.batch_indexing():
        ticket = make_ticket(erin, subject="Доставка", body="Курьер не приехал")
        ticket_services.add_message(ticket, ticket_services.Actor(customer=erin), "Жду курьера")
        # Not yet: the entries are written in one statement at the end of the block.
        assert ticket_ids("курьер", lead) == []
    assert ticket_ids("курьер", lead) == [ticket.pk]
    hit = search.search("курьер", lead, include_tickets=True).tickets[0]
    assert "<mark>" in hit.snippet


def test_a_batch_that_fails_indexes_nothing(make_ticket, erin, lead):
    try:
        with search.batch_indexing():
            make_ticket(erin, subject="Доставка", body="Курьер не приехал")
            raise RuntimeError("the batch's transaction is rolled back")
    except RuntimeError:
        pass
    assert ticket_ids("курьер", lead) == []
