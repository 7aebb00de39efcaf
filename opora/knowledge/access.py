"""Who may read which article. Every article fetch (web, API, search) goes through here."""

from django.utils.translation import gettext as _

from opora.accounts.models import Role, User
from opora.core.errors import Forbidden, NotFound

from .models import Article, ArticleQuerySet, ArticleStatus


def readable_articles(user: User) -> ArticleQuerySet:
    """Staff read everything, drafts included; everyone else only public, published articles."""
    if user.is_authenticated and user.is_active and user.is_agent_like:
        return Article.objects.all()
    return Article.objects.public()


def searchable_articles(user: User, language: str | None = None) -> ArticleQuerySet:
    """What a search may return: published only, internal ones for staff alone."""
    articles = readable_articles(user).filter(status=ArticleStatus.PUBLISHED)
    return articles.filter(language=language) if language else articles


def get_readable_article(user: User, pk: int) -> Article:
    article = readable_articles(user).for_list().filter(pk=pk).first()
    if article is None:
        # An internal article looks exactly like a missing one to those who may not read it.
        raise NotFound(_("Article not found"))
    return article


def require_editor(user: User) -> None:
    """Agents who reply to customers write articles; light agents only read them."""
    if not (user.is_authenticated and user.is_active and user.can_reply_publicly):
        raise Forbidden(_("Your role cannot edit articles"))


def require_publisher(user: User) -> None:
    if not (user.is_authenticated and user.role in {Role.ADMIN, Role.MANAGER}):
        raise Forbidden(_("Only managers and admins may publish articles"))
