from datetime import timedelta

import pytest
from django.utils import timezone

from opora.knowledge import deflection, gaps, services
from opora.knowledge.models import DeflectionEvent, SearchQueryLog, SearchScope
from opora.tickets.models import ContactReason, Ticket

pytestmark = pytest.mark.django_db


def test_suggestions_while_typing_and_a_view_records_a_deflection_event(
    make_article, client_for, carol
):
    article = make_article("Как сбросить пароль")
    customer = client_for(carol.user)
    fragment = customer.get("/help/suggest/", {"subject": "не помню пароля"}).content.decode()
    assert "Как сбросить пароль" in fragment and "from=suggestion" in fragment
    assert SearchQueryLog.objects.get().scope == SearchScope.DEFLECTION
    customer.get(f"/help/a/{article.pk}/", {"from": "suggestion", "q": "не помню пароля"})
    event = DeflectionEvent.objects.get()
    assert (event.user, event.article, event.query) == (carol.user, article, "не помню пароля")
    assert "help-suggestions" in customer.get("/portal/tickets/new/").content.decode()


def test_staff_and_visitors_views_are_not_deflection_events(make_article, client, client_for, anna):
    article = make_article("Пароль")
    client.get(f"/help/a/{article.pk}/", {"from": "suggestion"})
    client_for(anna).get(f"/help/a/{article.pk}/", {"from": "suggestion"})
    assert not DeflectionEvent.objects.exists()


def test_deflected_contacts_count_views_without_a_ticket_within_the_window(
    make_article, make_ticket, carol, dave, erin
):
    article = make_article("Пароль")
    long_ago = timezone.now() - timedelta(days=2)

    def viewed(customer, at, then_ticket_after=None):
        DeflectionEvent.objects.create(user=customer.user, article=article, created_at=at)
        if then_ticket_after is not None:
            ticket = make_ticket(customer)
            Ticket.objects.filter(pk=ticket.pk).update(created_at=at + then_ticket_after)

    viewed(carol, long_ago)  # deflected
    viewed(carol, long_ago + timedelta(minutes=5))  # the same contact, still deflected
    viewed(dave, long_ago, then_ticket_after=timedelta(minutes=10))  # wrote anyway
    viewed(erin, long_ago, then_ticket_after=timedelta(hours=3))  # wrote much later: deflected
    viewed(carol, timezone.now() - timedelta(minutes=1))  # undecided yet
    day = timezone.localdate(long_ago)
    assert deflection.deflected_contacts(day, day) == 2
    assert deflection.deflected_contacts(day, day, window=timedelta(hours=4)) == 1
    today = timezone.localdate()
    assert deflection.deflected_contacts(today, today) == 0


def test_gaps_report_reasons_without_articles_and_unanswered_queries(
    make_article, make_ticket, erin, anna
):
    refund = ContactReason.objects.create(name="Возврат", name_en="Refund")
    sync = ContactReason.objects.create(name="Синхронизация", name_en="Sync")
    for _ in range(3):
        make_ticket(erin, reason=sync)
    make_ticket(erin, reason=refund)
    make_article("Возврат средств", reasons=[refund])
    assert [(gap.reason, gap.tickets) for gap in gaps.reason_gaps()] == [(sync, 3)]

    article = make_article("Как сбросить пароль")
    for query, results in [("холодильник", 0), ("холодильники", 0), ("пароль", 1)]:
        services.log_search(
            query, scope=SearchScope.HELP_CENTRE, language="ru", result_count=results, user=anna
        )
    answered = services.log_search("пароля", scope="help", language="ru", result_count=1, user=anna)
    services.record_search_click(answered.pk, article)
    report = gaps.query_gaps()
    assert [(gap.searches, gap.max_results) for gap in report] == [(2, 0)]
    assert report[0].query.startswith("холодильник")


def test_search_click_marks_the_logged_query(make_article, client):
    article = make_article("Пароль")
    client.get("/help/search/", {"q": "пароль"})
    log = SearchQueryLog.objects.get()
    assert log.result_count == 1
    client.get(f"/help/a/{article.pk}/", {"sq": log.pk})
    log.refresh_from_db()
    assert log.clicked_article == article
