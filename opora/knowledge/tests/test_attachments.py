"""Article attachments: what is accepted, what the text may embed, and who may fetch them."""

import base64
from pathlib import Path

import pytest
from django.conf import settings

from opora.core.errors import AttachmentRejected, Forbidden
from opora.knowledge import services
from opora.knowledge.models import Article, ArticleAttachment, Visibility
from opora.knowledge.seed import login_form_png
from opora.tickets.attachments import IncomingFile

pytestmark = pytest.mark.django_db

PNG = login_form_png(8, 6)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def article(make_article) -> Article:
    return make_article("Как сбросить пароль", "<p>Нажмите «Забыли пароль?».</p>")


def attach(article, user, name="screen.png", content=PNG, content_type="image/png"):
    return services.add_attachment(article, user, IncomingFile(name, content, content_type))


def embed(article: Article, user, html: str) -> Article:
    return services.update_article(article, user, body=f"<p>Text</p>{html}")


# Uploading


def test_upload_stores_file_under_the_article_with_its_details(article, anna):
    image = attach(article, anna, name="../../etc/вход.png")
    assert image.filename == "вход.png"
    assert (image.content_type, image.size, image.uploaded_by) == ("image/png", len(PNG), anna)
    assert image.file.name.startswith(f"knowledge/{article.pk}/")
    assert Path(image.file.path).read_bytes() == PNG
    assert image.is_image
    document = attach(article, anna, "manual.pdf", PDF, "application/pdf")
    assert not document.is_image
    assert list(article.attachments.all()) == [image, document]


def test_oversize_file_is_refused_with_its_size_and_the_limit(article, anna, settings):
    settings.OPORA_MAX_ATTACHMENT_BYTES = 1024
    with pytest.raises(AttachmentRejected) as refused:
        attach(article, anna, "big.pdf", PDF + b"x" * 2048, "application/pdf")
    assert "big.pdf" in refused.value.message
    assert "is 2.0\xa0KB; the limit is 1.0\xa0KB" in refused.value.message
    assert not ArticleAttachment.objects.exists() and stored_files() == []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("page.html", b"<script>alert(1)</script>", "text/html"),
        ("vector.svg", b"<svg onload='alert(1)'/>", "image/svg+xml"),
        ("tool.exe", b"MZ\x90\x00", "application/octet-stream"),
        # Claims to be an image but is HTML: inline images must really be images.
        ("fake.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("fake.pdf", b"not a pdf", "application/pdf"),
        ("binary.txt", b"\x00\x01\x02\xff", "text/plain"),
        ("empty.png", b"", "image/png"),
    ],
)
def test_wrong_type_or_content_is_refused_and_nothing_is_stored(
    article, anna, name, content, content_type
):
    with pytest.raises(AttachmentRejected):
        attach(article, anna, name, content, content_type)
    assert not ArticleAttachment.objects.exists() and stored_files() == []


def test_png_bytes_claimed_as_jpeg_are_refused(article, anna):
    with pytest.raises(AttachmentRejected) as refused:
        attach(article, anna, "photo.jpg", PNG, "image/jpeg")
    assert refused.value.fields == {"file": "content_mismatch"}


def test_failed_database_write_leaves_no_file(article, anna, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ArticleAttachment, "save", broken_save)
    with pytest.raises(RuntimeError):
        attach(article, anna)
    assert stored_files() == []


def test_light_agents_cannot_attach_or_delete(article, anna, lena):
    with pytest.raises(Forbidden):
        attach(article, lena)
    image = attach(article, anna)
    with pytest.raises(Forbidden):
        services.delete_attachment(image, lena)
    assert ArticleAttachment.objects.filter(pk=image.pk).exists()


