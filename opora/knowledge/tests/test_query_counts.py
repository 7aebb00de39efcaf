"""List and search pages stay at a fixed number of queries however many rows they show."""

import pytest

from opora.knowledge.models import Visibility

pytestmark = pytest.mark.django_db

# The typo path runs the search twice (plus the vocabulary), still independent of row counts.
MAX_QUERIES = 16


@pytest.fixture
def many(make_article, make_ticket, erin):
    for number in range(12):
        make_article(f"Пароль номер {number}", "<p>пароль</p>", contexts=["login"])
        make_article(
            f"Password {number}", "<p>password</p>", language="en", visibility=Visibility.INTERNAL
        )
        make_ticket(erin, subject=f"Пароль {number}", body="Не приходит пароль")


@pytest.mark.parametrize(
    "url",
    [
        "/help/",
        "/help/?context=login",
        "/help/c/account/",
        "/help/search/?q=пароль",
        "/help/search/?q=пароьл",
        "/help/manage/",
        "/help/widget.json?context=login",
        "/help/suggest/?subject=пароль",
    ],
)
def test_pages_have_bounded_queries(many, client_for, lead, url, django_assert_max_num_queries):
    client = client_for(lead)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200


def test_api_list_and_search_have_bounded_queries(
    many, api_as, lead, django_assert_max_num_queries
):
    api = api_as(lead)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert api.get("/kb/articles", limit=50).status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES):
        assert api.get("/kb/search", q="пароль").status_code == 200
