"""The same cases run on SQLite (FTS5 + Snowball) locally and on PostgreSQL in CI."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from opora.knowledge import search
from opora.knowledge.models import Visibility

pytestmark = pytest.mark.django_db


def titles(query: str, user, **options) -> list[str]:
    return [hit.article.title for hit in search.search(query, user, **options).articles]


@pytest.fixture
def library(make_article):
    return {
        "password": make_article(
            "Как сбросить пароль",
            "<p>Нажмите «Забыли пароль?» — письмо с паролем придёт за пять минут.</p>",
        ),
        "refund": make_article(
            "Возврат средств", "<p>Для возврата денег откройте заказ и нажмите «Вернуть».</p>"
        ),
        "english": make_article(
            "Resetting forgotten passwords",
            "<p>Click the link and choose a new password.</p>",
            language="en",
        ),
        "sync": make_article("Синхронизация с 1С", "<p>Обмен запускается каждые 10 минут.</p>"),
    }


@pytest.mark.parametrize("query", ["пароль", "пароля", "паролем", "ПАРОЛИ", "сброс пароля"])
def test_russian_morphology(library, query):
    assert titles(query, AnonymousUser(), language="ru") == ["Как сбросить пароль"]


@pytest.mark.parametrize("query", ["возврат", "возврата", "возвратом"])
def test_russian_morphology_refund(library, query):
    assert titles(query, AnonymousUser(), language="ru") == ["Возврат средств"]


@pytest.mark.parametrize("query", ["password", "passwords", "resetting", "reset password"])
def test_english_stemming(library, query):
    assert titles(query, AnonymousUser(), language="en") == ["Resetting forgotten passwords"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("пароьл", "Как сбросить пароль"),
        ("возрват", "Возврат средств"),
        ("синхронизацыя", "Синхронизация с 1С"),
    ],
)
def test_typo_tolerance_russian(library, query, expected):
    results = search.search(query, AnonymousUser(), language="ru")
    assert [hit.article.title for hit in results.articles] == [expected]
    assert results.corrected_query is not None


def test_typo_tolerance_english(library):
    assert titles("pasword", AnonymousUser(), language="en") == ["Resetting forgotten passwords"]


def test_nothing_like_it_finds_nothing(library):
    results = search.search("холодильник", AnonymousUser())
    assert results.articles == [] and results.corrected_query is None


def test_title_ranks_above_body(make_article):
    make_article("Доставка заказа", "<p>Если забыли пароль, сбросьте его.</p>")
    make_article("Пароль от кабинета", "<p>Инструкция.</p>")
    assert titles("пароль", AnonymousUser()) == ["Пароль от кабинета", "Доставка заказа"]


def test_a_title_hit_ranks_above_more_words_in_the_body(make_article):
    make_article(
        "Доставка", "<p>Письмо со ссылкой для сброса пароля не приходит: письмо в спаме.</p>"
    )
    make_article("Пароль от кабинета", "<p>Инструкция.</p>")
    make_article("Оплата картой", "<p>Чек придёт письмом.</p>")
    hits = search.search("не приходит письмо с паролем", AnonymousUser()).articles
    assert [hit.article.title for hit in hits] == [
        "Пароль от кабинета",
        "Доставка",
        "Оплата картой",
    ]
    assert [hit.rank for hit in hits] == sorted((hit.rank for hit in hits), reverse=True)


def test_title_hits_filling_the_page_are_all_that_is_ranked(make_article):
    for number in range(3):
        make_article(f"Пароль {number}", "<p>Инструкция.</p>")
    make_article("Доставка", "<p>Пароль, пароль и ещё раз пароль.</p>")
    hits = search.search("пароль", AnonymousUser(), limit=3).articles
    assert sorted(hit.article.title for hit in hits) == ["Пароль 0", "Пароль 1", "Пароль 2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_title_hits_are_found_through_the_title_index(make_article):
    from opora.knowledge.search.postgres import ARTICLE_TITLE_VECTOR

    make_article("Пароль от кабинета")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table is otherwise scanned
        cursor.execute(
            f"EXPLAIN SELECT id FROM knowledge_article WHERE {ARTICLE_TITLE_VECTOR}"
            " @@ plainto_tsquery('russian', 'пароль')"
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "knowledge_article_title_search_gin" in plan


def test_snippet_highlights_matching_words_and_escapes_html(make_article):
    make_article("Письма", "<p>Письмо с <b>паролем</b> и &lt;script&gt; придёт скоро.</p>")
    snippet = search.search("пароль", AnonymousUser()).articles[0].snippet
    assert "<mark>паролем</mark>" in snippet
    assert "<b>" not in snippet and "<script>" not in snippet


def test_customers_never_find_internal_articles(make_article, carol, anna):
    make_article("Регламент возврата", visibility=Visibility.INTERNAL)
    assert titles("возврат", carol.user) == []
    assert titles("возврат", AnonymousUser()) == []
    assert titles("возврат", anna) == ["Регламент возврата"]


def test_edits_and_unpublishing_reach_the_index(make_article, anna, lead):
    from opora.knowledge import services

    article = make_article("Старое название")
    services.update_article(article, anna, title="Синхронизация заказов")
    assert titles("синхронизации", anna) == ["Синхронизация заказов"]
    services.transition(article, lead, "draft")
    assert titles("синхронизации", anna) == []


@pytest.fixture
def team_tickets(make_ticket, erin, team_alpha, team_beta):
    from opora.tickets import services as ticket_services

    alpha = make_ticket(erin, subject="Не приходит пароль", body="Письмо с паролем не пришло")
    beta = make_ticket(
        erin, subject="Оплата", body="Не могу сменить пароль в кабинете", team=team_beta
    )
    ticket_services.add_message(
        alpha, ticket_services.Actor(customer=erin), "Повторно запросил пароли, ничего"
    )
    return alpha, beta


def test_agents_find_tickets_only_within_their_teams(team_tickets, anna, boris, lead, carol):
    alpha, beta = team_tickets

    def ticket_ids(user) -> list[int]:
        results = search.search("паролем", user, include_tickets=True)
        return sorted(hit.ticket.pk for hit in results.tickets)

    assert ticket_ids(anna) == [alpha.pk]
    assert ticket_ids(boris) == [beta.pk]
    assert ticket_ids(lead) == sorted([alpha.pk, beta.pk])
    assert ticket_ids(carol.user) == []  # customers search articles only


def test_an_agent_in_several_teams_finds_each_teams_tickets(team_tickets, anna, team_beta):
    alpha, beta = team_tickets
    team_beta.members.add(anna)
    hits = search.search("паролем", anna, include_tickets=True).tickets
    assert sorted(hit.ticket.pk for hit in hits) == sorted([alpha.pk, beta.pk])


def test_ticket_subject_is_searchable_and_ranked_first(team_tickets, lead):
    alpha, _beta = team_tickets
    hits = search.search("приходит", lead, include_tickets=True).tickets
    assert [hit.ticket.pk for hit in hits] == [alpha.pk]


def test_one_hit_per_ticket(team_tickets, anna):
    alpha, _beta = team_tickets
    hits = search.search("пароль", anna, include_tickets=True).tickets
    assert [hit.ticket.pk for hit in hits] == [alpha.pk]


def test_merge_moves_messages_and_search_follows(team_tickets, make_ticket, erin, lead, boris):
    from opora.tickets import services as ticket_services

    alpha, beta = team_tickets
    ticket_services.merge(alpha, beta, ticket_services.Actor(user=lead))
    hits = search.search("приходит", boris, include_tickets=True).tickets
    assert [hit.ticket.pk for hit in hits] == [beta.pk]


def test_rebuild_indexes_bulk_loaded_messages(team_tickets, lead):
    from opora.tickets.models import Message

    alpha, _beta = team_tickets
    Message.objects.create(ticket=alpha, channel="email", body="Кассовый терминал сломался")
    assert search.search("терминал", lead, include_tickets=True).tickets == []
    search.rebuild_index()
    assert [h.ticket.pk for h in search.search("терминал", lead, include_tickets=True).tickets] == [
        alpha.pk
    ]


def test_user_typed_operators_are_plain_words(library):
    for query in ['пароль OR "', "NEAR(пароль", "пароль*", "-пароль", "'"]:
        search.search(query, AnonymousUser())  # must not raise