def test_delete_removes_file_and_its_embedding_as_a_new_version(
    article, anna, django_capture_on_commit_callbacks
):
    image = attach(article, anna)
    embed(article, anna, image.embed_code)
    path = Path(image.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_attachment(image, anna)
    article.refresh_from_db()
    assert "<img" not in article.body and "Text" in article.body
    assert not path.exists()
    assert article.versions.first().note.startswith("Removed attachment")


def test_deleting_the_article_removes_its_files(article, anna, django_capture_on_commit_callbacks):
    path = Path(attach(article, anna).file.path)
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert not path.exists()


# Embedding


def test_own_image_attachment_can_be_embedded(article, anna):
    image = attach(article, anna)
    saved = embed(article, anna, image.embed_code)
    assert f'<img src="{image.get_absolute_url()}" alt="screen.png">' in saved.body


@pytest.mark.parametrize(
    "html",
    [
        '<img src="https://evil/x">',
        '<img src="https://evil/x" onerror="alert(1)">',
        "<img src=x onerror=alert(1)>",
        '<img alt="a > b" src="//evil/x">',
        '<img src="data:image/png;base64,AAAA">',
        '<img src="javascript:alert(1)">',
    ],
)
def test_foreign_images_and_handlers_are_stripped(article, anna, html):
    saved = embed(article, anna, html)
    assert "<img" not in saved.body and "onerror" not in saved.body and "evil" not in saved.body
    assert "Text" in saved.body


def test_own_image_keeps_no_event_handler(article, anna):
    image = attach(article, anna)
    saved = embed(
        article, anna, f'<img src="{image.get_absolute_url()}" onerror="alert(1)" alt="x">'
    )
    assert "onerror" not in saved.body and image.get_absolute_url() in saved.body


def test_other_articles_attachments_and_non_images_cannot_be_embedded(article, make_article, anna):
    other = make_article("Другая статья")
    foreign = attach(other, anna)
    document = attach(article, anna, "manual.pdf", PDF, "application/pdf")
    saved = embed(
        article,
        anna,
        f'<img src="{foreign.get_absolute_url()}"><img src="{document.get_absolute_url()}">',
    )
    assert "<img" not in saved.body


def test_new_article_may_not_embed_images_yet(make_article):
    created = make_article("Новая", '<p>Text</p><img src="/help/a/1/attachments/1/">')
    assert "<img" not in created.body


# Serving and access


def test_public_image_is_served_inline_with_safe_headers(article, anna, client):
    image = attach(article, anna)
    response = client.get(image.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PNG


def test_public_document_is_served_as_a_download(article, anna, client):
    document = attach(article, anna, "руководство.pdf", PDF, "application/pdf")
    response = client.get(document.get_absolute_url())
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''" in response["Content-Disposition"]


@pytest.mark.parametrize("kind", ["internal", "draft"])
def test_hidden_articles_attachments_are_refused_like_the_article(
    kind, make_article, anna, boris, lena, carol, client, client_for
):
    hidden = (
        make_article("Внутренняя", visibility=Visibility.INTERNAL)
        if kind == "internal"
        else make_article("Черновик", published=False)
    )
    url = attach(hidden, anna).get_absolute_url()
    article_url = hidden.get_absolute_url()
    for reader in (client, client_for(carol.user)):
        assert reader.get(article_url).status_code == 404
        assert reader.get(url).status_code == 404
    # Staff read every article (articles are not restricted to teams), so they get the file.
    for agent in (boris, lena):
        assert client_for(agent).get(url).status_code == 200


def test_attachment_is_only_found_under_its_own_article(article, make_article, anna, client):
    hidden = make_article("Внутренняя", visibility=Visibility.INTERNAL)
    secret = attach(hidden, anna)
    response = client.get(f"/help/a/{article.pk}/attachments/{secret.pk}/")
    assert response.status_code == 404


def test_missing_stored_file_is_a_404(article, anna, client):
    image = attach(article, anna)
    Path(image.file.path).unlink()
    assert client.get(image.get_absolute_url()).status_code == 404


def test_article_page_lists_attachments_within_bounded_queries(
    article, anna, client, client_for, django_assert_max_num_queries
):
    for number in range(6):
        attach(article, anna, f"file-{number}.pdf", PDF, "application/pdf")
    image = attach(article, anna)
    embed(article, anna, image.embed_code)
    for reader in (client, client_for(anna)):
        with django_assert_max_num_queries(12):
            page = reader.get(article.get_absolute_url())
        html = page.content.decode()
        assert "file-5.pdf" in html and f'<img src="{image.get_absolute_url()}"' in html


def test_queries_do_not_grow_with_attachments(
    article, anna, client, django_assert_num_queries, django_assert_max_num_queries
):
    attach(article, anna)
    with django_assert_max_num_queries(100) as few:
        client.get(article.get_absolute_url())
    for number in range(10):
        attach(article, anna, f"more-{number}.pdf", PDF, "application/pdf")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(article.get_absolute_url())


# Editor pages


def test_editor_uploads_lists_and_deletes_through_htmx(article, anna, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    editor = client_for(anna)
    upload_url = f"/help/manage/{article.pk}/attachments/"
    response = editor.post(
        upload_url,
        {"file": SimpleUploadedFile("shot.png", PNG, "image/png")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    image = article.attachments.get()
    assert 'id="article-attachments"' in html and "shot.png" in html
    assert "&lt;img src=&quot;" in html  # the embed code, escaped inside the input's value
    edit_page = editor.get(f"/help/manage/{article.pk}/").content.decode()
    assert "shot.png" in edit_page and f"/help/manage/attachments/{image.pk}/delete/" in edit_page
    response = editor.post(f"/help/manage/attachments/{image.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "shot.png" in response.content.decode()
    assert not article.attachments.exists()


def test_editor_sees_the_refusal_in_the_panel(article, anna, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.OPORA_MAX_ATTACHMENT_BYTES = 10
    response = client_for(anna).post(
        f"/help/manage/{article.pk}/attachments/",
        {"file": SimpleUploadedFile("shot.png", PNG, "image/png")},
        HTTP_HX_REQUEST="true",
    )
    assert "the limit is 10" in response.content.decode()
    without_htmx = client_for(anna).post(
        f"/help/manage/{article.pk}/attachments/",
        {"file": SimpleUploadedFile("shot.png", PNG, "image/png")},
    )
    assert without_htmx.status_code == 302
    assert not article.attachments.exists()


def test_editor_pages_refuse_customers_visitors_and_light_agents(
    article, anna, lena, carol, client, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = attach(article, anna)
    upload_url = f"/help/manage/{article.pk}/attachments/"
    delete_url = f"/help/manage/attachments/{image.pk}/delete/"
    for refused in (client, client_for(carol.user)):
        assert refused.post(upload_url, {"file": SimpleUploadedFile("a.png", PNG)}).status_code in {
            302,
            403,
        }
        assert refused.post(delete_url).status_code in {302, 403}
    assert client_for(lena).post(delete_url).status_code == 403
    assert (
        client_for(lena)
        .post(upload_url, {"file": SimpleUploadedFile("a.png", PNG, "image/png")})
        .status_code
        == 403
    )
    assert list(article.attachments.all()) == [image]


# API


def test_api_upload_list_and_delete(article, api_as, anna):
    api = api_as(anna)
    url = f"/kb/articles/{article.pk}/attachments"
    created = api.post(
        url,
        {
            "filename": "shot.png",
            "content_type": "image/png",
            "content_base64": base64.b64encode(PNG).decode(),
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["size"] == len(PNG) and body["content_type"] == "image/png"
    assert body["embed_code"].startswith('<img src="/help/a/')
    assert [item["id"] for item in api.get(url).json()] == [body["id"]]
    assert api.delete(f"{url}/{body['id']}").status_code == 204
    assert api.get(url).json() == []


def test_api_refuses_bad_uploads_with_clear_errors(article, api_as, anna, settings):
    api = api_as(anna)
    url = f"/kb/articles/{article.pk}/attachments"
    bad_base64 = api.post(url, {"filename": "a.png", "content_base64": "@@@"})
    assert bad_base64.status_code == 400
    assert bad_base64.json()["error"]["fields"] == {"content_base64": "invalid_base64"}
    wrong_type = api.post(
        url,
        {"filename": "a.html", "content_base64": base64.b64encode(b"<html>").decode()},
    )
    assert wrong_type.status_code == 413
    assert wrong_type.json()["error"]["code"] == "attachment_type"
    settings.OPORA_MAX_ATTACHMENT_BYTES = 10
    too_big = api.post(url, {"filename": "a.png", "content_base64": base64.b64encode(PNG).decode()})
    assert "the limit is 10" in too_big.json()["error"]["message"]
    assert api.post(url, "just a string").status_code in {400, 422}
    assert not article.attachments.exists()


def test_api_refuses_customers_and_light_agents(article, api_as, anna, lena, carol):
    image = attach(article, anna)
    url = f"/kb/articles/{article.pk}/attachments"
    payload = {"filename": "a.png", "content_base64": base64.b64encode(PNG).decode()}
    customer = api_as(carol.user)
    assert customer.get(url).status_code == 403
    assert customer.post(url, payload).status_code == 403
    assert customer.delete(f"{url}/{image.pk}").status_code == 403
    light = api_as(lena)
    assert light.post(url, payload).status_code == 403
    assert light.delete(f"{url}/{image.pk}").status_code == 403
    assert (
        api_as(anna).delete(f"/kb/articles/{article.pk + 1}/attachments/{image.pk}").status_code
        == 404
    )
    assert list(article.attachments.all()) == [image]


# The demo's picture


def test_generated_png_is_well_formed():
    import struct
    import zlib

    data = login_form_png(120, 80)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = {}, 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        offset += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">II", chunks[b"IHDR"][:8]) == (120, 80)
    rows = zlib.decompress(chunks[b"IDAT"])
    assert len(rows) == 80 * (1 + 3 * 120) and rows[0] == 0
