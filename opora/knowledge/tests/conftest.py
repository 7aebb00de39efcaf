from collections.abc import Callable

import pytest

from opora.knowledge import services
from opora.knowledge.models import Article, ArticleStatus, Category, Section, Visibility


@pytest.fixture
def section(db) -> Section:
    category = Category.objects.create(slug="account", name="Учётная запись", name_en="Account")
    return Section.objects.create(
        slug="passwords", name="Пароли", name_en="Passwords", category=category
    )


@pytest.fixture
def publish(lead) -> Callable[[Article], Article]:
    def go(article: Article) -> Article:
        services.transition(article, lead, ArticleStatus.REVIEW)
        return services.transition(article, lead, ArticleStatus.PUBLISHED)

    return go


@pytest.fixture
def make_article(section, anna, publish) -> Callable[..., Article]:
    """A published article unless told otherwise (published=False, visibility=...)."""

    def factory(
        title: str,
        body: str = "<p>Text.</p>",
        *,
        language: str = "ru",
        visibility: str = Visibility.PUBLIC,
        published: bool = True,
        **extra,
    ) -> Article:
        article = services.create_article(
            services.ArticleData(
                title=title,
                body=body,
                section=section,
                language=language,
                visibility=visibility,
                **extra,
            ),
            anna,
        )
        return publish(article) if published else article

    return factory
