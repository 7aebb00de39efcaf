"""Hand-offs: the ticket goes to another team with a question and comes back with the answer."""

import pytest
from django.core import mail

from opora.authority import services
from opora.authority.models import HandOff, HandOffStatus
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from opora.tickets.access import visible_tickets
from opora.tickets.models import MessageKind

pytestmark = pytest.mark.django_db

QUESTION = "Can the licence move to the new INN without a new contract?"


@pytest.fixture
def handed(ticket, anna, team_beta, boris):
    return services.hand_off(ticket, anna, team_beta, QUESTION)


def test_hand_off_moves_the_ticket_and_keeps_the_asker_on_it(
    handed, ticket, anna, boris, team_beta
):
    ticket.refresh_from_db()
    assert ticket.team == team_beta and ticket.assignee is None
    assert anna in ticket.collaborators.all()
    # Both the receiving team and the asker can see it: nobody loses the customer.
    assert visible_tickets(boris).filter(pk=ticket.pk).exists()
    assert visible_tickets(anna).filter(pk=ticket.pk).exists()
    assert QUESTION in ticket.messages.filter(kind=MessageKind.NOTE).get().body
    assert handed.status == HandOffStatus.OPEN and handed.from_team.name == "Alpha"


def test_the_answer_returns_the_ticket_to_its_owner_who_is_told(
    handed, ticket, anna, boris, team_alpha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answered = services.answer_hand_off(handed, boris, "Yes, with a letter from the director.")
    assert answered.status == HandOffStatus.ANSWERED and answered.answered_by == boris
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (team_alpha, anna)
    assert "with a letter" in ticket.messages.filter(kind=MessageKind.NOTE).last().body
    assert mail.outbox[-1].to == [anna.email]
    # In the asker's own language (Anna works in Russian).
    assert anna.language == "ru"
    assert "вернулось к вам" in mail.outbox[-1].subject


def test_only_the_receiving_team_answers(handed, anna, lena):
    for person in (anna, lena):  # the asker's own team does not answer its own question
        with pytest.raises(Forbidden):
            services.answer_hand_off(handed, person, "I know!")
    assert HandOff.objects.get().status == HandOffStatus.OPEN


def test_answering_twice_and_empty_answers(handed, boris):
    with pytest.raises(InvalidInput):
        services.answer_hand_off(handed, boris, "  ")
    services.answer_hand_off(handed, boris, "Yes")
    with pytest.raises(InvalidTransition):
        services.answer_hand_off(handed, boris, "Again")


def test_one_open_hand_off_per_ticket_and_not_to_the_own_team(
    ticket, anna, team_alpha, team_beta, lead
):
    with pytest.raises(InvalidInput):
        services.hand_off(ticket, anna, team_alpha, QUESTION)
    services.hand_off(ticket, anna, team_beta, QUESTION)
    with pytest.raises(InvalidTransition):
        services.hand_off(ticket, lead, team_alpha, "another")


def test_refused_for_other_teams_light_agents_and_customers(ticket, boris, lena, carol, team_beta):
    with pytest.raises(NotFound):
        services.hand_off(ticket, boris, team_beta, QUESTION)
    for person in (lena, carol.user):
        with pytest.raises(Forbidden):
            services.hand_off(ticket, person, team_beta, QUESTION)
    assert not HandOff.objects.exists()


def test_who_sees_which_hand_offs(handed, anna, boris, lena, carol, lead):
    assert list(services.visible_hand_offs(anna)) == [handed]
    assert list(services.visible_hand_offs(boris)) == [handed]
    assert list(services.visible_hand_offs(lead)) == [handed]
    assert not services.visible_hand_offs(lena).exists()  # Alpha's light agent did not ask
    assert not services.visible_hand_offs(carol.user).exists()
