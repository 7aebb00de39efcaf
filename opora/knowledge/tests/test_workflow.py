import pytest

from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.knowledge import services
from opora.knowledge.models import Article, ArticleStatus

pytestmark = pytest.mark.django_db


def test_draft_review_published_and_only_managers_publish(make_article, anna, lead):
    article = make_article("Как сбросить пароль", published=False)
    assert article.status == ArticleStatus.DRAFT
    services.transition(article, anna, ArticleStatus.REVIEW)
    with pytest.raises(Forbidden):
        services.transition(article, anna, ArticleStatus.PUBLISHED)
    services.transition(article, lead, ArticleStatus.PUBLISHED)
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at is not None
    with pytest.raises(Forbidden):
        services.transition(article, anna, ArticleStatus.DRAFT)  # unpublishing is a manager's call


def test_draft_cannot_jump_to_published(make_article, lead):
    article = make_article("Черновик", published=False)
    with pytest.raises(InvalidTransition):
        services.transition(article, lead, ArticleStatus.PUBLISHED)


def test_light_agents_and_customers_cannot_write(section, lena, carol):
    for user in (lena, carol.user):
        with pytest.raises(Forbidden):
            services.create_article(services.ArticleData("T", "<p>x</p>", section), user)


def test_body_is_sanitised(make_article):
    article = make_article("XSS", "<p>ok</p><script>alert(1)</script><img src=x onerror=alert(1)>")
    assert "<script" not in article.body and "onerror" not in article.body


def test_every_text_change_is_a_version_with_a_diff_and_restore(make_article, anna):
    article = make_article("Пароль", "<p>Первая строка</p>")
    services.update_article(article, anna, body="<p>Вторая строка</p>")
    services.update_article(article, anna, title="Пароль (обновлено)")
    assert list(article.versions.values_list("number", flat=True)) == [3, 2, 1]
    diff = services.version_diff(article, 1, 2)
    assert "-Первая строка" in diff and "+Вторая строка" in diff
    services.restore_version(article, anna, 1)
    article.refresh_from_db()
    assert (article.title, article.body) == ("Пароль", "<p>Первая строка</p>")
    assert article.versions.count() == 4  # restoring adds history, never rewrites it


def test_unchanged_save_adds_no_version(make_article, anna):
    article = make_article("Пароль")
    services.update_article(article, anna, title="Пароль")
    assert article.versions.count() == 1


def test_translations_are_linked_one_per_language(make_article):
    russian = make_article("Возврат средств")
    english = make_article("Refunds", language="en", translation_of=russian)
    assert english.translation_group == russian.translation_group
    with pytest.raises(InvalidInput):
        make_article("Refunds again", language="en", translation_of=russian)


def test_views_and_votes_count_atomically(make_article, carol):
    article = make_article("Пароль")
    for _ in range(3):
        services.record_view(article)
    services.vote(article, carol.user, True, "помогло")
    services.vote(article, None, False)
    article.refresh_from_db()
    assert (article.view_count, article.helpful_count, article.unhelpful_count) == (3, 1, 1)
    assert article.votes.get(helpful=True).comment == "помогло"


def test_reply_becomes_a_draft_only_for_agents_who_see_the_ticket(
    make_ticket, erin, anna, boris, section
):
    from opora.core.errors import NotFound
    from opora.tickets import services as ticket_services

    ticket = make_ticket(erin, subject="Не приходит письмо со сбросом пароля")
    reply = ticket_services.add_message(
        ticket, ticket_services.Actor(user=anna), "Проверьте папку «Спам».\n\nИ фильтры почты."
    )
    with pytest.raises(NotFound):
        services.draft_from_message(boris, reply.pk, section)
    draft = services.draft_from_message(anna, reply.pk, section)
    assert draft.status == ArticleStatus.DRAFT
    assert draft.title == ticket.subject
    assert draft.body == "<p>Проверьте папку «Спам».</p><p>И фильтры почты.</p>"


def test_draft_from_message_view(client_for, make_ticket, erin, anna, section):
    from opora.tickets import services as ticket_services

    ticket = make_ticket(erin)
    reply = ticket_services.add_message(ticket, ticket_services.Actor(user=anna), "Ответ")
    response = client_for(anna).post(
        f"/help/manage/from-message/{reply.pk}/", {"section": section.pk}
    )
    assert response.status_code == 302
    assert Article.objects.filter(title=ticket.subject, status=ArticleStatus.DRAFT).exists()
