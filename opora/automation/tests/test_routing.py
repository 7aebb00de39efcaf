"""Routing rules pick the team; the team's strategy picks an available agent under the cap."""

import pytest
from django.db import transaction

from opora.accounts.models import Team
from opora.automation import routing
from opora.automation.conditions import ROUTING_CRITERIA, parse_rule_conditions
from opora.automation.models import (
    Availability,
    RoutingRule,
    Skill,
    Strategy,
    TeamRouting,
)
from opora.sla.conditions import ConditionError
from opora.tickets import services
from opora.tickets.models import AuditEvent, Channel, ContactReason, Priority, Status

from .conftest import set_status

pytestmark = pytest.mark.django_db


def make_rule(name: str, team: Team, conditions: dict, **fields) -> RoutingRule:
    rule = RoutingRule(name=name, team=team, conditions=conditions, **fields)
    rule.full_clean()
    rule.save()
    return rule


def routing_events(ticket) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(ticket=ticket, via="routing")
        .order_by("pk")
        .values_list("field", "new_value")
    )


def test_channel_rule_routes_to_its_team_and_is_audited(team_beta, carol, make_ticket):
    make_rule("Phone to Beta", team_beta, {"channels": ["phone"]})
    phoned = make_ticket(carol, channel=Channel.PHONE)
    mailed = make_ticket(carol, channel=Channel.EMAIL)
    assert phoned.team == team_beta
    assert mailed.team.name == "Alpha"
    assert ("routing_rule", "Phone to Beta") in routing_events(phoned)
    assert ("team", "Beta") in routing_events(phoned)
    assert routing_events(mailed) == []


def test_reason_rule_covers_sub_reasons_and_sets_priority(team_beta, carol, make_ticket):
    billing = ContactReason.objects.create(name="Оплата", name_en="Billing")
    refund = ContactReason.objects.create(name="Возврат", name_en="Refund", parent=billing)
    make_rule("Billing", team_beta, {"reason_ids": [billing.pk]}, priority=Priority.HIGH)
    ticket = make_ticket(carol, reason=refund)
    assert (ticket.team, ticket.priority) == (team_beta, Priority.HIGH)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Хочу ВОЗВРАТ денег", "Добрый день"),
        ("Question", "Please process my REFUND today"),
        ("Возврат", "ё and е are the same letter: возврат"),
    ],
)
def test_keywords_match_subject_or_body_case_insensitively(
    subject, body, team_beta, carol, make_ticket
):
    make_rule("Refunds", team_beta, {"keywords": ["возврат", "Refund"]})
    assert make_ticket(carol, subject=subject, body=body).team == team_beta


def test_keywords_that_do_not_occur_leave_the_ticket_alone(team_beta, carol, make_ticket):
    make_rule("Refunds", team_beta, {"keywords": ["refund"]})
    assert make_ticket(carol, subject="Printer", body="It jams").team.name == "Alpha"


def test_first_matching_rule_by_position_wins(team_alpha, team_beta, carol, make_ticket):
    gamma = Team.objects.create(name="Gamma")
    make_rule("Later", gamma, {"channels": ["email"]}, position=2)
    make_rule("Earlier", team_beta, {"channels": ["email"]}, position=1)
    assert make_ticket(carol).team == team_beta


def test_an_agent_choosing_the_team_is_not_overruled(team_alpha, team_beta, anna, carol):
    gamma = Team.objects.create(name="Gamma")
    make_rule("Everything to Gamma", gamma, {})
    chosen = services.create_ticket(
        services.NewTicket(customer=carol, subject="Call", body="Logged", team=team_beta),
        services.Actor(user=anna),
    )
    from_customer = services.create_ticket(
        services.NewTicket(customer=carol, subject="Mail", body="Hi"),
        services.Actor(customer=carol, via="portal"),
    )
    assert chosen.team == team_beta
    assert from_customer.team == gamma


def test_conditions_are_validated_with_paths():
    with pytest.raises(ConditionError) as error:
        parse_rule_conditions({"keywords": ["ok", ""], "colour": ["red"]}, ROUTING_CRITERIA)
    assert set(error.value.errors) == {"keywords.1", "colour"}


# --- Assignment ---------------------------------------------------------------------------------


def test_round_robin_rotates_through_online_agents(route_alpha, make_agent, carol, make_ticket):
    route_alpha(Strategy.ROUND_ROBIN)
    agents = [make_agent(name) for name in ("ada", "bob", "cid")]
    assignees = [make_ticket(carol).assignee for _ in range(4)]
    assert assignees == [*agents, agents[0]]
    assert TeamRouting.objects.get().last_assigned == agents[0]


