import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from opora.knowledge import search
from opora.knowledge.models import Article, ArticleAttachment, Visibility
from opora.tickets.models import ContactReason

pytestmark = pytest.mark.django_db


def test_seed_knowledge_is_bilingual_linked_and_idempotent(lead):
    refund = ContactReason.objects.create(name="Возврат средств", name_en="Refund")
    call_command("seed_knowledge")
    count = Article.objects.count()
    assert count >= 30
    assert (
        Article.objects.filter(language="ru").count()
        == Article.objects.filter(language="en").count()
    )
    assert Article.objects.filter(visibility=Visibility.INTERNAL).exists()
    refund_article = Article.objects.get(title="Как оформить возврат средств")
    assert refund in refund_article.reasons.all()
    assert Article.objects.filter(translation_group=refund_article.translation_group).count() == 2
    assert search.search("возврата", AnonymousUser()).articles
    screenshot = ArticleAttachment.objects.get()
    assert screenshot.is_image and screenshot.file.read().startswith(b"\x89PNG")
    assert f'<img src="{screenshot.get_absolute_url()}"' in screenshot.article.body
    call_command("seed_knowledge")
    assert Article.objects.count() == count
    assert ArticleAttachment.objects.count() == 1
