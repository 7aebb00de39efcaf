"""Granting compensation within limits, approval requests above them, and the ticket record."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from opora.accounts.models import Role
from opora.authority import limits, services
from opora.authority.models import AuthorityLimit, Compensation, CompensationStatus
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from opora.core.testing import make_user
from opora.tickets import services as ticket_services
from opora.tickets.models import AuditEvent, MessageKind

pytestmark = pytest.mark.django_db


def refund(ticket, user, amount="1500", **extra):
    return services.grant(
        ticket, user, kind="refund", amount=amount, reason="Charged twice", **extra
    )


def backdated_grants(user, ticket, count, moment):
    """``count`` refunds already granted by ``user`` at ``moment``."""
    rows = [
        Compensation(
            ticket=ticket,
            kind="refund",
            amount=Decimal("100"),
            reason="earlier",
            status=CompensationStatus.GRANTED,
            requested_by=user,
            authorised_by=user,
            created_at=moment,
            granted_at=moment,
        )
        for _ in range(count)
    ]
    Compensation.objects.bulk_create(rows)


class TestWithinTheLimit:
    def test_grant_is_recorded_with_an_audit_line_and_an_internal_note(self, policy, ticket, anna):
        compensation = refund(ticket, anna)
        assert compensation.status == CompensationStatus.GRANTED
        assert compensation.authorised_by == anna and compensation.amount == Decimal("1500.00")
        event = AuditEvent.objects.get(ticket=ticket, field="compensation")
        assert event.actor == anna and "1,500.00 RUB" in event.new_value
        note = ticket.messages.filter(kind=MessageKind.NOTE).get()
        assert "Compensation granted" in note.body and "Charged twice" in note.body

    def test_exactly_at_the_limit(self, policy, ticket, anna):
        assert refund(ticket, anna, "3000.00").status == CompensationStatus.GRANTED

    def test_above_the_limit_becomes_a_request_to_the_team_lead(
        self, policy, ticket, anna, led_alpha, lead, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            compensation = refund(ticket, anna, "3000.01")
        assert compensation.status == CompensationStatus.PENDING
        assert compensation.over_limit == limits.Outcome.AMOUNT
        assert compensation.authorised_by is None and compensation.granted_at is None
        assert "needs the team lead's approval" in ticket.messages.get(kind=MessageKind.NOTE).body
        assert mail.outbox[-1].to == [lead.email]
        assert list(services.decidable_by(lead)) == [compensation]

    def test_the_count_limit_is_per_calendar_week(self, policy, ticket, anna):
        week_start, _end = limits.period_bounds(
            timezone.now(), limits.Period.WEEK, services.limit_zone()
        )
        # Five granted last week, one second before the boundary: they do not count.
        backdated_grants(anna, ticket, 5, week_start - timedelta(seconds=1))
        assert refund(ticket, anna).status == CompensationStatus.GRANTED
        # Four more this week, the first exactly at the boundary: five in all, the sixth waits.
        backdated_grants(anna, ticket, 4, week_start)
        sixth = refund(ticket, anna)
        assert sixth.status == CompensationStatus.PENDING
        assert sixth.over_limit == limits.Outcome.COUNT

    def test_no_policy_means_every_grant_needs_approval(self, ticket, anna):
        assert refund(ticket, anna, "1").over_limit == limits.Outcome.NO_AUTHORITY

    def test_a_team_row_overrides_the_role_row_for_its_members(
        self, policy, ticket, anna, team_alpha
    ):
        AuthorityLimit.objects.create(
            role=Role.AGENT, team=team_alpha, kind="refund", max_amount=Decimal("5000")
        )
        assert refund(ticket, anna, "4000").status == CompensationStatus.GRANTED
        assert [view.max_amount for view in services.limits_for(anna, team_alpha)] == [
            Decimal("5000")
        ]

    def test_the_same_request_key_grants_once(self, policy, ticket, anna):
        first = refund(ticket, anna, request_key="form-1")
        again = refund(ticket, anna, request_key="form-1")
        assert again.pk == first.pk and Compensation.objects.count() == 1


class TestRefusals:
    @pytest.mark.parametrize(
        ("amount", "field"),
        [("abc", "amount"), ("0", "amount"), ("-3", "amount"), ("1.005", "amount")],
    )
    def test_bad_amounts(self, policy, ticket, anna, amount, field):
        with pytest.raises(InvalidInput) as error:
            refund(ticket, anna, amount)
        assert field in error.value.fields
        assert Compensation.objects.count() == 0

    def test_unknown_kind_and_empty_reason(self, policy, ticket, anna):
        with pytest.raises(InvalidInput):
            services.grant(ticket, anna, kind="cash", amount="1", reason="x")
        with pytest.raises(InvalidInput):
            services.grant(ticket, anna, kind="refund", amount="1", reason="  ")

    def test_agent_of_another_team_cannot_see_the_ticket(self, policy, ticket, boris):
        with pytest.raises(NotFound):
            refund(ticket, boris)

    def test_light_agents_and_customers_cannot_grant(self, policy, ticket, lena, carol):
        for person in (lena, carol.user):
            with pytest.raises(Forbidden):
                refund(ticket, person)
        assert Compensation.objects.count() == 0

    def test_closed_ticket(self, policy, ticket, anna):
        actor = ticket_services.Actor(user=anna)
        ticket_services.update_ticket(ticket, actor, {"status": "solved"})
        ticket_services.update_ticket(ticket, actor, {"status": "closed"})
        with pytest.raises(InvalidTransition):
            refund(ticket, anna)


class TestApproval:
    @pytest.fixture
    def pending(self, policy, ticket, anna, led_alpha):
        return refund(ticket, anna, "7500")

    def test_lead_approves_within_their_own_limit(
        self, pending, lead, anna, ticket, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            approved = services.approve(pending, lead, "OK, loyal customer")
        assert approved.status == CompensationStatus.GRANTED
        assert approved.authorised_by == lead and approved.decided_by == lead
        assert approved.granted_at is not None
        assert AuditEvent.objects.filter(ticket=ticket, field="compensation").count() == 2
        assert "Compensation approved" in ticket.messages.filter(kind=MessageKind.NOTE).last().body
        assert mail.outbox[-1].to == [anna.email]

    def test_approval_rechecks_the_leads_own_limit(self, policy, ticket, anna, led_alpha, lead):
        too_big = refund(ticket, anna, "20000.01")
        with pytest.raises(Forbidden) as error:
            services.approve(too_big, lead)
        assert error.value.code == "over_your_limit"
        too_big.refresh_from_db()
        assert too_big.status == CompensationStatus.PENDING

    def test_approval_counts_toward_the_leads_count_limit(self, pending, lead, ticket, anna):
        backdated_grants(lead, ticket, 3, timezone.now())
        with pytest.raises(Forbidden):
            services.approve(pending, lead)

    def test_only_the_teams_lead_or_manager_decides(self, pending, anna, boris, team_beta):
        other_lead = make_user("other", Role.MANAGER)
        team_beta.lead = other_lead
        team_beta.save()
        for person in (anna, boris, other_lead):
            with pytest.raises(Forbidden):
                services.approve(pending, person)
            assert pending not in services.decidable_by(person)

    def test_nobody_approves_their_own_request(self, policy, make_ticket, erin, lead):
        ticket = make_ticket(erin)
        own = refund(ticket, lead, "25000")
        assert own.status == CompensationStatus.PENDING
        with pytest.raises(Forbidden):
            services.approve(own, lead)

    def test_reject_needs_a_reason_and_a_decision_is_final(self, pending, lead):
        with pytest.raises(InvalidInput):
            services.reject(pending, lead, " ")
        rejected = services.reject(pending, lead, "Already refunded by the bank")
        assert rejected.status == CompensationStatus.REJECTED
        with pytest.raises(InvalidTransition):
            services.approve(pending, lead)


class TestReport:
    def test_totals_by_kind_and_agent_and_filters(self, policy, ticket, anna, led_alpha, lead):
        refund(ticket, anna, "1000")
        refund(ticket, anna, "500")
        services.grant(ticket, anna, kind="goodwill", amount="300", reason="sorry")  # no policy
        rows = services.visible_compensations(lead)
        granted = services.filtered(rows, services.report_filters())
        assert services.totals(granted, "kind") == [
            {"kind": "refund", "currency": "RUB", "count": 2, "total": Decimal("1500.00")}
        ]
        by_agent = services.totals(granted, "agent")
        assert by_agent == [
            {"requested_by": anna.pk, "currency": "RUB", "count": 2, "total": Decimal("1500.00")}
        ]
        pending = services.filtered(rows, services.report_filters(status="pending"))
        assert pending.count() == 1
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        assert not services.filtered(rows, services.report_filters(since=tomorrow)).exists()

    def test_bad_filters(self):
        for bad in ("yesterday", "9999-12-31", "0001-01-01"):
            with pytest.raises(InvalidInput):
                services.report_filters(since=bad, until=bad)
        with pytest.raises(InvalidInput):
            services.report_filters(since="2026-02-02", until="2026-02-01")
        with pytest.raises(InvalidInput):
            services.report_filters(kind="cash")

    def test_agents_see_grants_on_their_tickets_only(self, policy, ticket, anna, boris, carol):
        refund(ticket, anna)
        assert services.visible_compensations(anna).count() == 1
        assert services.visible_compensations(boris).count() == 0
        assert services.visible_compensations(carol.user).count() == 0