@pytest.mark.parametrize(
    ("strategy", "cap", "counted"),
    [
        (Strategy.ROUND_ROBIN, None, False),
        (Strategy.ROUND_ROBIN, 5, True),
        (Strategy.LEAST_LOAD, None, True),
    ],
)
def test_open_tickets_are_counted_only_where_they_decide(
    route_alpha, make_agent, strategy, cap, counted
):
    """Counting every agent's open tickets was most of an assignment's cost: plain round-robin
    never reads it."""
    route_alpha(strategy, cap)
    make_agent("ada")
    routing_row = TeamRouting.objects.select_related("team").get()
    sql = str(routing.available_agents(routing_row.team, routing_row).query).upper()
    assert ("COUNT(" in sql) is counted


def test_round_robin_pointer_is_shared_through_the_database(
    route_alpha, make_agent, carol, make_ticket
):
    """Two "processes": each transaction reads the pointer from the locked row, nothing in memory."""
    route_alpha(Strategy.ROUND_ROBIN)
    ada, bob = make_agent("ada"), make_agent("bob")
    first, second = make_ticket(carol), make_ticket(carol)
    chosen = []
    for ticket in (first, second):
        services.update_ticket(ticket, services.Actor(via="test"), {"assignee": None})
        with transaction.atomic():
            pointer = TeamRouting.objects.select_for_update().get().last_assigned_id
            chosen.append((pointer, routing.assign(ticket, routing.ROUTING_ACTOR)))
    # The creations took ada then bob; the re-assignments carry on from the stored pointer.
    assert chosen == [(bob.pk, ada), (ada.pk, bob)]


def test_least_load_picks_the_agent_with_fewest_open_tickets(
    route_alpha, make_agent, carol, make_ticket
):
    busy, idle, middling = make_agent("busy"), make_agent("idle"), make_agent("middling")
    for agent, count in ((busy, 2), (middling, 1)):
        for _ in range(count):
            make_ticket(carol, assignee=agent)
    # Tickets waiting on the customer are not load.
    waiting = make_ticket(carol, assignee=idle)
    services.update_ticket(waiting, services.Actor(via="test"), {"status": Status.PENDING})
    route_alpha(Strategy.LEAST_LOAD)
    assert make_ticket(carol).assignee == idle


def test_skills_pick_an_agent_who_has_them(route_alpha, make_agent, team_beta, carol, make_ticket):
    accounting = ContactReason.objects.create(name="1С", name_en="Accounting")
    generalist, expert = make_agent("generalist"), make_agent("expert")
    make_ticket(carol, assignee=expert)  # the expert is busier, and still the one who can
    skill = Skill.objects.create(name="1C")
    skill.agents.add(expert)
    skill.reasons.add(accounting)
    route_alpha(Strategy.SKILLS)
    assert make_ticket(carol, reason=accounting).assignee == expert
    assert make_ticket(carol).assignee == generalist


def test_rule_can_require_a_skill(route_alpha, make_agent, team_alpha, carol, make_ticket):
    make_agent("generalist")
    linguist = make_agent("linguist")
    english = Skill.objects.create(name="English")
    english.agents.add(linguist)
    make_rule("English", team_alpha, {"languages": ["en"]}, required_skill=english)
    carol.language = "en"
    carol.save()
    route_alpha(Strategy.SKILLS)
    ticket = make_ticket(carol)
    assert ticket.assignee == linguist
    assert ("assignment", "skills English: Linguist") in routing_events(ticket)


def test_capacity_cap_is_respected(route_alpha, make_agent, carol, make_ticket):
    full, spare = make_agent("full"), make_agent("spare")
    make_ticket(carol, assignee=full)
    route_alpha(Strategy.LEAST_LOAD, cap=1)
    assert make_ticket(carol).assignee == spare
    overflow = make_ticket(carol)
    assert overflow.assignee is None
    assert overflow.team.name == "Alpha"


def test_away_and_offline_agents_get_nothing_and_the_ticket_waits(
    route_alpha, make_agent, lena, carol, make_ticket
):
    make_agent("away", status=Availability.AWAY)
    make_agent("never_set", status=None)
    set_status(lena)  # online, but a light agent cannot own tickets
    route_alpha(Strategy.ROUND_ROBIN)
    ticket = make_ticket(carol)
    assert ticket.assignee is None
    assert routing_events(ticket) == [
        ("assignment", "Round robin: nobody available in Alpha; left in the team queue")
    ]


def test_manual_team_leaves_tickets_in_its_queue(route_alpha, make_agent, carol, make_ticket):
    make_agent("ada")
    route_alpha(Strategy.MANUAL)
    ticket = make_ticket(carol)
    assert ticket.assignee is None
    assert routing_events(ticket) == []
