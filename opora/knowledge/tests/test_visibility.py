import pytest

from opora.knowledge.models import ArticleStatus, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(make_article):
    return {
        "public": make_article("Публичная статья о пароле", "<p>пароль</p>"),
        "internal": make_article(
            "Внутренний регламент пароля", "<p>пароль</p>", visibility=Visibility.INTERNAL
        ),
        "draft": make_article("Черновик про пароль", "<p>пароль</p>", published=False),
    }


def test_web_hides_internal_and_drafts_from_customers_and_visitors(
    articles, client, client_for, carol, anna
):
    customer = client_for(carol.user)
    for reader in (client, customer):
        assert reader.get(f"/help/a/{articles['public'].pk}/").status_code == 200
        assert reader.get(f"/help/a/{articles['internal'].pk}/").status_code == 404
        assert reader.get(f"/help/a/{articles['draft'].pk}/").status_code == 404
        page = reader.get("/help/search/", {"q": "пароль"}).content.decode()
        assert "Публичная статья" in page
        assert "Внутренний регламент" not in page and "Черновик" not in page
    agent_page = client_for(anna).get("/help/search/", {"q": "пароль"}).content.decode()
    assert "Внутренний регламент" in agent_page
    assert client_for(anna).get(f"/help/a/{articles['draft'].pk}/").status_code == 200


def test_api_hides_internal_and_drafts(articles, api_as, carol, anna):
    for caller in (api_as(None), api_as(carol.user)):
        listed = caller.get("/kb/articles").json()
        assert [item["id"] for item in listed["items"]] == [articles["public"].pk]
        assert set(listed) == {"items", "count", "limit", "offset"}
        missing = caller.get(f"/kb/articles/{articles['internal'].pk}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        found = caller.get("/kb/search", q="пароль").json()
        assert [hit["id"] for hit in found["articles"]] == [articles["public"].pk]
        assert found["tickets"] == []
        refused = caller.post(f"/kb/articles/{articles['internal'].pk}/votes", {"helpful": True})
        assert refused.status_code == 404
    staff = api_as(anna).get("/kb/articles").json()
    assert staff["count"] == 3


def test_api_write_rules(api_as, section, anna, lead, carol):
    created = api_as(anna).post(
        "/kb/articles", {"title": "Новый", "body": "<p>текст</p>", "section_id": section.pk}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (
        api_as(carol.user)
        .post("/kb/articles", {"title": "x", "body": "y", "section_id": section.pk})
        .status_code
        == 403
    )
    assert (
        api_as(anna).post(f"/kb/articles/{pk}/transition", {"status": "review"}).status_code == 200
    )
    refused = api_as(anna).post(f"/kb/articles/{pk}/transition", {"status": "published"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    published = api_as(lead).post(f"/kb/articles/{pk}/transition", {"status": "published"})
    assert published.json()["status"] == ArticleStatus.PUBLISHED
    assert (
        api_as(anna).patch(f"/kb/articles/{pk}", {"body": "<p>новый текст</p>"}).status_code == 200
    )
    assert [v["number"] for v in api_as(anna).get(f"/kb/articles/{pk}/versions").json()] == [2, 1]
    restored = api_as(anna).post(f"/kb/articles/{pk}/versions/1/restore")
    assert restored.json()["body"] == "<p>текст</p>"
    invalid = api_as(anna).post(
        "/kb/articles", {"title": "", "body": "x", "section_id": section.pk}
    )
    assert invalid.status_code == 422 and "title" in invalid.json()["error"]["fields"]
    assert api_as(anna).delete(f"/kb/articles/{pk}").status_code == 403
    assert api_as(lead).delete(f"/kb/articles/{pk}").status_code == 204
    vote = api_as(None).post(f"/kb/articles/{pk}/votes", {"helpful": True})
    assert vote.status_code == 404


def test_link_endpoint_is_staff_only(make_article, api_as, anna, carol):
    article = make_article("Как сбросить пароль")
    links = api_as(anna).get("/kb/links", q="пароль").json()
    assert links == [
        {"title": article.title, "url": f"http://testserver/help/a/{article.pk}/", "language": "ru"}
    ]
    assert api_as(carol.user).get("/kb/links", q="пароль").status_code == 403
    assert api_as(None).get("/kb/links", q="пароль").status_code == 401


def test_contextual_help_and_widget_list_public_articles_only(make_article, client):
    make_article("Счёт-фактура", contexts=["billing-invoices"])
    make_article("Внутреннее", contexts=["billing-invoices"], visibility=Visibility.INTERNAL)
    page = client.get("/help/", {"context": "billing-invoices"}).content.decode()
    assert "Счёт-фактура" in page and "Внутреннее" not in page
    widget = client.get("/help/widget.json", {"context": "billing-invoices"})
    assert widget["Access-Control-Allow-Origin"] == "*"
    assert [a["title"] for a in widget.json()["articles"]] == ["Счёт-фактура"]


def test_vote_view_and_view_counter(make_article, client):
    article = make_article("Пароль")
    client.get(f"/help/a/{article.pk}/")
    response = client.post(f"/help/a/{article.pk}/vote/", {"helpful": "0", "comment": "мало"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.view_count, article.unhelpful_count) == (1, 1)


def test_manage_pages_render_for_staff(make_article, client_for, anna, lead, section):
    article = make_article("Пароль")
    agent = client_for(anna)
    assert agent.get("/help/manage/").status_code == 200
    assert agent.get(f"/help/manage/{article.pk}/").status_code == 200
    assert agent.get("/help/manage/gaps/").status_code == 200
    created = agent.post(
        "/help/manage/new/",
        {
            "title": "Новая",
            "body": "<p>текст</p>",
            "section": section.pk,
            "language": "ru",
            "visibility": "public",
            "contexts": "login, billing",
        },
    )
    assert created.status_code == 302
    new = article.__class__.objects.get(title="Новая")
    assert sorted(new.contexts.values_list("key", flat=True)) == ["billing", "login"]
    client_for(lead).post(f"/help/manage/{new.pk}/transition/", {"status": "review"})
    new.refresh_from_db()
    assert new.status == ArticleStatus.REVIEW
