"""Which policy a ticket gets: conditions are data, tried in position order."""

from datetime import timedelta

import pytest

from opora.customers.models import Tier
from opora.sla.conditions import ConditionError, parse_conditions
from opora.sla.models import SlaTarget, TargetKind, TicketSla
from opora.tickets import services
from opora.tickets.models import Channel, ContactReason, Priority

pytestmark = pytest.mark.django_db


def policy_of(ticket):
    return TicketSla.objects.get(ticket=ticket).policy


def test_first_matching_policy_by_position_wins(make_policy, make_ticket, carol):
    make_policy("Everything", position=20, first_response_minutes=480)
    urgent = make_policy(
        "Urgent", position=10, first_response_minutes=60, conditions={"priorities": ["urgent"]}
    )
    make_policy("Inactive", position=0, first_response_minutes=5, is_active=False)

    assert policy_of(make_ticket(carol, priority=Priority.URGENT)) == urgent
    assert policy_of(make_ticket(carol, priority=Priority.LOW)).name == "Everything"


def test_every_condition_must_match(make_policy, make_ticket, carol, erin):
    vip_mail = make_policy(
        "VIP by e-mail",
        first_response_minutes=30,
        conditions={"tiers": ["vip"], "channels": ["email", "chat"]},
    )
    carol.organisation.tier = Tier.VIP  # an organisation's tier makes its people VIP
    carol.organisation.save()

    assert policy_of(make_ticket(carol, channel=Channel.EMAIL)) == vip_mail
    assert policy_of(make_ticket(carol, channel=Channel.PHONE)) is None
    assert policy_of(make_ticket(erin, channel=Channel.EMAIL)) is None


def test_organisation_condition(make_policy, make_ticket, carol, erin):
    acme = make_policy(
        "Acme contract",
        first_response_minutes=60,
        conditions={"organisation_ids": [carol.organisation_id]},
    )
    assert policy_of(make_ticket(carol)) == acme
    assert policy_of(make_ticket(erin)) is None


def test_a_reason_matches_its_descendants(make_policy, make_ticket, carol):
    billing = ContactReason.objects.create(name="Оплата", name_en="Billing")
    refund = ContactReason.objects.create(name="Возврат", name_en="Refund", parent=billing)
    delivery = ContactReason.objects.create(name="Доставка", name_en="Delivery")
    money = make_policy("Money", resolution_minutes=600, conditions={"reason_ids": [billing.pk]})

    assert policy_of(make_ticket(carol, reason=refund)) == money
    assert policy_of(make_ticket(carol, reason=billing)) == money
    assert policy_of(make_ticket(carol, reason=delivery)) is None


def test_no_policy_means_the_default_promise_a_human_reply_within_24_hours(
    make_ticket, carol, anna
):
    ticket = make_ticket(carol)
    (target,) = SlaTarget.objects.filter(ticket=ticket)  # no resolution promise by default
    assert target.kind == TargetKind.FIRST_RESPONSE
    assert target.due_at - target.started_at == timedelta(hours=24)

    services.add_message(ticket, services.Actor(user=anna), "Looking into it")
    services.add_message(ticket, services.Actor(customer=carol), "Any news?")
    next_response = SlaTarget.objects.get(ticket=ticket, kind=TargetKind.NEXT_RESPONSE)
    assert next_response.due_at - next_response.started_at == timedelta(hours=24)


def test_conditions_errors_name_each_bad_value():
    with pytest.raises(ConditionError) as raised:
        parse_conditions(
            {"priorities": ["high", "hgh"], "colour": ["red"], "organisation_ids": [0, "1"]}
        )
    assert set(raised.value.errors) == {
        "priorities.1",
        "colour",
        "organisation_ids.0",
        "organisation_ids.1",
    }


def test_conditions_refuse_ids_that_do_not_exist():
    with pytest.raises(ConditionError) as raised:
        parse_conditions({"reason_ids": [987654]})
    assert list(raised.value.errors) == ["reason_ids.0"]


def test_empty_conditions_match_everything():
    assert parse_conditions({}) == parse_conditions(None)
