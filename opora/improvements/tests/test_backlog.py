"""Backlog rules: creating items from every source, scoring and ranking, leads' edits, the
ideas box, and the before/after effect counted from real tickets and survey answers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from opora.improvements import services
from opora.improvements.models import (
    FactorWeight,
    Idea,
    IdeaStatus,
    ImprovementItem,
    ItemStatus,
    SourceKind,
)

pytestmark = pytest.mark.django_db


class TestCreating:
    def test_create_item_is_idempotent_per_source_and_title(self, make_ticket, carol, lead):
        first = services.create_item("qa", "review-7", "Agents skip the ID check", created_by=lead)
        ticket = make_ticket(carol)
        again = services.create_item("qa", "review-7", "Agents skip the ID check", tickets=[ticket])
        assert again.pk == first.pk and ImprovementItem.objects.count() == 1
        assert again.ticket_links.count() == 1  # the new ticket is linked to the existing item
        other = services.create_item("qa", "review-7", "Calls end without a summary")
        assert other.pk != first.pk

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"source_kind": "rumour"}, "source_kind"),
            ({"title": "  "}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"ratings": {"safety": 9}}, "safety"),
            ({"ratings": {"luck": 1}}, "luck"),
            ({"status": "maybe"}, "status"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_saved(self, kwargs, field):
        arguments = {"source_kind": "manual", "source_ref": "", "title": "Fix it", **kwargs}
        with pytest.raises(InvalidInput) as error:
            services.create_item(
                arguments.pop("source_kind"),
                arguments.pop("source_ref"),
                arguments.pop("title"),
                **arguments,
            )
        assert field in error.value.fields
        assert not ImprovementItem.objects.exists()

    def test_owner_may_be_any_staff_user_or_a_name(self, lena, carol):
        item = services.create_item("manual", "", "Clearer invoices", owner=lena)
        assert item.owner_label == "Lena"
        named = services.create_item(
            "manual", "", "Warranty leaflet", owner_name="P. Ivanov", owner_department="Legal"
        )
        assert named.owner_label == "P. Ivanov, Legal"
        with pytest.raises(InvalidInput):
            services.create_item("manual", "", "Nope", owner=carol.user)

    def test_propose_from_a_ticket_links_it_and_its_reason(self, make_ticket, carol, anna, reason):
        ticket = make_ticket(carol, reason=reason)
        item = services.propose_from_ticket(anna, ticket, "Password reset mail is slow")
        assert (item.source_kind, item.source_ref) == (SourceKind.TICKET, str(ticket.pk))
        assert list(item.tickets.all()) == [ticket] and list(item.reasons.all()) == [reason]

    def test_only_people_who_see_the_ticket_propose_from_it(self, make_ticket, carol, boris):
        with pytest.raises(NotFound):
            services.propose_from_ticket(boris, make_ticket(carol), "x")
        with pytest.raises(Forbidden):
            services.propose_from_ticket(carol.user, make_ticket(carol), "x")

    def test_propose_from_a_reason_and_a_survey_response(self, dated_ticket, reason, anna, boris):
        item = services.propose_from_reason(anna, reason)
        assert item.title == "Fewer contacts about Access › Password reset"
        ticket = dated_ticket(reason, timezone.now(), csat=1)
        response = ticket.survey_invitations.get().response
        response.comment = "Nobody could reset my password"
        response.save()
        from_survey = services.propose_from_response(anna, response)
        assert from_survey.title == "Nobody could reset my password"
        assert list(from_survey.tickets.all()) == [ticket]
        with pytest.raises(NotFound):  # Boris cannot see Alpha's ticket, nor its survey
            services.propose_from_response(boris, response)


class TestScoring:
    def test_frequency_follows_linked_tickets_until_rated(self, make_ticket, carol, anna):
        item = services.create_item("manual", "", "Slow login", ratings={"scale": 5})
        start = item.score
        for _ in range(5):
            services.link_ticket(anna, item, make_ticket(carol))
        item.refresh_from_db()
        assert item.ratings(item.ticket_links.count())["frequency"] == 2
        assert item.score > start
        services.link_ticket(anna, item, item.tickets.first())  # linking twice: no-op
        assert item.ticket_links.count() == 5

    def test_safety_first_then_score(self):
        big = services.create_item(
            "manual", "", "Big", ratings=dict.fromkeys(["scale", "urgency", "brand", "strategy"], 5)
        )
        safety = services.create_item("manual", "", "Charger overheats", ratings={"safety": 1})
        small = services.create_item("manual", "", "Small", ratings={"brand": 1})
        assert big.score > safety.score
        assert list(ImprovementItem.objects.all()) == [safety, big, small]

    def test_changing_a_weight_rescores_every_item(self):
        item = services.create_item("manual", "", "Brand", ratings={"brand": 5})
        before = item.score
        weight = FactorWeight.objects.get(factor="brand")
        weight.weight = Decimal("10")
        weight.save()
        item.refresh_from_db()
        assert item.score > before


class TestEditing:
    def test_leads_edit_status_owner_and_ratings(self, lead, anna, reason):
        item = services.create_item("manual", "", "Fix")
        services.update_item(
            lead, item, {"status": "accepted", "owner": anna, "reasons": [reason]}, {"urgency": 4}
        )
        item.refresh_from_db()
        assert (item.status, item.owner, item.urgency) == ("accepted", anna, 4)
        services.update_item(lead, item, {"status": "done"})
        item.refresh_from_db()
        assert item.completed_at is not None
        services.update_item(lead, item, {"status": "in_progress"})
        item.refresh_from_db()
        assert item.completed_at is None

    def test_agents_do_not_edit_and_transitions_are_checked(self, lead, anna, led_alpha):
        item = services.create_item("manual", "", "Fix")
        with pytest.raises(Forbidden):
            services.update_item(anna, item, {"status": "accepted"})
        with pytest.raises(InvalidTransition):
            services.update_item(lead, item, {"status": "done"})  # proposed -> done skips the work
        with pytest.raises(InvalidInput):
            services.update_item(lead, item, {"score": 100})
        # A team lead who is an agent by role may edit too.
        led_alpha.lead = anna
        led_alpha.save()
        services.update_item(anna, item, {"status": "accepted"})


class TestIdeas:
    def test_colleagues_vote_once_and_a_lead_accepts(self, anna, boris, lena, lead):
        idea = services.submit_idea(anna, "Show order status in the portal")
        assert services.vote(boris, idea) is True
        assert services.vote(boris, idea) is False
        services.vote(lena, idea)
        with pytest.raises(InvalidInput):
            services.vote(anna, idea)  # not for one's own idea
        assert services.visible_ideas(anna).get().vote_count == 2
        assert services.unvote(lena, idea) is True
        with pytest.raises(Forbidden):
            services.accept_idea(boris, idea)
        item = services.accept_idea(lead, idea, "Good one")
        idea.refresh_from_db()
        assert (idea.status, idea.item, item.status) == (
            IdeaStatus.ACCEPTED,
            item,
            ItemStatus.ACCEPTED,
        )
        assert (item.source_kind, item.source_ref) == (SourceKind.IDEA, str(idea.pk))
        with pytest.raises(InvalidTransition):
            services.vote(lena, idea)

    def test_decline_needs_a_reason(self, anna, lead):
        idea = services.submit_idea(anna, "Free coffee")
        with pytest.raises(InvalidInput):
            services.decline_idea(lead, idea, "")
        services.decline_idea(lead, idea, "Not a customer problem")
        assert Idea.objects.get().status == IdeaStatus.DECLINED

    def test_customers_have_no_ideas_box(self, carol):
        with pytest.raises(Forbidden):
            services.submit_idea(carol.user, "x")
        assert not services.visible_ideas(carol.user).exists()


class TestEffect:
    def test_before_and_after_from_real_tickets_and_answers(
        self, dated_ticket, reason, lead, anna, boris
    ):
        now = timezone.now()
        done_at = now - timedelta(days=28)
        other_reason = reason.parent  # the parent only is not linked: its tickets do not count
        # Before: 4 contacts (CSAT 5, 2 -> 50 %); after: 2 contacts (CSAT 5 -> 100 %).
        for days, score in [(40, 5), (35, 2), (30, None), (29, None)]:
            dated_ticket(reason, done_at - timedelta(days=days - 28), score)
        for days, score in [(20, 5), (3, None)]:
            dated_ticket(reason, now - timedelta(days=days), score)
        dated_ticket(other_reason, now - timedelta(days=5))
        dated_ticket(reason, done_at - timedelta(days=29))  # outside the 28-day window
        item = services.create_item("manual", "", "Fix password reset", reasons=[reason])
        item.status, item.completed_at = ItemStatus.DONE, done_at
        item.save()
        result = services.effect(lead, item, days=28, now=now)
        assert (result.contacts_before, result.contacts_after) == (4, 2)
        assert result.contacts_change_percent == -50.0
        assert (result.csat_before.csat_percent, result.csat_after.csat_percent) == (50.0, 100.0)
        assert result.csat_change_points == 50.0
        # Anna (Alpha) sees the same tickets; Boris (Beta) sees none of them.
        assert services.effect(anna, item, 28, now).contacts_before == 4
        assert services.effect(boris, item, 28, now).contacts_before == 0

    def test_no_effect_before_completion(self, lead):
        item = services.create_item("manual", "", "Later")
        assert services.effect(lead, item) is None

    def test_reason_trends(self, dated_ticket, reason, lead):
        now = timezone.now()
        dated_ticket(reason, now - timedelta(days=2))
        dated_ticket(reason, now - timedelta(days=3))
        dated_ticket(reason, now - timedelta(days=40))
        [trend] = services.reason_trends(lead, days=30, now=now)
        assert (trend.reason, trend.current, trend.previous, trend.change_percent) == (
            reason,
            2,
            1,
            100.0,
        )
